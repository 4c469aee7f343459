import { createClient } from "@threadline/core";

const im = createClient({
  address: process.env.THREADLINE_ADDRESS ?? "127.0.0.1:50051",
  token: process.env.THREADLINE_TOKEN ?? "the token printed by `accounts add`",
});

const { headSequence } = await im.events.getLogInfo();
console.log(`connected: the log holds ${headSequence} events`);

// Replay the log after a sequence you already handled (0: from the start).
for await (const event of im.events.catchUp(0)) {
  if (event.type === "catchup.complete") break;
  console.log(`#${event.sequence} ${event.type} in ${event.chatGuid}`);
}
await im.close();
