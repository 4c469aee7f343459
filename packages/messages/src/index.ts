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

/** Every event `subscribeEvents(...)` yields; the same shape catch-up replays. */
export type { Message, MessageEvent, TextFormat } from "@threadline/core";
/** The effect names: core's one list, which `@threadline/chats` re-exports too. */
export { isMessageEffect, MessageEffect } from "@threadline/core";
export {
  type AttachmentSendMethods,
  type MessagePart,
  maxMessageParts,
  type SendAttachmentOptions,
  type SendMultipartOptions,
} from "./attachment-sends.js";
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
export { isTextEffect, TextEffect } from "./text-effect.js";
export { maxFormattingRanges } from "./text-formatting.js";
