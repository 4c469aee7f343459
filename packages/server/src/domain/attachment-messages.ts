import type { photon } from "@threadline/protocol";
import type { Account } from "../auth/account.js";
import { invalidArgument } from "../errors/common-errors.js";
import type { WriteContext } from "../storage/write-context.js";
import { normalizeAddress } from "./address.js";
import { normalizeFileName } from "./attachment-file-name.js";
import { checkAttachmentGuid, visibleAttachment } from "./attachment-operations.js";
import {
  type AttachmentLinkRecord,
  insertMentions,
  linkMessageAttachments,
  type MentionRecord,
} from "./attachment-records.js";
import { validateEffect } from "./message-effect.js";
import { sendMessageWithFacts } from "./message-fan-out.js";
import { type TextFormatRecord, validateFormatting } from "./message-formatting.js";
import { messageViewFrom } from "./message-view.js";
import { type ReplyInput, replyThread, resolveChatToSend } from "./reply-thread.js";
import { limitText, maxMessageTextLength, optionalText } from "./text-rules.js";

type MessageProperties = photon.imessage.v1.Message.$Properties;

/** The character an attachment bubble takes in a message's text, as in Apple's chat.db. */
export const attachmentPlaceholder = "\uFFFC";

/** Most parts one multipart message may have. */
export const maxMessageParts = 32;

const messageGuidPattern = /^[\x21-\x7e]{1,128}$/;

function validateReply(
  replyTo: photon.imessage.v1.ReplyTarget.$Properties | null | undefined,
): ReplyInput | null {
  const guid = replyTo?.messageGuid;
  const part = replyTo?.targetPartIndex ?? null;
  if (guid === undefined || guid === null || guid === "") {
    if (part !== null) {
      throw invalidArgument(
        "reply_to.target_part_index needs reply_to.message_guid: name the message the reply answers",
        { field: "reply_to.message_guid" },
      );
    }
    return null;
  }
  if (!messageGuidPattern.test(guid)) {
    throw invalidArgument(
      `reply_to.message_guid must be a message GUID (1 to 128 printable characters without spaces); received ${JSON.stringify(guid.slice(0, 64))}`,
      { field: "reply_to.message_guid" },
    );
  }
  if (part !== null && (!Number.isInteger(part) || part < 0)) {
    throw invalidArgument(
      `reply_to.target_part_index must be a bubble index (0 or more); received ${part}`,
      { field: "reply_to.target_part_index" },
    );
  }
  return { guid, part };
}

// An AttachmentRef names an uploaded attachment by GUID; server paths are refused,
// since a client has no business naming files on the server's disk.
function attachmentRef(
  ref: photon.imessage.v1.AttachmentRef.$Properties | null | undefined,
  field: string,
): { guid: string; displayName: string | null } {
  if (ref === undefined || ref === null) {
    throw invalidArgument(`${field} is required: set ${field}.attachment_guid`, { field });
  }
  if (
    ref.attachmentPath !== undefined &&
    ref.attachmentPath !== null &&
    ref.attachmentPath !== ""
  ) {
    throw invalidArgument(
      `${field}.attachment_path is not accepted by this server; upload the file with UploadAttachment and send its attachment_guid`,
      { field: `${field}.attachment_path` },
    );
  }
  const name = optionalText(ref.attachmentName);
  return {
    guid: checkAttachmentGuid(ref.attachmentGuid, `${field}.attachment_guid`),
    displayName: name === null || name.trim() === "" ? null : normalizeFileName(name),
  };
}

/** A SendAttachmentMessage request after validation. */
export interface SendAttachmentInput {
  readonly chatGuid: string;
  readonly attachmentGuid: string;
  readonly displayName: string | null;
  readonly reply: ReplyInput | null;
  readonly effectId: string | null;
  readonly isAudioMessage: boolean;
}

