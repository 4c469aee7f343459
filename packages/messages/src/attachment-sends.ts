import {
  type ClientContext,
  invalidArgument,
  type Message,
  type MessageEffect,
  messageFromWire,
  normalizeAddress,
  ProtocolError,
  type ResourceWriteOptions,
  resourceWriteSettings,
} from "@threadline/core";
import { MessageServiceDefinition, type photon } from "@threadline/protocol";
import {
  checkEffect,
  checkOptionalFlag,
  checkOptionsObject,
  checkReplyTo,
} from "./argument-checks.js";
import { checkMessageText, checkOptionalText } from "./message-text.js";
import type { ReplyTarget, TextFormatInput } from "./message-types.js";
import { checkFormatting } from "./text-formatting.js";

/** Options for `messages.sendAttachment(...)`. */
export interface SendAttachmentOptions extends ResourceWriteOptions {
  /** A full-screen or bubble effect; one of {@link MessageEffect}. */
  readonly effect?: MessageEffect;
  /** Marks the attachment as a voice message. */
  readonly isAudioMessage?: boolean;
  /** Sends the attachment as a threaded reply to this message of the same chat. */
  readonly replyTo?: ReplyTarget;
}

/** One bubble of `messages.sendMultipart(...)`: text (perhaps a mention) or an attachment. */
export interface MessagePart {
  /** An uploaded attachment's GUID (`attachment.guid` from `im.attachments.upload`). */
  readonly attachmentGuid?: string;
  /** The name the attachment bubble shows instead of the uploaded file name. */
  readonly attachmentName?: string;
  /** The bubble's index; parts are laid out in order, so it may only repeat its position. */
  readonly bubbleIndex?: number;
  /** Formatting ranges over this part's `text`. */
  readonly formatting?: readonly TextFormatInput[];
  /** Makes this text part an @-mention of the address. */
  readonly mentionedAddress?: string;
  /** The text of a text or mention part. */
  readonly text?: string;
}

/** Options for `messages.sendMultipart(...)`. */
export interface SendMultipartOptions extends ResourceWriteOptions {
  readonly effect?: MessageEffect;
  /** Ask for data detection in the text parts. */
  readonly enableDataDetection?: boolean;
  readonly replyTo?: ReplyTarget;
  /** A subject line shown above the message. */
  readonly subject?: string;
}

/** Most parts one multipart message may have (the server's limit too). */
export const maxMessageParts = 32;

/** The attachment sends of `im.messages`. */
export interface AttachmentSendMethods {
  /**
   * Sends an uploaded attachment (yours, or one you can see in your chats) to a chat.
   * Everyone in the chat can then see and download it; they get `message.received`
   * with the attachment in `content.attachments`, live and in catch-up.
   *
   * @throws ValidationError for a malformed chat or attachment GUID, an unknown effect or
   * a non-boolean flag; NotFoundError for an attachment you cannot see.
   */
  sendAttachment(
    chat: string,
    attachment: string,
    options?: SendAttachmentOptions,
  ): Promise<Message>;
  /**
   * Sends text, mention and attachment parts as one message, in order. On a Threadline
   * server its text is the text parts joined, with U+FFFC where an attachment sits;
   * `content.attachments` lists the attachments and `content.mentions` the mentions.
   *
   * @throws ValidationError for no parts or more than 32, a part with both or neither
   * of text and attachment, blank text, a malformed address, GUID or formatting range.
   */
  sendMultipart(
    chat: string,
    parts: readonly MessagePart[],
    options?: SendMultipartOptions,
  ): Promise<Message>;
}

const guidPattern = /^[\x21-\x7e]{1,128}$/;

function checkAttachmentGuid(field: string, value: unknown): string {
  if (typeof value !== "string" || !guidPattern.test(value)) {
    throw invalidArgument(
      field,
      "an attachment GUID: 1 to 128 printable ASCII characters without spaces, such as attachment.guid from im.attachments.upload()",
      value,
    );
  }
  return value;
}

function attachmentRef(
  field: string,
  guid: unknown,
  nameField: string,
  name: unknown,
): photon.imessage.v1.AttachmentRef.$Properties {
  const attachmentGuid = checkAttachmentGuid(field, guid);
  const attachmentName = checkOptionalText(nameField, name);
  return { attachmentGuid, ...(attachmentName === undefined ? {} : { attachmentName }) };
}

