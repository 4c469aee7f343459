import { attachments } from "@threadline/attachments";
import { chats } from "@threadline/chats";
import { createClient } from "@threadline/core";
import { messages } from "@threadline/messages";

const im = createClient({
  address: process.env.THREADLINE_ADDRESS ?? "127.0.0.1:50051",
  token: process.env.THREADLINE_TOKEN ?? "the token printed by `accounts add`",
  resources: { attachments, chats, messages },
});

// Any bytes will do; the server types them from their content (a PNG signature here).
const data = new Uint8Array(2048);
data.set([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]);
const { attachment } = await im.attachments.upload({ fileName: "pixel.png", data });

const { chat } = await im.chats.create(["bob@example.com"]);
const message = await im.messages.sendAttachment(chat.guid, attachment.guid);

let received = 0;
for await (const chunk of im.attachments.downloadStream(attachment.guid)) {
  if (chunk.type === "primaryChunk") received += chunk.data.length;
}
console.log(
  `${attachment.mimeType}: sent ${message.content.attachments.length}, downloaded ${received} bytes`,
);
await im.close();
