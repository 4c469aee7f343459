import { createClient } from "@threadline/core";
import { recover } from "@threadline/recovery";
import { createSqliteCheckpointStore } from "@threadline/recovery/sqlite";

const im = createClient({
  address: process.env.THREADLINE_ADDRESS ?? "127.0.0.1:50051",
  token: process.env.THREADLINE_TOKEN ?? "the token printed by `accounts add`",
});
const store = createSqliteCheckpointStore({ database: "./bot.db" });

const recovery = await recover({
  client: im,
  store,
  key: "my-bot", // one key per independent consumer
  concurrency: 8,
  orderBy: (event) => event.chatGuid, // one chat at a time, chats in parallel
  handler: async (event) => {
    console.log(`#${event.sequence} ${event.type}`);
  },
});
try {
  await recovery.caughtUp; // the backlog up to the head is handled
  const { checkpoint, handled, lag } = recovery.progress(); // also inFlight, duplicatesDropped, ...
  console.log(`checkpoint ${checkpoint}, handled ${handled}, lag ${lag}`);
} finally {
  await recovery.close(); // lets running handlers finish and saves the checkpoint
  await store.close();
  await im.close();
}
