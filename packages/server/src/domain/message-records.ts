import type {
  MessageRecord,
  ReactionRecord,
  TextFormatRecord,
} from "../storage/repositories/message-repository.js";
import type { Repositories } from "../storage/repositories.js";
import { timeOrderedGuid } from "../storage/time-ordered-guid.js";

export type {
  MessageRecord,
  ReactionRecord,
} from "../storage/repositories/message-repository.js";

/** A new message's fields. */
export interface NewMessage {
  readonly chatId: number;
  readonly senderAddress: string;
  readonly senderAccountId: number;
  readonly kind: "text" | "contact";
  readonly text: string;
  readonly subject: string | null;
  readonly effectId: string | null;
  readonly replyToGuid: string | null;
  /** Set together with `replyToGuid` for a threaded reply; absent otherwise. */
  readonly threadOriginatorGuid?: string | null;
  readonly threadOriginatorPart?: string | null;
  readonly formatting?: readonly TextFormatRecord[];
  readonly linkPreview?: boolean;
  readonly dataDetection?: boolean;
}

/**
 * Stores a message with a fresh upper-case, time-ordered UUID as its GUID (new rows go
 * to the end of the GUID index: see timeOrderedGuid). Run inside a write.
 */
export async function insertMessage(
  repositories: Repositories,
  message: NewMessage,
  now: Date,
): Promise<MessageRecord> {
  const createdAt = now.getTime();
  const stored = {
    chatId: message.chatId,
    senderAddress: message.senderAddress,
    senderAccountId: message.senderAccountId,
    kind: message.kind,
    text: message.text,
    subject: message.subject,
    effectId: message.effectId,
    replyToGuid: message.replyToGuid,
    threadOriginatorGuid: message.threadOriginatorGuid ?? null,
    threadOriginatorPart: message.threadOriginatorPart ?? null,
    formatting: message.formatting ?? [],
    linkPreview: message.linkPreview ?? false,
    dataDetection: message.dataDetection ?? false,
    guid: timeOrderedGuid(createdAt),
    createdAt,
  };
  const id = await repositories.messages.insert(stored);
  return { ...stored, id, editedAt: null, retractedAt: null };
}

/** The message with `guid`, or undefined. */
export async function findMessage(
  repositories: Repositories,
  guid: string,
): Promise<MessageRecord | undefined> {
  return repositories.messages.find(guid);
}

/** The newest message of a chat, or undefined for an empty chat. */
export async function latestMessage(
  repositories: Repositories,
  chatId: number,
): Promise<MessageRecord | undefined> {
  return repositories.messages.latestInChat(chatId);
}

/** Messages of a chat after `afterId` that `accountId` did not send and that are still visible. */
export async function unreadMessages(
  repositories: Repositories,
  chatId: number,
  accountId: number,
  afterId: number,
): Promise<MessageRecord[]> {
  return repositories.messages.listUnread(chatId, accountId, afterId);
}

/** How many of {@link unreadMessages} there are, without loading them. */
export async function countUnread(
  repositories: Repositories,
  chatId: number,
  accountId: number,
  afterId: number,
): Promise<number> {
  return repositories.messages.countUnread(chatId, accountId, afterId);
}

/** The id of the newest message of a chat, 0 for an empty chat. */
export async function newestMessageId(repositories: Repositories, chatId: number): Promise<number> {
  return repositories.messages.newestIdInChat(chatId);
}

/** The tapbacks currently on a message, oldest first. */
export async function reactionsOf(
  repositories: Repositories,
  messageId: number,
): Promise<ReactionRecord[]> {
  return repositories.messages.listReactions(messageId);
}
