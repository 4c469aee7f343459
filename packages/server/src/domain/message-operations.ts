import { photon } from "@threadline/protocol";
import type { Account } from "../auth/account.js";
import { invalidArgument, notFound } from "../errors/common-errors.js";
import { ServerError } from "../errors/server-error.js";
import type { Repositories } from "../storage/repositories.js";
import type { WriteContext } from "../storage/write-context.js";
import { attachmentFieldsFrom, loadAttachmentFacts } from "./attachment-view.js";
import {
  type ChatRecord,
  type ChatViewer,
  chatViewers,
  resolveChat,
  resolveChatForChange,
  viewerFor,
} from "./chat-records.js";
import { envelopeFor } from "./event-envelope.js";
import { validateEffect } from "./message-effect.js";
import { sendMessageWithFacts } from "./message-fan-out.js";
import { type TextFormatRecord, validateFormatting } from "./message-formatting.js";
import type { MessageRecord } from "./message-records.js";
import { messageContent, messageView, messageViewFrom } from "./message-view.js";
import { loadAdditionFacts } from "./message-view-additions.js";
import { replyThread, resolveChatToSend } from "./reply-thread.js";
import { limitText, maxMessageTextLength, optionalText, requireText } from "./text-rules.js";

type MessageProperties = photon.imessage.v1.Message.$Properties;
const ReactionKind = photon.imessage.v1.MessageReactionKind;

/** A SendTextMessage request after validation. */
export interface SendTextInput {
  readonly chatGuid: string;
  readonly text: string;
  readonly subject: string | null;
  readonly effectId: string | null;
  readonly replyToGuid: string | null;
  /** The bubble of the reply target that is answered; null for the whole message. */
  readonly replyToPart: number | null;
  readonly formatting: readonly TextFormatRecord[];
  readonly linkPreview: boolean;
  readonly dataDetection: boolean;
}

// Every message this server stores is a single bubble, so the only part there is is 0.
function checkPartIndex(part: number | null | undefined, field: string): number | null {
  if (part === undefined || part === null) return null;
  if (part !== 0) {
    throw invalidArgument(
      `${field} is ${part}, but messages on this server have a single part; use 0 or omit it`,
      { field },
    );
  }
  return part;
}

/** Validates a SendTextMessage request without the database. Throws INVALID_ARGUMENT. */
export function validateSendText(
  request: photon.imessage.v1.SendTextMessageRequest.$Properties,
): SendTextInput {
  const subject = optionalText(request.subject);
  const text = requireText(request.text ?? "", "text", maxMessageTextLength);
  const replyTo = request.replyTo;
  const replyToGuid =
    replyTo === undefined ||
    replyTo === null ||
    replyTo.messageGuid === undefined ||
    replyTo.messageGuid === null ||
    replyTo.messageGuid === ""
      ? null
      : checkMessageGuid(replyTo.messageGuid, "reply_to.message_guid");
  const replyToPart = checkPartIndex(replyTo?.targetPartIndex, "reply_to.target_part_index");
  if (replyToGuid === null && replyToPart !== null) {
    throw invalidArgument(
      "reply_to.target_part_index needs reply_to.message_guid: name the message the reply answers",
      { field: "reply_to.message_guid" },
    );
  }
  return {
    chatGuid: request.chatGuid ?? "",
    text,
    subject:
      subject === null || subject === ""
        ? null
        : limitText(subject, "subject", maxMessageTextLength),
    effectId: validateEffect(request.effectId, "effect_id"),
    replyToGuid,
    replyToPart,
    formatting: validateFormatting(request.formatting, text),
    linkPreview: request.enableLinkPreview === true,
    dataDetection: request.enableDataDetection === true,
  };
}

/**
 * Sends a text message: `message.received` to everyone who can see the chat; the
 * unread count of every other participant grows by one. A reply must point at a live
 * message of the same chat (INVALID_ARGUMENT for another chat's, FAILED_PRECONDITION
 * for an unsent one); it joins the target's thread, or starts one at the target.
 * Run inside a write.
 */
