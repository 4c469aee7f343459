import { photon } from "@threadline/protocol";
import type { Repositories } from "../storage/repositories.js";
import {
  type AttachmentRecord,
  type CompanionRecord,
  type MentionRecord,
  type MessageAttachmentRecord,
  messageAttachments,
  messageMentions,
} from "./attachment-records.js";
import type { MessageRecord } from "./message-records.js";

type AttachmentInfo = photon.imessage.v1.AttachmentInfo.$Properties;

/**
 * An attachment's metadata. Stored bytes are always complete, so the transfer state is
 * FINISHED. `isOutgoing` is the viewer's side: it sent the message carrying it, or
 * (outside a message) uploaded it. `displayName` (the name a message gave the bubble)
 * replaces the uploaded name.
 */
export function attachmentInfo(
  attachment: AttachmentRecord,
  isOutgoing: boolean,
  displayName: string | null = null,
): AttachmentInfo {
  return {
    guid: attachment.guid,
    fileName: displayName ?? attachment.fileName,
    mimeType: attachment.mimeType,
    uti: attachment.uti,
    totalBytes: attachment.totalBytes,
    isOutgoing,
    transferState: photon.imessage.v1.TransferState.TRANSFER_STATE_FINISHED,
    isHidden: false,
    isSticker: false,
    ...(attachment.companion === null ? {} : { companionKind: attachment.companion.kind }),
  };
}

/** The metadata of a stored companion file. */
export function companionInfo(
  companion: CompanionRecord,
): photon.imessage.v1.CompanionInfo.$Properties {
  return {
    fileName: companion.fileName,
    mimeType: companion.mimeType,
    totalBytes: companion.totalBytes,
    kind: companion.kind,
  };
}

/** The attachment rows a message view needs: its bubbles and its mentions. */
export interface MessageAttachmentFacts {
  readonly links: readonly MessageAttachmentRecord[];
  readonly mentions: readonly MentionRecord[];
}

/** The facts of a message without attachment bubbles or mentions (one just stored, say). */
export const noAttachmentFacts: MessageAttachmentFacts = { links: [], mentions: [] };

/**
 * Reads a message's attachment bubbles and mentions, once for every viewer. An unsent
 * message shows neither, so nothing is read for it.
 */
export async function loadAttachmentFacts(
  repositories: Repositories,
  message: MessageRecord,
): Promise<MessageAttachmentFacts> {
  if (message.retractedAt !== null) return noAttachmentFacts;
  const links = await messageAttachments(repositories, message.id);
  const mentions = await messageMentions(repositories, message.id);
  return { links, mentions };
}

/**
 * What attachments add to a message as `viewerAccountId` sees it, from facts read once
 * ({@link loadAttachmentFacts}): the attachment bubbles and mentions of its content, and
 * `isAudioMessage`. Nothing for a message without them, or an unsent one (its content
 * is hidden).
 */
export function attachmentFieldsFrom(
  message: MessageRecord,
  facts: MessageAttachmentFacts,
  viewerAccountId: number,
): {
  readonly content: Partial<photon.imessage.v1.MessageContent.$Properties>;
  readonly message: Partial<photon.imessage.v1.Message.$Properties>;
} {
  if (message.retractedAt !== null) return { content: {}, message: {} };
  const { links, mentions } = facts;
  return {
    content: {
      ...(links.length === 0
        ? {}
        : {
            attachments: links.map((link) =>
              attachmentInfo(
                link.attachment,
                message.senderAccountId === viewerAccountId,
                link.displayName,
              ),
            ),
          }),
      ...(mentions.length === 0 ? {} : { mentions: mentions.map((mention) => ({ ...mention })) }),
    },
    message: links.some((link) => link.isAudioMessage) ? { isAudioMessage: true } : {},
  };
}

/**
 * What attachments add to a message as `viewerAccountId` sees it: the attachment
 * bubbles and mentions of its content, and `isAudioMessage`. Nothing for a message
 * without them, or an unsent one (its content is hidden). Reads them each call; a
 * fan-out reads them once ({@link loadAttachmentFacts}, {@link attachmentFieldsFrom}).
 */
export async function attachmentMessageFields(
  repositories: Repositories,
  message: MessageRecord,
  viewerAccountId: number,
): Promise<{
  readonly content: Partial<photon.imessage.v1.MessageContent.$Properties>;
  readonly message: Partial<photon.imessage.v1.Message.$Properties>;
}> {
  return attachmentFieldsFrom(
    message,
    await loadAttachmentFacts(repositories, message),
    viewerAccountId,
  );
}
