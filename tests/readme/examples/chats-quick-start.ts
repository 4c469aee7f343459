import { chats, MessageEffect } from "@threadline/chats";
import { createClient } from "@threadline/core";

const im = createClient({
  address: process.env.THREADLINE_ADDRESS ?? "127.0.0.1:50051",
  token: process.env.THREADLINE_TOKEN ?? "the token printed by `accounts add`",
  resources: { chats },
});

const { chat, initialMessage } = await im.chats.create(["alice@example.com"], {
  message: "Happy birthday!",
  effect: MessageEffect.balloons,
});
console.log(chat.guid, initialMessage?.content.text); // any;-;alice@example.com Happy birthday!
await im.close();
