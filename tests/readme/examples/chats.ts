import { chats } from "@threadline/chats";
import { createClient } from "@threadline/core";

const im = createClient({
  address: process.env.THREADLINE_ADDRESS ?? "127.0.0.1:50051",
  token: process.env.THREADLINE_TOKEN ?? "the token printed by `accounts add`",
  resources: { chats },
});

const { chat } = await im.chats.create(["alice@example.com"], { message: "Hello from the bot" });
console.log(`chat ${chat.guid}`); // any;-;alice@example.com

const events = im.chats.subscribeEvents({ chat: chat.guid });
await events.ready; // the server registered the stream: nothing after this is missed
const png = Uint8Array.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]); // real image bytes here
await im.chats.setBackground(chat.guid, png);
for await (const event of events.take(1)) console.log(`event ${event.type}`);

console.log(`has background: ${await im.chats.hasBackground(chat.guid)}`);
console.log(`chats: ${await im.chats.count()}`);
await im.close();
