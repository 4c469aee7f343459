import { chats } from "@threadline/chats";
import { createClient } from "@threadline/core";
import { polls } from "@threadline/polls";

const im = createClient({
  address: process.env.THREADLINE_ADDRESS ?? "127.0.0.1:50051",
  token: process.env.THREADLINE_TOKEN ?? "the token printed by `accounts add`",
  resources: { chats, polls },
});

const { chat } = await im.chats.create(["bob@example.com", "carol@example.com"]);
const poll = await im.polls.create(chat.guid, "Where?", ["Pizza", "Sushi"]);
const [pizza] = poll.options;
if (pizza) await im.polls.vote(poll.pollMessageGuid, pizza.optionIdentifier);
console.log(`poll "${poll.title}" with ${poll.options.length} choices`);
await im.close();
