import { type photon, timestampFromDate } from "@threadline/protocol";
import type { Repositories } from "../storage/repositories.js";
import {
  attachmentFieldsFrom,
  loadAttachmentFacts,
  type MessageAttachmentFacts,
  noAttachmentFacts,
} from "./attachment-view.js";
import { addressInfo } from "./event-envelope.js";
import { containsDetectableData, containsLink, linkPreviewBalloonId } from "./message-detection.js";
import { formattingView } from "./message-formatting.js";
import type { MessageRecord, ReactionRecord } from "./message-records.js";
import {
  additionsFrom,
  loadAdditionFacts,
  type MessageAdditionFacts,
  noAdditionFacts,
} from "./message-view-additions.js";

type MessageProperties = photon.imessage.v1.Message.$Properties;

/**
 * The content a reader sees: the text with its formatting ranges and effect; a link
 * preview (Apple's URL balloon) when the sender asked for one and the text has a link.
 * An unsent message shows no text, formatting or preview.
 */
export function messageContent(
  message: MessageRecord,
): photon.imessage.v1.MessageContent.$Properties {
  if (message.retractedAt !== null) {
    return message.effectId === null ? {} : { expressiveSendStyleId: message.effectId };
  }
  return {
    text: message.text,
    ...(message.formatting.length === 0 ? {} : { formatting: formattingView(message.formatting) }),
    ...(message.linkPreview && containsLink(message.text)
      ? { balloonBundleId: linkPreviewBalloonId }
      : {}),
    ...(message.effectId === null ? {} : { expressiveSendStyleId: message.effectId }),
  };
}

function reactionView(
  message: MessageRecord,
  reaction: ReactionRecord,
  viewerAccountId: number,
): photon.imessage.v1.MessageAppliedReaction.$Properties {
  return {
    messageGuid: message.guid,
    ...(reaction.partIndex === null ? {} : { targetPartIndex: reaction.partIndex }),
    reaction: {
      kind: reaction.kind,
      ...(reaction.emoji === null ? {} : { emoji: reaction.emoji }),
    },
    sender: addressInfo(reaction.senderAddress),
    isFromMe: reaction.senderAccountId === viewerAccountId,
    dateCreated: timestampFromDate(new Date(reaction.createdAt)),
  };
}

/**
 * Everything beside a message's own row that its views show: tapbacks, attachment
 * bubbles and mentions, card, stickers, notify-anyway. Read once, then every viewer's
 * view is built from it ({@link messageViewFrom}) without another query.
 */
export interface MessageViewFacts {
  readonly reactions: readonly ReactionRecord[];
  readonly attachments: MessageAttachmentFacts;
  readonly additions: MessageAdditionFacts;
}

/**
 * The facts of a message just stored: a new row has no tapbacks, attachment bubbles,
 * mentions, card, stickers or notify-anyway mark until the write adds them.
 */
export const freshMessageFacts: MessageViewFacts = {
  reactions: [],
  attachments: noAttachmentFacts,
  additions: noAdditionFacts,
};

/**
 * Reads the {@link MessageViewFacts} of `message` (only the tables that can have rows
 * for it). `knownReactions` spares the tapback read when the caller knows them.
 */
export async function loadMessageViewFacts(
  repositories: Repositories,
  message: MessageRecord,
  knownReactions?: readonly ReactionRecord[],
): Promise<MessageViewFacts> {
  const reactions = knownReactions ?? (await repositories.messages.listReactions(message.id));
  const attachments = await loadAttachmentFacts(repositories, message);
  const additions = await loadAdditionFacts(repositories, message);
  return { reactions, attachments, additions };
}

/**
 * A message as `viewerAccountId` sees it in the chat it calls `chatGuid`: `isFromMe`
 * from that side, current tapbacks, edit and unsend dates. Messages are delivered the
 * moment they are stored, so they are always sent and delivered. A reply names its
 * thread the way the published protocol defines: `threadOriginatorGuid` (the message
 * that started the thread), `replyTargetGuid` (the same message: the public reply
 * target) and `threadOriginatorPart`; `replyToGuid` is the message answered directly.
 * `knownReactions` spares the tapback read when the caller knows them (none, for a
 * message just stored).
 */
export async function messageView(
  repositories: Repositories,
  message: MessageRecord,
  viewerAccountId: number,
  chatGuid: string,
  knownReactions?: readonly ReactionRecord[],
): Promise<MessageProperties> {
  const facts = await loadMessageViewFacts(repositories, message, knownReactions);
  return messageViewFrom(message, facts, viewerAccountId, chatGuid);
}

/**
 * {@link messageView} from facts already read ({@link loadMessageViewFacts}, or
 * {@link freshMessageFacts} for a message just stored): no query, so a fan-out builds
 * every viewer's view, and the response, from one read.
 */
export function messageViewFrom(
  message: MessageRecord,
  facts: MessageViewFacts,
  viewerAccountId: number,
  chatGuid: string,
): MessageProperties {
  const created = timestampFromDate(new Date(message.createdAt));
  const withAttachments = attachmentFieldsFrom(message, facts.attachments, viewerAccountId);
  const additions = additionsFrom(message, facts.additions, viewerAccountId);
  return {
    guid: message.guid,
    content: additions.content ?? { ...messageContent(message), ...withAttachments.content },
    ...withAttachments.message,
    ...(message.subject === null ? {} : { subject: message.subject }),
    dateCreated: created,
    dateDelivered: created,
    ...(message.editedAt === null
      ? {}
      : { dateEdited: timestampFromDate(new Date(message.editedAt)) }),
    ...(message.retractedAt === null
      ? {}
      : { dateRetracted: timestampFromDate(new Date(message.retractedAt)) }),
    sender: addressInfo(message.senderAddress),
    isFromMe: message.senderAccountId === viewerAccountId,
    isSent: true,
    isDelivered: true,
    ...(additions.didNotifyRecipient ? { didNotifyRecipient: true } : {}),
    ...(message.dataDetection &&
    message.retractedAt === null &&
    containsDetectableData(message.text)
      ? { dataDetectorResultsPresent: true }
      : {}),
    ...replyFields(message),
    appliedReactions: facts.reactions.map((reaction) =>
      reactionView(message, reaction, viewerAccountId),
    ),
    placedStickers: additions.placedStickers,
    chatGuids: [chatGuid],
  };
}

function replyFields(message: MessageRecord): Partial<MessageProperties> {
  if (message.replyToGuid === null) return {};
  return {
    replyToGuid: message.replyToGuid,
    ...(message.threadOriginatorGuid === null
      ? {}
      : {
          threadOriginatorGuid: message.threadOriginatorGuid,
          replyTargetGuid: message.threadOriginatorGuid,
        }),
    ...(message.threadOriginatorPart === null
      ? {}
      : { threadOriginatorPart: message.threadOriginatorPart }),
  };
}
