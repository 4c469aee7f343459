import type { Account } from "../auth/account.js";
import { invalidArgument } from "../errors/common-errors.js";
import { ServerError } from "../errors/server-error.js";
import type { Repositories } from "../storage/repositories.js";
import {
  type ChatRecord,
  type ResolvedChat,
  resolveChatForChange,
  resolveChatWithOwners,
} from "./chat-records.js";

/** A validated reply target: the message answered and, optionally, which of its bubbles. */
export interface ReplyInput {
  readonly guid: string;
  readonly part: number | null;
}

/** The thread a new message joins: its originator's GUID and the originator's part range. */
export interface ReplyThread {
  readonly guid: string;
  readonly part: string;
}

/**
 * The thread a reply joins: the target's thread, or a new one started at the target.
 * The target must be a live message of the same chat: INVALID_ARGUMENT for another
 * chat's (or an unknown) GUID, FAILED_PRECONDITION for an unsent one. Null for a
 * message that answers nothing.
 */
export async function replyThread(
  repositories: Repositories,
  chat: ChatRecord,
  reply: ReplyInput | null,
): Promise<ReplyThread | null> {
  if (reply === null) return null;
  const target = await repositories.messages.find(reply.guid);
  if (target === undefined || target.chatId !== chat.id) {
    throw invalidArgument(
      `reply_to.message_guid ${JSON.stringify(reply.guid)} is not a message of this chat; a reply must answer a message in the same chat`,
      { field: "reply_to.message_guid" },
    );
  }
  if (target.retractedAt !== null) {
    throw new ServerError(
      "FAILED_PRECONDITION",
      `message ${target.guid} was unsent; an unsent message cannot be replied to`,
    );
  }
  return target.threadOriginatorGuid !== null
    ? { guid: target.threadOriginatorGuid, part: target.threadOriginatorPart ?? "0:0:0" }
    : { guid: target.guid, part: `${reply.part ?? 0}:0:${target.text.length}` };
}

/**
 * The chat a message is sent into, for a send that may be a reply. A reply checks its
 * target (a live message of this chat) and then stores a message pointing at it, so its
 * chat is locked first ({@link resolveChatForChange}): an unsend of the target running
 * at the same time (two processes on PostgreSQL) is decided before the reply or after
 * it, never between its check and its insert. A send that answers nothing does not lock,
 * and reads the chat's participant owners with it ({@link resolveChatWithOwners}).
 */
export function resolveChatToSend(
  repositories: Repositories,
  account: Account,
  chatGuid: string,
  reply: ReplyInput | null,
): Promise<ResolvedChat> {
  return reply === null
    ? resolveChatWithOwners(repositories, account, chatGuid)
    : resolveChatForChange(repositories, account, chatGuid);
}
