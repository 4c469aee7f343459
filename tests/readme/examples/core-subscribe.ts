import { readFile, writeFile } from "node:fs/promises";
import { createClient } from "@threadline/core";

const im = createClient({
  address: process.env.THREADLINE_ADDRESS ?? "127.0.0.1:50051",
  token: process.env.THREADLINE_TOKEN ?? "the token printed by `accounts add`",
});
const saved = await readFile("./cursor.txt", "utf8").catch(() => undefined); // none yet: from the start

// One resumable stream of every durable event. Persist `event.cursor` after handling.
const events = im.events.subscribe(saved === undefined ? {} : { cursor: saved });
process.once("SIGINT", () => void events.close()); // Ctrl-C ends the loop below
for await (const event of events) {
  console.log(`#${event.sequence} ${event.type}`);
  await writeFile("./cursor.txt", event.cursor);
}
await im.close();
