// A WhatsApp bot process for the crash test: it recovers the main number's events from
// a file checkpoint with @threadline/recovery's recoverFrom, records every event it
// handles (pid and sequence, appended synchronously) and replies to each text with an
// idempotency key derived from the inbound wamid, so a reply re-sent after a crash
// reaches Meta once.
import { appendFileSync } from "node:fs";
import { recoverFrom } from "@threadline/recovery";
import { createFileCheckpointStore } from "@threadline/recovery/file";
import { createClient, type WhatsAppEvent } from "../../src/index.js";

function required(name: string): string {
  const value = process.env[name];
  if (value === undefined || value === "") throw new Error(`${name} is not set`);
  return value;
}

const handledLog = required("BOT_HANDLED_LOG");
const client = createClient({
  address: required("BOT_ADDRESS"),
  accessToken: required("BOT_ACCESS_TOKEN"),
  phoneNumberId: required("BOT_PHONE_NUMBER_ID"),
  appSecret: required("BOT_APP_SECRET"),
  heartbeatIntervalMs: 500,
});

const recovery = await recoverFrom<WhatsAppEvent>({
  source: client.events,
  store: createFileCheckpointStore({ directory: required("BOT_CHECKPOINTS") }),
  key: "crash-test-bot",
  maxUnsavedEvents: 5,
  flushIntervalMs: 50,
  handler: async (event) => {
    appendFileSync(handledLog, `${process.pid} ${event.sequence}\n`);
    if (event.type === "message" && event.message.content.type === "text") {
      await client.messages.send(
        {
          to: event.message.from,
          replyTo: event.message.id,
          text: `ack ${event.message.content.body}`,
        },
        { idempotencyKey: `reply-${event.message.id}` },
      );
    }
  },
});
process.stdout.write("ready\n");
process.on("SIGTERM", () => {
  recovery
    .close()
    .then(() => client.close())
    .then(
      () => process.exit(0),
      () => process.exit(1),
    );
});
await recovery.done;