export async function sendText(
  context: WriteContext,
  account: Account,
  input: SendTextInput,
): Promise<MessageProperties> {
  const reply =
    input.replyToGuid === null ? null : { guid: input.replyToGuid, part: input.replyToPart };
  const resolved = await resolveChatToSend(context.repositories, account, input.chatGuid, reply);
  const { chat, viewer } = resolved;
  const thread = await replyThread(context.repositories, chat, reply);
  const { message, facts } = await sendMessageWithFacts(context, resolved, {
    kind: "text",
    text: input.text,
    subject: input.subject,
    effectId: input.effectId,
    replyToGuid: input.replyToGuid,
    threadOriginatorGuid: thread?.guid ?? null,
    threadOriginatorPart: thread?.part ?? null,
    formatting: input.formatting,
    linkPreview: input.linkPreview,
    dataDetection: input.dataDetection,
  });
  return messageViewFrom(message, facts, account.id, viewer.chatGuid);
}

/** A message the caller can see, with its chat and the caller's view of that chat. */
interface VisibleMessage {
  readonly message: MessageRecord;
  readonly chat: ChatRecord;
  readonly viewer: ChatViewer;
}

const guidPattern = /^[\x21-\x7e]{1,128}$/;

function checkMessageGuid(value: string, field: string): string {
  if (!guidPattern.test(value)) {
    throw invalidArgument(
      `${field} must be a message GUID (1 to 128 printable characters without spaces); received ${JSON.stringify(value.slice(0, 64))}`,
      { field },
    );
  }
  return value;
}

/** Finds a message by GUID among the caller's chats; NOT_FOUND otherwise (existence never leaks). */
export async function visibleMessage(
  repositories: Repositories,
  account: Account,
  messageGuid: string,
  field = "message_guid",
): Promise<VisibleMessage> {
  const message = await repositories.messages.find(checkMessageGuid(messageGuid, field));
  const chat = message === undefined ? undefined : await repositories.chats.find(message.chatId);
  const viewer = chat === undefined ? undefined : viewerFor(chat, account);
  if (message === undefined || chat === undefined || viewer === undefined) {
    throw notFound(
      `message ${JSON.stringify(messageGuid)} was not found in the chats this account takes part in`,
    );
  }
  return { message, chat, viewer };
}

/** A `MessageTarget` as plain data, for a write's input; null when the request has none. */
export interface MessageTargetInput {
  readonly chatGuid: string;
  readonly messageGuid: string;
  readonly targetPartIndex: number | null;
}

/**
 * Copies a request's `MessageTarget` field by field into plain data (a decoded message
 * keeps its default values on its prototype, which a structured clone drops). Checks
 * nothing: {@link targetMessage} does, inside the write.
 */
export function messageTargetInput(
  target: photon.imessage.v1.MessageTarget.$Properties | null | undefined,
): MessageTargetInput | null {
  if (target === undefined || target === null) return null;
  return {
    chatGuid: target.chatGuid ?? "",
    messageGuid: target.messageGuid ?? "",
    targetPartIndex: target.targetPartIndex ?? null,
  };
}

/**
 * A `MessageTarget`: the chat must be the caller's (NOT_FOUND) and the message must be
 * in it (NOT_FOUND); a part index other than 0 is INVALID_ARGUMENT.
 */
export async function targetMessage(
  repositories: Repositories,
  account: Account,
  target: photon.imessage.v1.MessageTarget.$Properties | null | undefined,
): Promise<TargetedMessage> {
  return findTarget(repositories, account, target, resolveChat);
}

/**
 * {@link targetMessage} for a write that checks the message (its sender, whether it is
 * unsent, its tapbacks, stickers or card) and then changes it: the message's chat is
 * locked for the rest of the write and both are read once the lock is held
 * ({@link resolveChatForChange}), so concurrent writes on the same message (two
 * processes on PostgreSQL) decide one after the other and never both append an event
 * for one change.
 */
