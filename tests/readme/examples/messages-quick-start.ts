import { chats } from "@threadline/chats";
import { createClient } from "@threadline/core";
import { MessageEffect, messages, TextEffect } from "@threadline/messages";

const im = createClient({
  address: process.env.THREADLINE_ADDRESS ?? "127.0.0.1:50051",
  token: process.env.THREADLINE_TOKEN ?? "the token printed by `accounts add`",
  resources: { chats, messages },
});

const { chat } = await im.chats.create(["alice@example.com"]); // a chat must exist first
const question = await im.messages.sendText(chat.guid, "Dinner at 7?");
const reply = await im.messages.sendText(chat.guid, "Booked!", {
  replyTo: question.guid, // a threaded reply: reply.replyTargetGuid === question.guid
  effect: MessageEffect.confetti,
  formatting: [{ type: "effect", start: 0, length: 6, effect: TextEffect.bloom }],
});
await im.messages.setReaction(chat.guid, question.guid, { kind: "love" }, true);
console.log(`reply threaded: ${reply.replyTargetGuid === question.guid}`);
await im.close();
