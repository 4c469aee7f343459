import type { Database } from "better-sqlite3";
import { cachedStatement } from "../storage/statement-cache.js";

/** One account's private state of one chat. */
export interface ChatAccountState {
  /** Every message up to this id counts as read by the account. */
  readonly readThroughMessageId: number;
  readonly isArchived: boolean;
}

/** The account's state of a chat; defaults (nothing read, not archived) when never set. */
export function chatAccountState(
  db: Database,
  chatId: number,
  accountId: number,
): ChatAccountState {
  const row = cachedStatement<
    [number, number],
    { read_through_message_id: number; is_archived: number }
  >(
    db,
    "SELECT read_through_message_id, is_archived FROM chat_account_state WHERE chat_id = ? AND account_id = ?",
  ).get(chatId, accountId);
  return {
    readThroughMessageId: row?.read_through_message_id ?? 0,
    isArchived: row?.is_archived === 1,
  };
}

/** Moves the account's read marker forward (never back). Run inside a write. */
export function markReadThrough(
  db: Database,
  chatId: number,
  accountId: number,
  messageId: number,
): void {
  cachedStatement<[number, number, number]>(
    db,
    `INSERT INTO chat_account_state (chat_id, account_id, read_through_message_id) VALUES (?, ?, ?)
     ON CONFLICT (chat_id, account_id) DO UPDATE SET read_through_message_id = MAX(read_through_message_id, excluded.read_through_message_id)`,
  ).run(chatId, accountId, messageId);
}

/** Sets the account's archive flag of a chat. Run inside a write. */
export function setArchived(
  db: Database,
  chatId: number,
  accountId: number,
  archived: boolean,
): void {
  cachedStatement<[number, number, number]>(
    db,
    `INSERT INTO chat_account_state (chat_id, account_id, is_archived) VALUES (?, ?, ?)
     ON CONFLICT (chat_id, account_id) DO UPDATE SET is_archived = excluded.is_archived`,
  ).run(chatId, accountId, archived ? 1 : 0);
}