function checkPart(value: unknown, index: number): photon.imessage.v1.MessagePart.$Properties {
  const field = `parts[${index}]`;
  if (typeof value !== "object" || value === null || Array.isArray(value)) {
    throw invalidArgument(field, "an object { text } or { attachmentGuid }", value);
  }
  const text: unknown = Reflect.get(value, "text");
  const attachmentGuid: unknown = Reflect.get(value, "attachmentGuid");
  const bubbleIndex: unknown = Reflect.get(value, "bubbleIndex");
  if ((text === undefined) === (attachmentGuid === undefined)) {
    throw invalidArgument(
      field,
      "exactly one of text and attachmentGuid",
      value,
      text === undefined
        ? "has neither text nor attachmentGuid"
        : "has both text and attachmentGuid",
    );
  }
  if (bubbleIndex !== undefined && bubbleIndex !== index) {
    throw invalidArgument(
      `${field}.bubbleIndex`,
      `${index} (parts are laid out in order) or omitted`,
      bubbleIndex,
    );
  }
  const position = bubbleIndex === undefined ? {} : { bubbleIndex: index };
  if (attachmentGuid !== undefined) {
    if (
      Reflect.get(value, "mentionedAddress") !== undefined ||
      Reflect.get(value, "formatting") !== undefined
    ) {
      throw invalidArgument(
        field,
        "mentionedAddress and formatting on text parts only",
        value,
        "is an attachment part with mentionedAddress or formatting",
      );
    }
    return {
      attachment: attachmentRef(
        `${field}.attachmentGuid`,
        attachmentGuid,
        `${field}.attachmentName`,
        Reflect.get(value, "attachmentName"),
      ),
      ...position,
    };
  }
  const body = checkMessageText(`${field}.text`, text);
  const mentioned: unknown = Reflect.get(value, "mentionedAddress");
  return {
    text: body,
    ...(mentioned === undefined
      ? {}
      : { mentionedAddress: normalizeAddress(mentioned, `${field}.mentionedAddress`) }),
    formatting: checkFormatting(`${field}.formatting`, Reflect.get(value, "formatting"), body),
    ...position,
  };
}

function requireMessage(message: photon.imessage.v1.Message | null | undefined, call: string) {
  if (message === null || message === undefined) {
    throw new ProtocolError(
      `the server's ${call} response has no message, which a conforming server always sends`,
      { context: { field: "message" } },
    );
  }
  return messageFromWire(message);
}

/**
 * Builds `sendAttachment` and `sendMultipart` for `im.messages`.
 *
 * @internal not covered by semver
 */
export function createAttachmentSends(
  context: ClientContext,
  chatGuid: (field: string, value: unknown) => string,
): AttachmentSendMethods {
  return {
    async sendAttachment(chat, attachment, options) {
      const guid = chatGuid("chat", chat);
      const ref = attachmentRef("attachment", attachment, "attachmentName", undefined);
      checkOptionsObject("options", options);
      const effect = checkEffect("options.effect", options?.effect);
      const replyTo = checkReplyTo("options.replyTo", options?.replyTo);
      const isAudioMessage = checkOptionalFlag("options.isAudioMessage", options?.isAudioMessage);
      const { clientMessageId, settings } = resourceWriteSettings("options", options);
      const response = await context.unary(
        MessageServiceDefinition.sendAttachmentMessage,
        {
          chatGuid: guid,
          attachment: ref,
          ...(replyTo !== undefined ? { replyTo } : {}),
          ...(effect !== undefined ? { effectId: effect } : {}),
          ...(isAudioMessage !== undefined ? { isAudioMessage } : {}),
          ...(clientMessageId !== undefined ? { clientMessageId } : {}),
        },
        { ...settings, operation: "messages.sendAttachment()" },
      );
      return requireMessage(response.message, "SendAttachmentMessage");
    },

    async sendMultipart(chat, parts, options) {
      const guid = chatGuid("chat", chat);
      if (!Array.isArray(parts) || parts.length === 0 || parts.length > maxMessageParts) {
        throw invalidArgument("parts", `an array of 1 to ${maxMessageParts} parts`, parts);
      }
      const wireParts = parts.map((part: unknown, index) => checkPart(part, index));
      checkOptionsObject("options", options);
      const subject = checkOptionalText("options.subject", options?.subject);
      const effect = checkEffect("options.effect", options?.effect);
      const replyTo = checkReplyTo("options.replyTo", options?.replyTo);
      const dataDetection = checkOptionalFlag(
        "options.enableDataDetection",
        options?.enableDataDetection,
      );
      const { clientMessageId, settings } = resourceWriteSettings("options", options);
      const response = await context.unary(
        MessageServiceDefinition.sendMultipartMessage,
        {
          chatGuid: guid,
          parts: wireParts,
          ...(replyTo !== undefined ? { replyTo } : {}),
          ...(subject !== undefined ? { subject } : {}),
          ...(effect !== undefined ? { effectId: effect } : {}),
          ...(dataDetection !== undefined ? { enableDataDetection: dataDetection } : {}),
          ...(clientMessageId !== undefined ? { clientMessageId } : {}),
        },
        { ...settings, operation: "messages.sendMultipart()" },
      );
      return requireMessage(response.message, "SendMultipartMessage");
    },
  };
}
