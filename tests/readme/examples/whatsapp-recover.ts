import { recoverFrom } from "@threadline/recovery";
import { createFileCheckpointStore } from "@threadline/recovery/file";
import { createClient, type WhatsAppEvent } from "@threadline/whatsapp";

const wa = createClient({
  address: process.env.THREADLINE_ADDRESS ?? "127.0.0.1:50051",
  phoneNumberId: process.env.WHATSAPP_PHONE_NUMBER_ID ?? "Meta's phone number id",
  accessToken: process.env.WHATSAPP_ACCESS_TOKEN ?? "the system user token",
  appSecret: process.env.WHATSAPP_APP_SECRET ?? "the app's secret",
});

// The checkpoint queue of @threadline/recovery over the number's log, by sequence:
// no gap, nothing twice in a process, after a crash only the unsaved tail again.
const recovery = await recoverFrom<WhatsAppEvent>({
  source: wa.events,
  store: createFileCheckpointStore({ directory: "./checkpoints" }),
  key: "whatsapp-bot", // one checkpoint per independent consumer
  handler: async (event) => {
    console.log(`handling #${event.sequence} ${event.type}`);
  },
});
process.once("SIGINT", async () => {
  await recovery.close(); // lets running handlers finish and saves the checkpoint
  await wa.close();
});