export async function targetMessageForChange(
  repositories: Repositories,
  account: Account,
  target: photon.imessage.v1.MessageTarget.$Properties | null | undefined,
): Promise<TargetedMessage> {
  return findTarget(repositories, account, target, resolveChatForChange);
}

/** A message a `MessageTarget` names, with the part index it names. */
export type TargetedMessage = VisibleMessage & { readonly partIndex: number | null };

async function findTarget(
  repositories: Repositories,
  account: Account,
  target: photon.imessage.v1.MessageTarget.$Properties | null | undefined,
  resolve: typeof resolveChat,
): Promise<TargetedMessage> {
  if (target === undefined || target === null) {
    throw invalidArgument("target is required: set target.chat_guid and target.message_guid", {
      field: "target",
    });
  }
  const { chat, viewer } = await resolve(
    repositories,
    account,
    target.chatGuid ?? "",
    "target.chat_guid",
  );
  const guid = checkMessageGuid(target.messageGuid ?? "", "target.message_guid");
  const message = await repositories.messages.find(guid);
  if (message === undefined || message.chatId !== chat.id) {
    throw notFound(
      `message ${JSON.stringify(guid)} was not found in chat ${JSON.stringify(target.chatGuid)}`,
    );
  }
  const partIndex = checkPartIndex(target.targetPartIndex, "target.target_part_index");
  return { message, chat, viewer, partIndex };
}

function failedPrecondition(message: string): ServerError {
  return new ServerError("FAILED_PRECONDITION", message);
}

// Editing and unsending are the sender's privilege. The caller can see the message, so
// NOT_FOUND would be a lie, and PERMISSION_DENIED reads as an authentication failure to
// SDKs; FAILED_PRECONDITION says "this message is not in a state you can change".
function requireOwnLiveMessage(found: VisibleMessage, account: Account, verb: string): void {
  if (found.message.senderAccountId !== account.id) {
    throw failedPrecondition(
      `message ${found.message.guid} was sent by ${found.message.senderAddress}; only the sender can ${verb} it`,
    );
  }
  if (found.message.retractedAt !== null) {
    throw failedPrecondition(
      `message ${found.message.guid} was unsent; an unsent message cannot be ${verb}ed`,
    );
  }
  if (found.message.kind !== "text") {
    throw failedPrecondition(
      `message ${found.message.guid} is a contact card; only text messages can be ${verb}ed`,
    );
  }
}

/**
 * Validates an EditMessage request without the database: the new text, and no
 * `backward_compat_text` (the fallback Apple shows devices that cannot display edits;
 * every client of this server displays edits, so it could never be shown).
 */
export function validateEdit(request: photon.imessage.v1.EditMessageRequest.$Properties): string {
  const newText = requireText(request.newText ?? "", "new_text", maxMessageTextLength);
  if (
    request.backwardCompatText !== undefined &&
    request.backwardCompatText !== null &&
    request.backwardCompatText !== ""
  ) {
    throw invalidArgument(
      "backward_compat_text is not supported: this server has no devices that cannot show edits, so the fallback text would never be shown; omit it",
      { field: "backward_compat_text" },
    );
  }
  return newText;
}

/**
 * Replaces the text of one of the caller's own messages and appends `message.edited`
 * to everyone in the chat. Someone else's or an unsent message: FAILED_PRECONDITION.
 * Run inside a write.
 */
