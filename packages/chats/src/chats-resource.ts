import {
  type ChatEvent,
  type ClientContext,
  chatFromWire,
  type LiveEventStream,
  messageFromWire,
  type ResourceFactory,
  resourceCallSettings,
  resourceWriteSettings,
  type UnknownEvent,
} from "@threadline/core";
import { ChatArchiveServiceDefinition, ChatServiceDefinition, photon } from "@threadline/protocol";
import { normaliseAddresses } from "./address-normalisation.js";
import { requireArchiveSupport } from "./archive-support.js";
import {
  checkBoolean,
  checkEffect,
  checkImageBytes,
  checkMessageText,
  checkOptionalBoolean,
  checkOptionsObject,
} from "./argument-checks.js";
import type {
  Chat,
  ChatCallOptions,
  ChatEventFilter,
  ChatWriteOptions,
  CountChatsOptions,
  CreateChatOptions,
  CreateChatResult,
} from "./chat.js";
import { checkChatGuid } from "./chat-guid-validation.js";

/**
 * `im.chats`: create, read and change chats, and watch their events.
 *
 * Every method checks its arguments before any network call and throws
 * ValidationError saying what is allowed; the server checks them again. Writes carry an
 * idempotency key (your `clientMessageId`, or one the SDK makes per call) that the
 * SDK's own retries reuse, so a retried write is applied once.
 */
export interface ChatsResource {
  /**
   * Resolves or creates a chat: one address gives a direct chat, two or more a group.
   * Addresses are normalised (emails lower-cased, phones to E.164) before sending.
   *
   * @throws ValidationError for no addresses, an invalid address, a short code or
   * service number, duplicate recipients, an empty message, or an effect without a
   * message.
   */
  create(addresses: readonly string[], options?: CreateChatOptions): Promise<CreateChatResult>;
  /**
   * One chat by GUID.
   *
   * @throws NotFoundError when the chat does not exist or the account is not in it.
   */
  get(chatGuid: string, options?: ChatCallOptions): Promise<Chat>;
  /** The number of visible chats; archived ones only with `includeArchived: true`. */
  count(options?: CountChatsOptions): Promise<number>;
  /** Clears the chat's unread state. Safe to repeat. */
  markRead(chatGuid: string, options?: ChatWriteOptions): Promise<void>;
  /** Shows (`true`) or hides (`false`) the typing indicator. Transient: never in the event log. */
  setTyping(chatGuid: string, isTyping: boolean, options?: ChatCallOptions): Promise<void>;
  /** Sends the current account's contact card into the chat. */
  shareContactInfo(chatGuid: string, options?: ChatWriteOptions): Promise<void>;
  /**
   * Sets the chat background from raw image bytes (JPEG, PNG, HEIC or HEIF; the server
   * detects the type).
   *
   * @throws ValidationError for empty bytes here, or an unsupported image type or size
   * from the server.
   */
  setBackground(chatGuid: string, data: Uint8Array, options?: ChatWriteOptions): Promise<void>;
  /** Whether the chat has a custom background. */
  hasBackground(chatGuid: string, options?: ChatCallOptions): Promise<boolean>;
  /** Removes the custom background. Safe to repeat. */
  removeBackground(chatGuid: string, options?: ChatWriteOptions): Promise<void>;
  /**
   * Moves the chat into the archived view. Safe to repeat. A Threadline addition: it
   * needs a server with the `threadline.chat_archive` capability.
   *
   * @throws UnimplementedError when the server does not offer archiving.
   */
  archive(chatGuid: string, options?: ChatWriteOptions): Promise<void>;
  /**
   * Moves the chat out of the archived view. Safe to repeat. A Threadline addition: it
   * needs a server with the `threadline.chat_archive` capability.
   *
   * @throws UnimplementedError when the server does not offer archiving.
   */
  unarchive(chatGuid: string, options?: ChatWriteOptions): Promise<void>;
  /**
   * Live chat events (`chat.backgroundChanged`, `chat.backgroundRemoved`,
   * `chat.markedRead`, `chat.archived`, `chat.unarchived`) for one chat or all of them.
   * `ready` resolves once the server has registered the subscription; events that
   * happen after that are delivered. Missed events are recovered with `im.events`.
   * A change this SDK version does not know (from a newer server) arrives as
   * `{ type: "unknown", sequence }` rather than being dropped.
   *
   * @throws ValidationError (synchronously) for a malformed `filter.chat`.
   */
  subscribeEvents(filter?: ChatEventFilter): LiveEventStream<ChatEvent | UnknownEvent>;
}

/**
 * Builds `im.chats` on a client's {@link ClientContext}.
 *
 * @internal not covered by semver; use {@link chats}.
 */
