/**
 * @threadline/messages: send, edit, unsend, react to and read messages as `im.messages`.
 *
 * ```ts
 * import { createClient } from "@threadline/core";
 * import { messages, MessageEffect } from "@threadline/messages";
 *
 * const im = createClient({ address, token, resources: { messages } });
 * const reply = await im.messages.sendText(chatGuid, "See you at 7", {
 *   replyTo: question.guid,
 *   effect: MessageEffect.confetti,
 *   formatting: [{ type: "bold", start: 11, length: 1 }],
 * });
 * ```
 */

/**
 * Core's message model: every event `subscribeEvents(...)` yields (the same shape
 * catch-up replays), and what the sticker, card and list methods take and return.
 */
export type {
  Message,
  MessageEvent,
  MessagePlacedSticker,
  MiniAppContent,
  StickerPlacement,
  TextFormat,
} from "@threadline/core";
/** The effect names: core's one list, which `@threadline/chats` re-exports too. */
export { isMessageEffect, MessageEffect } from "@threadline/core";
export {
  type AttachmentSendMethods,
  type MessagePart,
  maxMessageParts,
  type SendAttachmentOptions,
  type SendMultipartOptions,
} from "./attachment-sends.js";
export { type MessageDecorationMethods, maxStickerScale } from "./message-decorations.js";
export {
  defaultMessagePageSize,
  type EmbeddedMedia,
  type MessageListFilter,
  type MessageListPage,
  type MessageReadMethods,
  maxMessagePageSize,
} from "./message-reads.js";
export { maxMessageTextLength } from "./message-text.js";
export type {
  EditMessageOptions,
  MessageCallOptions,
  MessageEventFilter,
  MessagePartOptions,
  MessageStreamEvent,
  ReplyTarget,
  SendTextOptions,
  SettableMessageReaction,
  TextFormatInput,
} from "./message-types.js";
export { type MessagesResource, messages } from "./messages-resource.js";
export {
  type CustomizedMiniAppMessage,
  type MiniAppCardMethods,
  type MiniAppCardSession,
  type MiniAppLayout,
  type MiniAppMessageResult,
  maxMiniAppImageBytes,
  maxMiniAppSlotLength,
} from "./mini-app-cards.js";
export { isTextEffect, TextEffect } from "./text-effect.js";
export { maxFormattingRanges } from "./text-formatting.js";
