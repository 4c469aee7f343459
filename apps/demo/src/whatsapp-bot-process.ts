/**
 * The WhatsApp bot of the demo's WhatsApp scene, run as its own process so it can be
 * killed with SIGKILL: it recovers the business number's events from a file checkpoint
 * with `recoverFrom` (@threadline/recovery), appends each handled sequence to a journal
 * (synchronously, so a kill loses nothing already handled), and answers every text
 * with a threaded reply whose idempotency key is derived from the inbound wamid.
 */
import { appendFileSync } from "node:fs";
import { recoverFrom } from "@threadline/recovery";
import { createFileCheckpointStore } from "@threadline/recovery/file";
import { createClient, type WhatsAppEvent } from "@threadline/whatsapp";

/** The environment variable carrying the bot's JSON configuration. */
const configVariable = "THREADLINE_WHATSAPP_BOT";

interface WhatsAppBotConfig {
  readonly address: string;
  readonly phoneNumberId: string;
  readonly accessToken: string;
  readonly appSecret: string;
  readonly checkpoints: string;
  readonly journal: string;
  readonly concurrency: number;
}

function readConfig(): WhatsAppBotConfig {
  const raw = process.env[configVariable];
  if (raw === undefined) throw new Error(`${configVariable} is not set`);
  const value: WhatsAppBotConfig = JSON.parse(raw);
  return value;
}

const config = readConfig();
const wa = createClient({
  address: config.address,
  phoneNumberId: config.phoneNumberId,
  accessToken: config.accessToken,
  appSecret: config.appSecret,
});
const recovery = await recoverFrom<WhatsAppEvent>({
  source: wa.events,
  store: createFileCheckpointStore({ directory: config.checkpoints }),
  key: "demo-whatsapp-bot",
  concurrency: config.concurrency,
  maxUnsavedEvents: 50,
  flushIntervalMs: 100,
  handler: async (event) => {
    if (event.type === "message" && event.message.content.type === "text") {
      await wa.messages.send(
        {
          to: event.message.from,
          replyTo: event.message.id,
          text: `Got it: ${event.message.content.body}`,
        },
        { idempotencyKey: `demo-reply-${event.message.id}` },
      );
    }
    appendFileSync(config.journal, `${process.pid} ${event.sequence}\n`);
  },
});
process.on("SIGTERM", () => {
  recovery
    .close()
    .then(() => wa.close())
    .then(
      () => process.exit(0),
      () => process.exit(1),
    );
});
await recovery.done.catch((error: unknown) => {
  process.stderr.write(`whatsapp bot failed: ${String(error)}\n`);
  process.exit(1);
});