export function createChatsResource(context: ClientContext): ChatsResource {
  return {
    async create(addresses, options) {
      checkOptionsObject("options", options);
      const normalised = normaliseAddresses(addresses);
      const message = checkMessageText("options.message", options?.message);
      const effect = checkEffect("options.effect", options?.effect, message !== undefined);
      const { clientMessageId, settings } = resourceWriteSettings("options", options);
      const response = await context.unary(
        ChatServiceDefinition.createChat,
        {
          addresses: normalised,
          service: photon.imessage.v1.ChatServiceType.CHAT_SERVICE_TYPE_IMESSAGE,
          ...(message !== undefined
            ? {
                initialMessage: {
                  text: message,
                  ...(effect !== undefined ? { effectId: effect } : {}),
                },
              }
            : {}),
          ...(clientMessageId !== undefined ? { clientMessageId } : {}),
        },
        { ...settings, operation: "chats.create()" },
      );
      const chat = chatFromWire(response.chat, "CreateChat response");
      // Message-typed fields decode as null (never undefined) when absent; accept both.
      const initialMessage: photon.imessage.v1.Message | null | undefined = response.initialMessage;
      return initialMessage !== null && initialMessage !== undefined
        ? { chat, initialMessage: messageFromWire(initialMessage) }
        : { chat };
    },

    async get(chatGuid, options) {
      const guid = checkChatGuid("chatGuid", chatGuid);
      checkOptionsObject("options", options);
      const response = await context.unary(
        ChatServiceDefinition.getChat,
        { chatGuid: guid },
        { ...resourceCallSettings("options", options), operation: "chats.get()" },
      );
      return chatFromWire(response.chat, "GetChat response");
    },

    async count(options) {
      checkOptionsObject("options", options);
      const includeArchived =
        checkOptionalBoolean("options.includeArchived", options?.includeArchived) ?? false;
      const response = await context.unary(
        ChatServiceDefinition.getChatCount,
        { includeArchived },
        { ...resourceCallSettings("options", options), operation: "chats.count()" },
      );
      return response.count;
    },

    async markRead(chatGuid, options) {
      const guid = checkChatGuid("chatGuid", chatGuid);
      checkOptionsObject("options", options);
      await context.unary(
        ChatServiceDefinition.markChatRead,
        { chatGuid: guid },
        { ...resourceWriteSettings("options", options).settings, operation: "chats.markRead()" },
      );
    },

    async setTyping(chatGuid, isTyping, options) {
      const guid = checkChatGuid("chatGuid", chatGuid);
      const typing = checkBoolean("isTyping", isTyping);
      checkOptionsObject("options", options);
      await context.unary(
        ChatServiceDefinition.setTyping,
        { chatGuid: guid, isTyping: typing },
        {
          ...resourceCallSettings("options", options),
          mutating: true,
          operation: "chats.setTyping()",
        },
      );
    },

    async shareContactInfo(chatGuid, options) {
      const guid = checkChatGuid("chatGuid", chatGuid);
      checkOptionsObject("options", options);
      await context.unary(
        ChatServiceDefinition.shareContactInfo,
        { chatGuid: guid },
        {
          ...resourceWriteSettings("options", options).settings,
          operation: "chats.shareContactInfo()",
        },
      );
    },

    async setBackground(chatGuid, data, options) {
      const guid = checkChatGuid("chatGuid", chatGuid);
      const bytes = checkImageBytes("data", data);
      checkOptionsObject("options", options);
      await context.unary(
        ChatServiceDefinition.setBackground,
        { chatGuid: guid, data: bytes },
        {
          ...resourceWriteSettings("options", options).settings,
          operation: "chats.setBackground()",
        },
      );
    },

    async hasBackground(chatGuid, options) {
      const guid = checkChatGuid("chatGuid", chatGuid);
      checkOptionsObject("options", options);
      const response = await context.unary(
        ChatServiceDefinition.hasBackground,
        { chatGuid: guid },
        { ...resourceCallSettings("options", options), operation: "chats.hasBackground()" },
      );
      return response.backgroundPresent;
    },

    async removeBackground(chatGuid, options) {
      const guid = checkChatGuid("chatGuid", chatGuid);
      checkOptionsObject("options", options);
      await context.unary(
        ChatServiceDefinition.removeBackground,
        { chatGuid: guid },
        {
          ...resourceWriteSettings("options", options).settings,
          operation: "chats.removeBackground()",
        },
      );
    },

    async archive(chatGuid, options) {
      const guid = checkChatGuid("chatGuid", chatGuid);
      checkOptionsObject("options", options);
      const { clientMessageId, settings } = resourceWriteSettings("options", options);
      await requireArchiveSupport(context, "archive");
      await context.unary(
        ChatArchiveServiceDefinition.archiveChat,
        { chatGuid: guid, ...(clientMessageId !== undefined ? { clientMessageId } : {}) },
        { ...settings, operation: "chats.archive()" },
      );
    },

    async unarchive(chatGuid, options) {
      const guid = checkChatGuid("chatGuid", chatGuid);
      checkOptionsObject("options", options);
      const { clientMessageId, settings } = resourceWriteSettings("options", options);
      await requireArchiveSupport(context, "unarchive");
      await context.unary(
        ChatArchiveServiceDefinition.unarchiveChat,
        { chatGuid: guid, ...(clientMessageId !== undefined ? { clientMessageId } : {}) },
        { ...settings, operation: "chats.unarchive()" },
      );
    },

    subscribeEvents(filter) {
      checkOptionsObject("filter", filter);
      const chat =
        filter?.chat === undefined ? undefined : checkChatGuid("filter.chat", filter.chat);
      return context.events.live("chat", chat === undefined ? {} : { chat });
    },
  };
}

/**
 * The chats resource. Add it when creating a client and use it as `im.chats`:
 *
 * ```ts
 * const im = createClient({ address, token, resources: { chats } });
 * const { chat } = await im.chats.create(["alice@example.com"]);
 * ```
 */
export const chats: ResourceFactory<ChatsResource> = createChatsResource;