/** Validates a SendAttachmentMessage request without the database. Throws INVALID_ARGUMENT. */
export function validateSendAttachment(
  request: photon.imessage.v1.SendAttachmentMessageRequest.$Properties,
): SendAttachmentInput {
  const ref = attachmentRef(request.attachment, "attachment");
  return {
    chatGuid: request.chatGuid ?? "",
    attachmentGuid: ref.guid,
    displayName: ref.displayName,
    reply: validateReply(request.replyTo),
    effectId: validateEffect(request.effectId, "effect_id"),
    isAudioMessage: request.isAudioMessage === true,
  };
}

/**
 * Sends an attachment the caller can see (its own upload, or one in its chats) as a
 * message: `message.received` with the attachment in its content to everyone in the
 * chat, exactly like a text message; from then on everyone in the chat can see and
 * download the attachment. NOT_FOUND for an attachment the caller cannot see. Run
 * inside a write.
 */
export async function sendAttachment(
  context: WriteContext,
  account: Account,
  input: SendAttachmentInput,
): Promise<MessageProperties> {
  const { repositories } = context;
  const resolved = await resolveChatToSend(repositories, account, input.chatGuid, input.reply);
  const { chat, viewer } = resolved;
  const attachment = await visibleAttachment(
    repositories,
    account,
    input.attachmentGuid,
    "attachment.attachment_guid",
  );
  const thread = await replyThread(repositories, chat, input.reply);
  const { message, facts } = await sendMessageWithFacts(
    context,
    resolved,
    {
      kind: "text",
      text: attachmentPlaceholder,
      subject: null,
      effectId: input.effectId,
      replyToGuid: input.reply?.guid ?? null,
      threadOriginatorGuid: thread?.guid ?? null,
      threadOriginatorPart: thread?.part ?? null,
    },
    (stored) =>
      linkMessageAttachments(repositories, stored.id, [
        {
          attachmentId: attachment.id,
          displayName: input.displayName,
          isAudioMessage: input.isAudioMessage,
        },
      ]),
  );
  return messageViewFrom(message, facts, account.id, viewer.chatGuid);
}

/** One validated part of a multipart send. */
type PartInput =
  | {
      readonly kind: "text";
      readonly text: string;
      readonly mention: string | null;
      readonly formatting: readonly TextFormatRecord[];
    }
  | { readonly kind: "attachment"; readonly guid: string; readonly displayName: string | null };

/** A SendMultipartMessage request after validation. */
export interface SendMultipartInput {
  readonly chatGuid: string;
  readonly parts: readonly PartInput[];
  readonly reply: ReplyInput | null;
  readonly subject: string | null;
  readonly effectId: string | null;
  readonly dataDetection: boolean;
}

function validatePart(part: photon.imessage.v1.MessagePart.$Properties, index: number): PartInput {
  const field = `parts[${index}]`;
  if (part.bubbleIndex !== undefined && part.bubbleIndex !== null && part.bubbleIndex !== index) {
    throw invalidArgument(
      `${field}.bubble_index is ${part.bubbleIndex}; parts are laid out in the order sent, so it must be ${index} or omitted`,
      { field: `${field}.bubble_index` },
    );
  }
  const hasText = part.text !== undefined && part.text !== null;
  const hasAttachment = part.attachment !== undefined && part.attachment !== null;
  if (hasText === hasAttachment) {
    throw invalidArgument(
      `${field} must have exactly one of text and attachment; it has ${hasText ? "both" : "neither"}`,
      { field },
    );
  }
  if (hasAttachment) {
    if (
      (part.mentionedAddress !== undefined && part.mentionedAddress !== null) ||
      (part.formatting?.length ?? 0) > 0
    ) {
      throw invalidArgument(
        `${field} is an attachment; mentioned_address and formatting apply to text parts only`,
        { field },
      );
    }
    const ref = attachmentRef(part.attachment, `${field}.attachment`);
    return { kind: "attachment", guid: ref.guid, displayName: ref.displayName };
  }
  const text = part.text ?? "";
  if (text.trim() === "") {
    throw invalidArgument(`${field}.text is blank; a text part needs visible text`, {
      field: `${field}.text`,
    });
  }
  const mentionRaw = part.mentionedAddress;
  let mention: string | null = null;
  if (mentionRaw !== undefined && mentionRaw !== null && mentionRaw !== "") {
    try {
      mention = normalizeAddress(mentionRaw);
    } catch (error) {
      throw invalidArgument(
        `${field}.mentioned_address ${error instanceof Error ? error.message : String(error)}`,
        { field: `${field}.mentioned_address` },
      );
    }
  }
  return {
    kind: "text",
    text,
    mention,
    formatting: validateFormatting(part.formatting, text, `${field}.formatting`),
  };
}

