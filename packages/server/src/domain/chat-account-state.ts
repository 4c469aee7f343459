import type { ChatAccountState } from "../storage/repositories/chat-repository.js";
import type { Repositories } from "../storage/repositories.js";

export type { ChatAccountState } from "../storage/repositories/chat-repository.js";

/** The account's state of a chat; defaults (nothing read, not archived) when never set. */
export async function chatAccountState(
  repositories: Repositories,
  chatId: number,
  accountId: number,
): Promise<ChatAccountState> {
  return repositories.chats.accountState(chatId, accountId);
}

/** Moves the account's read marker forward (never back). Run inside a write. */
export async function markReadThrough(
  repositories: Repositories,
  chatId: number,
  accountId: number,
  messageId: number,
): Promise<void> {
  await repositories.chats.markReadThrough(chatId, accountId, messageId);
}

/** Sets the account's archive flag of a chat. Run inside a write. */
export async function setArchived(
  repositories: Repositories,
  chatId: number,
  accountId: number,
  archived: boolean,
): Promise<void> {
  await repositories.chats.setArchived(chatId, accountId, archived);
}
