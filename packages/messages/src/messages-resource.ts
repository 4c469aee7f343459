import {
  type ClientContext,
  checkMessageGuid,
  invalidArgument,
  type LiveEventStream,
  type Message,
  messageFromWire,
  ProtocolError,
  parseChatGuid,
  type ResourceFactory,
  resourceCallSettings,
  resourceWriteSettings,
} from "@threadline/core";
import { MessageServiceDefinition, type photon } from "@threadline/protocol";
import {
  checkBackwardCompatText,
  checkEffect,
  checkFlag,
  checkOptionalFlag,
  checkOptionsObject,
  checkPartIndex,
  checkReaction,
  checkReplyTo,
} from "./argument-checks.js";

import { type AttachmentSendMethods, createAttachmentSends } from "./attachment-sends.js";
import { createMessageDecorations, type MessageDecorationMethods } from "./message-decorations.js";
import { createMessageReads, type MessageReadMethods } from "./message-reads.js";
import { checkMessageText, checkOptionalText } from "./message-text.js";
import type {
  EditMessageOptions,
  MessageCallOptions,
  MessageEventFilter,
  MessagePartOptions,
  MessageStreamEvent,
  SendTextOptions,
  SettableMessageReaction,
} from "./message-types.js";
import { createMiniAppCards, type MiniAppCardMethods } from "./mini-app-cards.js";
import { checkFormatting } from "./text-formatting.js";

/**
 * `im.messages`: send, change and read messages, and watch their events.
 *
 * Every method checks its arguments before any network call and throws ValidationError
 * saying what is allowed; the server checks them again. Writes carry an idempotency key
 * (your `clientMessageId`, or one the SDK makes per call) that the SDK's own retries
 * reuse, so a retried write is applied once.
 */
export interface MessagesResource
  extends AttachmentSendMethods,
    MessageReadMethods,
    MessageDecorationMethods,
    MiniAppCardMethods {
  /**
   * Sends text to a chat: optionally a threaded reply (`replyTo`), with a subject, an
   * effect, formatting ranges, a link preview or data detection. Returns the message as
   * stored; a reply carries `replyTargetGuid` and `threadOriginatorGuid`.
   *
   * @throws ValidationError for a malformed chat GUID, blank or too long text, an
   * unknown effect, a malformed reply target or formatting range, or non-boolean flags.
   */
  sendText(chat: string, text: string, options?: SendTextOptions): Promise<Message>;
  /**
   * Replaces the text of one of your own messages; returns the edited message.
   *
   * @throws ValidationError for a malformed GUID or blank text, and from the server
   * (FAILED_PRECONDITION) for someone else's or an unsent message.
   */
  edit(
    chat: string,
    message: string,
    newText: string,
    options?: EditMessageOptions,
  ): Promise<Message>;
  /** Unsends one of your own messages. Safe to repeat. */
  unsend(chat: string, message: string, options?: MessagePartOptions): Promise<void>;
  /**
   * Adds (`isSet: true`) or removes (`false`) your tapback on a message; returns the
   * message with its current tapbacks. Adding one you have, or removing one you do not,
   * changes nothing.
   */
  setReaction(
    chat: string,
    message: string,
    reaction: SettableMessageReaction,
    isSet: boolean,
    options?: MessagePartOptions,
  ): Promise<Message>;
  /**
   * One message by GUID.
   *
   * @throws NotFoundError when it does not exist or is outside your chats.
   */
  get(message: string, options?: MessageCallOptions): Promise<Message>;
  /**
   * Live message events (`message.received`, `message.edited`, `message.read`,
   * `message.unsent`, `message.reactionAdded`, `message.reactionRemoved`,
   * `message.stickerPlaced`) for one chat or all. `ready` resolves once the server has
   * registered the subscription. Missed events are recovered with `im.events`. A change
   * this SDK version does not know arrives as `{ type: "unknown", sequence }`.
   *
   * @throws ValidationError (synchronously) for a malformed `filter.chat`.
   */
  subscribeEvents(filter?: MessageEventFilter): LiveEventStream<MessageStreamEvent>;
}

function requireMessage(
  message: photon.imessage.v1.Message | null | undefined,
  call: string,
): Message {
  if (message === null || message === undefined) {
    throw new ProtocolError(
      `the server's ${call} response has no message, which a conforming server always sends`,
      { context: { field: "message" } },
    );
  }
  return messageFromWire(message);
}

/** How many distinct valid chat GUIDs a resource remembers (see {@link chatGuidChecker}). */
const rememberedChatGuids = 1024;

/**
 * Checks chat GUIDs with core's rules and remembers the valid ones: a bot sends to the
 * same few chats over and over, and normalising the address each time is most of the
 * client's own work per send. Only valid GUIDs are remembered, so every rejection still
 * comes from core's check with its message.
 */
function chatGuidChecker(): (field: string, value: unknown) => string {
  const known = new Map<string, string>();
  return (field, value) => {
    if (typeof value === "string") {
      const remembered = known.get(value);
      if (remembered !== undefined) return remembered;
    }
    const guid = parseChatGuid(value, field).guid;
    if (typeof value === "string") {
      if (known.size >= rememberedChatGuids) known.clear();
      known.set(value, guid);
    }
    return guid;
  };
}

function partOf(options: MessagePartOptions | undefined): number | undefined {
  return checkPartIndex("options.partIndex", options?.partIndex);
}

