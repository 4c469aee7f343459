/**
 * @threadline/chats: create and manage chats as `im.chats`.
 *
 * ```ts
 * import { createClient } from "@threadline/core";
 * import { chats, MessageEffect } from "@threadline/chats";
 *
 * const im = createClient({ address, token, resources: { chats } });
 * const { chat } = await im.chats.create(["alice@example.com"], {
 *   message: "Hello!",
 *   effect: MessageEffect.confetti,
 * });
 * ```
 */

/** Every event `subscribeEvents(...)` yields; the same shape catch-up replays. */
export type { ChatEvent } from "@threadline/core";
export { isMessageEffect, MessageEffect } from "@threadline/core";
export type {
  Chat,
  ChatCallOptions,
  ChatEventFilter,
  ChatWriteOptions,
  CountChatsOptions,
  CreateChatOptions,
  CreateChatResult,
} from "./chat.js";
export { type ChatsResource, chats } from "./chats-resource.js";