/** Validates a SendMultipartMessage request without the database. Throws INVALID_ARGUMENT. */
export function validateSendMultipart(
  request: photon.imessage.v1.SendMultipartMessageRequest.$Properties,
): SendMultipartInput {
  const parts = request.parts ?? [];
  if (parts.length === 0 || parts.length > maxMessageParts) {
    throw invalidArgument(
      `parts has ${parts.length} entries; a multipart message has 1 to ${maxMessageParts} parts`,
      { field: "parts" },
    );
  }
  const validated = parts.map(validatePart);
  const length = validated.reduce(
    (sum, part) => sum + (part.kind === "text" ? part.text.length : attachmentPlaceholder.length),
    0,
  );
  if (length > maxMessageTextLength) {
    throw invalidArgument(
      `the parts' text is ${length} UTF-16 code units together; a message may have at most ${maxMessageTextLength}`,
      { field: "parts" },
    );
  }
  const subject = optionalText(request.subject);
  return {
    chatGuid: request.chatGuid ?? "",
    parts: validated,
    reply: validateReply(request.replyTo),
    subject:
      subject === null || subject === ""
        ? null
        : limitText(subject, "subject", maxMessageTextLength),
    effectId: validateEffect(request.effectId, "effect_id"),
    dataDetection: request.enableDataDetection === true,
  };
}

/**
 * Sends text, mention and attachment parts as one message. Its text is the parts'
 * text in order, with {@link attachmentPlaceholder} where an attachment sits; each
 * part's formatting and mention cover that part's range of it; its content lists the
 * attachments in order. One `message.received` per account in the chat, as for text.
 * NOT_FOUND for an attachment the caller cannot see. Run inside a write.
 */
export async function sendMultipart(
  context: WriteContext,
  account: Account,
  input: SendMultipartInput,
): Promise<MessageProperties> {
  const { repositories } = context;
  const resolved = await resolveChatToSend(repositories, account, input.chatGuid, input.reply);
  const { chat, viewer } = resolved;
  let text = "";
  const formatting: TextFormatRecord[] = [];
  const mentions: MentionRecord[] = [];
  const links: AttachmentLinkRecord[] = [];
  for (const [index, part] of input.parts.entries()) {
    if (part.kind === "attachment") {
      const attachment = await visibleAttachment(
        repositories,
        account,
        part.guid,
        `parts[${index}].attachment.attachment_guid`,
      );
      links.push({
        attachmentId: attachment.id,
        displayName: part.displayName,
        isAudioMessage: false,
      });
      text += attachmentPlaceholder;
      continue;
    }
    const start = text.length;
    for (const range of part.formatting) formatting.push({ ...range, start: range.start + start });
    if (part.mention !== null) {
      mentions.push({ address: part.mention, start, length: part.text.length });
    }
    text += part.text;
  }
  const thread = await replyThread(repositories, chat, input.reply);
  const { message, facts } = await sendMessageWithFacts(
    context,
    resolved,
    {
      kind: "text",
      text,
      subject: input.subject,
      effectId: input.effectId,
      replyToGuid: input.reply?.guid ?? null,
      threadOriginatorGuid: thread?.guid ?? null,
      threadOriginatorPart: thread?.part ?? null,
      formatting,
      dataDetection: input.dataDetection,
    },
    async (stored) => {
      await linkMessageAttachments(repositories, stored.id, links);
      await insertMentions(repositories, stored.id, mentions);
    },
  );
  return messageViewFrom(message, facts, account.id, viewer.chatGuid);
}
