import { readFile, writeFile } from "node:fs/promises";
import { createClient } from "@threadline/whatsapp";

const wa = createClient({
  address: process.env.THREADLINE_ADDRESS ?? "127.0.0.1:50051",
  phoneNumberId: process.env.WHATSAPP_PHONE_NUMBER_ID ?? "Meta's phone number id",
  accessToken: process.env.WHATSAPP_ACCESS_TOKEN ?? "the system user token",
  appSecret: process.env.WHATSAPP_APP_SECRET ?? "the app's secret",
});
const saved = await readFile("./whatsapp-cursor.txt", "utf8").catch(() => undefined); // none yet: from the start

// Resumes after the saved cursor on the first connect too, and reconnects without gaps.
const events = wa.events.subscribe({ cursor: saved });
process.once("SIGINT", () => void events.close()); // Ctrl-C ends the loop below
for await (const event of events) {
  if (event.type === "message" && event.message.content.type === "text") {
    // The key derived from the inbound wamid makes a retried reply reach Meta once.
    const { messageId } = await wa.messages.send(
      {
        to: event.message.from,
        replyTo: event.message.id,
        text: `You said: ${event.message.content.body}`,
      },
      { idempotencyKey: `reply-${event.message.id}` },
    );
    console.log(`#${event.sequence} replied to ${event.message.id} with ${messageId}`);
  } else if (event.type === "status") {
    console.log(`#${event.sequence} ${event.status.id} is ${event.status.status}`);
  }
  await writeFile("./whatsapp-cursor.txt", event.cursor);
}
await wa.close();