export async function editMessage(
  context: WriteContext,
  account: Account,
  target: photon.imessage.v1.MessageTarget.$Properties | null | undefined,
  newText: string,
): Promise<MessageProperties> {
  const { repositories } = context;
  const found = await targetMessageForChange(repositories, account, target);
  requireOwnLiveMessage(found, account, "edit");
  // The card, stickers and notify-anyway mark an edit leaves as they are: read once, for
  // the check and for the answer.
  const additions = await loadAdditionFacts(repositories, found.message);
  if (additions.card !== undefined) {
    throw failedPrecondition(
      `message ${found.message.guid} is a mini-app card; change it with UpdateCustomizedMiniAppMessage`,
    );
  }
  const editedAt = context.now.getTime();
  // The old ranges index the old text; EditMessage carries none for the new one.
  await repositories.messages.editText(found.message.id, newText, editedAt);
  const edited: MessageRecord = { ...found.message, text: newText, editedAt, formatting: [] };
  // An edit changes the text only; the attachment bubbles and mentions stay: read once
  // for every viewer's event and the answer.
  const attachmentFacts = await loadAttachmentFacts(repositories, edited);
  const actor = { accountId: account.id, address: found.viewer.address };
  for (const viewer of await chatViewers(repositories, found.chat)) {
    const envelope = envelopeFor(viewer, actor, context.now);
    const attachments = attachmentFieldsFrom(edited, attachmentFacts, viewer.accountId);
    context.appendEvent(viewer.accountId, {
      kind: "message",
      event: {
        ...envelope,
        messageEdited: {
          messageGuid: edited.guid,
          content: {
            ...messageContent(edited),
            ...attachments.content,
          },
          editedAt: envelope.occurredAt,
        },
      },
    });
  }
  const facts = {
    reactions: await repositories.messages.listReactions(edited.id),
    attachments: attachmentFacts,
    additions,
  };
  return messageViewFrom(edited, facts, account.id, found.viewer.chatGuid);
}

/**
 * Unsends one of the caller's own messages and appends `message.unsent` to everyone in
 * the chat. Repeating it for an already unsent message is a no-op without an event.
 * Someone else's message: FAILED_PRECONDITION. Run inside a write.
 */
export async function unsendMessage(
  context: WriteContext,
  account: Account,
  target: photon.imessage.v1.MessageTarget.$Properties | null | undefined,
): Promise<void> {
  const { repositories } = context;
  const found = await targetMessageForChange(repositories, account, target);
  if (found.message.senderAccountId !== account.id) {
    throw failedPrecondition(
      `message ${found.message.guid} was sent by ${found.message.senderAddress}; only the sender can unsend it`,
    );
  }
  if (found.message.retractedAt !== null) return;
  await repositories.messages.markRetracted(found.message.id, context.now.getTime());
  const actor = { accountId: account.id, address: found.viewer.address };
  for (const viewer of await chatViewers(repositories, found.chat)) {
    const envelope = envelopeFor(viewer, actor, context.now);
    context.appendEvent(viewer.accountId, {
      kind: "message",
      event: {
        ...envelope,
        messageUnsent: { messageGuid: found.message.guid, retractedAt: envelope.occurredAt },
      },
    });
  }
}

/** A tapback after validation. */
export interface ReactionInput {
  readonly kind: number;
  readonly emoji: string | null;
}

const settableKinds = new Map<number, string>([
  [ReactionKind.MESSAGE_REACTION_KIND_LOVE, "LOVE"],
  [ReactionKind.MESSAGE_REACTION_KIND_LIKE, "LIKE"],
  [ReactionKind.MESSAGE_REACTION_KIND_DISLIKE, "DISLIKE"],
  [ReactionKind.MESSAGE_REACTION_KIND_LAUGH, "LAUGH"],
  [ReactionKind.MESSAGE_REACTION_KIND_EMPHASIZE, "EMPHASIZE"],
  [ReactionKind.MESSAGE_REACTION_KIND_QUESTION, "QUESTION"],
  [ReactionKind.MESSAGE_REACTION_KIND_EMOJI, "EMOJI"],
]);
const allowedKinds = [...settableKinds.values()].join(", ");

/**
 * Validates a tapback: a settable kind (STICKER is refused: stickers are placed, not
 * set), an emoji exactly for kind EMOJI (one to 16 characters). Throws INVALID_ARGUMENT.
 */
