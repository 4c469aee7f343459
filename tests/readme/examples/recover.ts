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
  key: "my-bot", // one checkpoint per independent consumer
  concurrency: 8,
  handler: async (event) => {
    console.log(`handling #${event.sequence} ${event.type}`);
  },
});
const head = await recovery.caughtUp; // everything up to the head is handled
console.log(`caught up to #${head}; handled ${recovery.progress().handled} events this run`);

await recovery.close(); // lets running handlers finish and saves the checkpoint
await store.close();
await im.close();