/**
 * Builds `im.messages` on a client's {@link ClientContext}.
 *
 * @internal not covered by semver; use {@link messages}.
 */
export function createMessagesResource(context: ClientContext): MessagesResource {
  const chatGuid = chatGuidChecker();
  const target = (chat: unknown, message: unknown, partIndex: number | undefined) => ({
    chatGuid: chatGuid("chat", chat),
    messageGuid: checkMessageGuid("message", message),
    ...(partIndex !== undefined ? { targetPartIndex: partIndex } : {}),
  });
  return {
    ...createAttachmentSends(context, chatGuid),
    ...createMessageReads(context, chatGuid),
    ...createMessageDecorations(context, chatGuid),
    ...createMiniAppCards(context, chatGuid),
    async sendText(chat, text, options) {
      const guid = chatGuid("chat", chat);
      const body = checkMessageText("text", text);
      checkOptionsObject("options", options);
      const subject = checkOptionalText("options.subject", options?.subject);
      const effect = checkEffect("options.effect", options?.effect);
      const replyTo = checkReplyTo("options.replyTo", options?.replyTo);
      const formatting = checkFormatting("options.formatting", options?.formatting, body);
      const linkPreview = checkOptionalFlag(
        "options.enableLinkPreview",
        options?.enableLinkPreview,
      );
      const dataDetection = checkOptionalFlag(
        "options.enableDataDetection",
        options?.enableDataDetection,
      );
      const { clientMessageId, settings } = resourceWriteSettings("options", options);
      const response = await context.unary(
        MessageServiceDefinition.sendTextMessage,
        {
          chatGuid: guid,
          text: body,
          ...(replyTo !== undefined ? { replyTo } : {}),
          ...(subject !== undefined ? { subject } : {}),
          ...(effect !== undefined ? { effectId: effect } : {}),
          ...(dataDetection !== undefined ? { enableDataDetection: dataDetection } : {}),
          ...(linkPreview !== undefined ? { enableLinkPreview: linkPreview } : {}),
          formatting,
          ...(clientMessageId !== undefined ? { clientMessageId } : {}),
        },
        { ...settings, operation: "messages.sendText()" },
      );
      return requireMessage(response.message, "SendTextMessage");
    },

    async edit(chat, message, newText, options) {
      checkOptionsObject("options", options);
      const wireTarget = target(chat, message, partOf(options));
      const text = checkMessageText("newText", newText);
      const fallback = checkBackwardCompatText(
        "options.backwardCompatText",
        options?.backwardCompatText,
      );
      const { clientMessageId, settings } = resourceWriteSettings("options", options);
      const response = await context.unary(
        MessageServiceDefinition.editMessage,
        {
          target: wireTarget,
          newText: text,
          ...(fallback !== undefined ? { backwardCompatText: fallback } : {}),
          ...(clientMessageId !== undefined ? { clientMessageId } : {}),
        },
        { ...settings, operation: "messages.edit()" },
      );
      return requireMessage(response.message, "EditMessage");
    },

    async unsend(chat, message, options) {
      checkOptionsObject("options", options);
      const wireTarget = target(chat, message, partOf(options));
      const { clientMessageId, settings } = resourceWriteSettings("options", options);
      await context.unary(
        MessageServiceDefinition.unsendMessage,
        { target: wireTarget, ...(clientMessageId !== undefined ? { clientMessageId } : {}) },
        { ...settings, operation: "messages.unsend()" },
      );
    },

    async setReaction(chat, message, reaction, isSet, options) {
      checkOptionsObject("options", options);
      const wireTarget = target(chat, message, partOf(options));
      const wireReaction = checkReaction("reaction", reaction);
      const set = checkFlag("isSet", isSet, "true (add the tapback) or false (remove it)");
      const { clientMessageId, settings } = resourceWriteSettings("options", options);
      const response = await context.unary(
        MessageServiceDefinition.setReaction,
        {
          target: wireTarget,
          reaction: wireReaction,
          isSet: set,
          ...(clientMessageId !== undefined ? { clientMessageId } : {}),
        },
        { ...settings, operation: "messages.setReaction()" },
      );
      return requireMessage(response.message, "SetReaction");
    },

    async get(message, options) {
      const guid = checkMessageGuid("message", message);
      const settings = resourceCallSettings("options", options);
      const response = await context.unary(
        MessageServiceDefinition.getMessage,
        { messageGuid: guid },
        { ...settings, operation: "messages.get()" },
      );
      return requireMessage(response.message, "GetMessage");
    },

    subscribeEvents(filter) {
      if (
        filter !== undefined &&
        (typeof filter !== "object" || filter === null || Array.isArray(filter))
      ) {
        throw invalidArgument("filter", "an object { chat? } or omitted", filter);
      }
      const chat = filter?.chat === undefined ? undefined : chatGuid("filter.chat", filter.chat);
      return context.events.live("message", chat === undefined ? {} : { chat });
    },
  };
}

/**
 * The messages resource. Add it when creating a client and use it as `im.messages`:
 *
 * ```ts
 * const im = createClient({ address, token, resources: { messages } });
 * const sent = await im.messages.sendText(chat.guid, "On my way", { replyTo: question.guid });
 * ```
 */
export const messages: ResourceFactory<MessagesResource> = createMessagesResource;
