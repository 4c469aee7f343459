import { createClient } from "@threadline/core";
import { messages } from "@threadline/messages";
import { recover } from "@threadline/recovery";
import { createSqliteCheckpointStore } from "@threadline/recovery/sqlite";

const im = createClient({
  address: process.env.THREADLINE_ADDRESS ?? "127.0.0.1:50051",
  token: process.env.THREADLINE_TOKEN ?? "the token printed by `accounts add`",
  resources: { messages },
});
const store = createSqliteCheckpointStore({ database: "./bot.db" });

const recovery = await recover({
  client: im,
  store,
  key: "echo-bot",
  concurrency: 8,
  orderBy: (event) => event.chatGuid, // one chat at a time, chats in parallel
  handler: async (event) => {
    if (event.type !== "message.received" || event.isFromMe) return;
    // A threaded reply. The id derived from the event's sequence makes the server apply it
    // once, even when a crash makes recover() hand this event to the handler again.
    const said = event.message.content.text ?? "something without text";
    await im.messages.sendText(event.chatGuid, `You said: ${said}`, {
      replyTo: event.message.guid,
      clientMessageId: `echo-bot-${event.sequence}`,
    });
    console.log(`replied to #${event.sequence}`);
  },
});
await recovery.caughtUp; // the backlog is answered; new messages are answered as they come
console.log("caught up; answering live messages until Ctrl-C");

process.once("SIGINT", async () => {
  await recovery.close(); // lets running handlers finish and saves the checkpoint
  await store.close();
  await im.close();
});
