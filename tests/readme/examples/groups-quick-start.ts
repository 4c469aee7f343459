import { chats } from "@threadline/chats";
import { createClient } from "@threadline/core";
import { groups } from "@threadline/groups";

const im = createClient({
  address: process.env.THREADLINE_ADDRESS ?? "127.0.0.1:50051",
  token: process.env.THREADLINE_TOKEN ?? "the token printed by `accounts add`",
  resources: { chats, groups },
});

const { chat } = await im.chats.create(["bob@example.com", "carol@example.com"]);
await im.groups.setDisplayName(chat.guid, "Climbing");
const group = await im.groups.addParticipants(chat.guid, ["dave@example.com"]);
console.log(`${group.displayName}: ${group.participants.length} participants`);
await im.close();