export function validateReaction(
  reaction: photon.imessage.v1.MessageReaction.$Properties | null | undefined,
): ReactionInput {
  const kind = reaction?.kind ?? ReactionKind.MESSAGE_REACTION_KIND_LOVE;
  if (kind === ReactionKind.MESSAGE_REACTION_KIND_STICKER) {
    throw invalidArgument(
      `reaction.kind STICKER cannot be set with SetReaction; stickers are placed on messages, not set as tapbacks. Allowed kinds: ${allowedKinds}`,
      { field: "reaction.kind" },
    );
  }
  if (!settableKinds.has(kind)) {
    throw invalidArgument(
      `reaction.kind ${kind} is not a known tapback; allowed kinds: ${allowedKinds}`,
      {
        field: "reaction.kind",
      },
    );
  }
  const emoji = optionalText(reaction?.emoji);
  if (kind === ReactionKind.MESSAGE_REACTION_KIND_EMOJI) {
    if (emoji === null || emoji.trim().length === 0 || emoji.length > 16) {
      throw invalidArgument(
        "reaction.emoji is required for kind EMOJI: one emoji, at most 16 characters",
        {
          field: "reaction.emoji",
        },
      );
    }
    return { kind, emoji };
  }
  if (emoji !== null && emoji !== "") {
    throw invalidArgument(
      `reaction.emoji is only allowed with kind EMOJI; kind ${settableKinds.get(kind)} carries no emoji`,
      { field: "reaction.emoji" },
    );
  }
  return { kind, emoji: null };
}

/**
 * Adds (`isSet`) or removes the caller's tapback on a message and appends
 * `message.reactionAdded` / `message.reactionRemoved` to everyone in the chat. Adding a
 * tapback the caller already has, or removing one it does not have, changes nothing
 * and appends nothing. An unsent message takes no tapbacks (FAILED_PRECONDITION).
 * Returns the message with its current tapbacks. Run inside a write.
 */
export async function setReaction(
  context: WriteContext,
  account: Account,
  target: photon.imessage.v1.MessageTarget.$Properties | null | undefined,
  reaction: ReactionInput,
  isSet: boolean,
): Promise<MessageProperties> {
  const { repositories } = context;
  const found = await targetMessageForChange(repositories, account, target);
  if (found.message.retractedAt !== null) {
    throw failedPrecondition(`message ${found.message.guid} was unsent; it cannot take tapbacks`);
  }
  const key = {
    senderAddress: found.viewer.address,
    partIndex: found.partIndex,
    kind: reaction.kind,
    emoji: reaction.emoji,
  };
  const changed = isSet
    ? await repositories.messages.addReaction(found.message.id, {
        ...key,
        senderAccountId: account.id,
        createdAt: context.now.getTime(),
      })
    : await repositories.messages.removeReaction(found.message.id, key);
  if (changed) {
    const actor = { accountId: account.id, address: found.viewer.address };
    const change = {
      messageGuid: found.message.guid,
      ...(found.partIndex === null ? {} : { targetPartIndex: found.partIndex }),
      reaction: {
        kind: reaction.kind,
        ...(reaction.emoji === null ? {} : { emoji: reaction.emoji }),
      },
    };
    for (const viewer of await chatViewers(repositories, found.chat)) {
      context.appendEvent(viewer.accountId, {
        kind: "message",
        event: {
          ...envelopeFor(viewer, actor, context.now),
          ...(isSet ? { reactionAdded: change } : { reactionRemoved: change }),
        },
      });
    }
  }
  return messageView(repositories, found.message, account.id, found.viewer.chatGuid);
}

/** A message as the caller sees it. Throws NOT_FOUND for messages outside its chats. */
export async function getMessage(
  repositories: Repositories,
  account: Account,
  messageGuid: string,
): Promise<MessageProperties> {
  const found = await visibleMessage(repositories, account, messageGuid);
  return messageView(repositories, found.message, account.id, found.viewer.chatGuid);
}
