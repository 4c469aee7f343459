import type { Database } from "better-sqlite3";
import { cachedStatement } from "../storage/statement-cache.js";
import { timeOrderedGuid } from "../storage/time-ordered-guid.js";
import {
  formattingColumn,
  formattingFromColumn,
  type TextFormatRecord,
} from "./message-formatting.js";

/** What a message row holds. `kind` "contact" is a shared contact card. */
export interface MessageRecord {
  readonly id: number;
  readonly guid: string;
  readonly chatId: number;
  readonly senderAddress: string;
  readonly senderAccountId: number;
  readonly kind: "text" | "contact";
  readonly text: string;
  readonly subject: string | null;
  readonly effectId: string | null;
  readonly replyToGuid: string | null;
  /** The message that started the reply thread this message belongs to; null when it is no reply. */
  readonly threadOriginatorGuid: string | null;
  /** Apple's part locator within the originator (`<part>:<start>:<length>`); null when it is no reply. */
  readonly threadOriginatorPart: string | null;
  /** Formatting ranges of `text`; an edit clears them (EditMessage carries none). */
  readonly formatting: readonly TextFormatRecord[];
  /** The sender asked for a link preview. */
  readonly linkPreview: boolean;
  /** The sender asked for data detection. */
  readonly dataDetection: boolean;
  readonly createdAt: number;
  readonly editedAt: number | null;
  readonly retractedAt: number | null;
}

/** A tapback on a message. `partIndex` is null when it applies to the whole message. */
export interface ReactionRecord {
  readonly senderAddress: string;
  readonly senderAccountId: number;
  readonly partIndex: number | null;
  readonly kind: number;
  readonly emoji: string | null;
  readonly createdAt: number;
}

/** @internal a `messages` row as SQLite returns it for {@link messageColumns}. */
export interface MessageRow {
  readonly id: number;
  readonly guid: string;
  readonly chat_id: number;
  readonly sender_address: string;
  readonly sender_account_id: number;
  readonly kind: string;
  readonly text: string;
  readonly subject: string | null;
  readonly effect_id: string | null;
  readonly reply_to_guid: string | null;
  readonly thread_originator_guid: string | null;
  readonly thread_originator_part: string | null;
  readonly formatting: string | null;
  readonly link_preview: number;
  readonly data_detection: number;
  readonly created_at: number;
  readonly edited_at: number | null;
  readonly retracted_at: number | null;
}

/** @internal the column list every message read selects (for {@link messageFromRow}). */
export const messageColumns =
  "id, guid, chat_id, sender_address, sender_account_id, kind, text, subject, effect_id, reply_to_guid, thread_originator_guid, thread_originator_part, formatting, link_preview, data_detection, created_at, edited_at, retracted_at";

/** @internal a {@link MessageRow} as a record. */
export function messageFromRow(row: MessageRow): MessageRecord {
  return recordFrom(row);
}

function recordFrom(row: MessageRow): MessageRecord {
  return {
    id: row.id,
    guid: row.guid,
    chatId: row.chat_id,
    senderAddress: row.sender_address,
    senderAccountId: row.sender_account_id,
    kind: row.kind === "contact" ? "contact" : "text",
    text: row.text,
    subject: row.subject,
    effectId: row.effect_id,
    replyToGuid: row.reply_to_guid,
    threadOriginatorGuid: row.thread_originator_guid,
    threadOriginatorPart: row.thread_originator_part,
    formatting: formattingFromColumn(row.formatting),
    linkPreview: row.link_preview === 1,
    dataDetection: row.data_detection === 1,
    createdAt: row.created_at,
    editedAt: row.edited_at,
    retractedAt: row.retracted_at,
  };
}

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
export function insertMessage(db: Database, message: NewMessage, now: Date): MessageRecord {
  const createdAt = now.getTime();
  const guid = timeOrderedGuid(createdAt);
  const record = {
    ...message,
    threadOriginatorGuid: message.threadOriginatorGuid ?? null,
    threadOriginatorPart: message.threadOriginatorPart ?? null,
    formatting: message.formatting ?? [],
    linkPreview: message.linkPreview ?? false,
    dataDetection: message.dataDetection ?? false,
  };
  const result = cachedStatement<
    [
      string,
      number,
      string,
      number,
      string,
      string,
      string | null,
      string | null,
      string | null,
      string | null,
      string | null,
      string | null,
      number,
      number,
      number,
    ]
  >(
    db,
    "INSERT INTO messages (guid, chat_id, sender_address, sender_account_id, kind, text, subject, effect_id, reply_to_guid, thread_originator_guid, thread_originator_part, formatting, link_preview, data_detection, created_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
  ).run(
    guid,
    record.chatId,
    record.senderAddress,
    record.senderAccountId,
    record.kind,
    record.text,
    record.subject,
    record.effectId,
    record.replyToGuid,
    record.threadOriginatorGuid,
    record.threadOriginatorPart,
    formattingColumn(record.formatting),
    record.linkPreview ? 1 : 0,
    record.dataDetection ? 1 : 0,
    createdAt,
  );
  return {
    ...record,
    id: Number(result.lastInsertRowid),
    guid,
    createdAt,
    editedAt: null,
    retractedAt: null,
  };
}

/** The message with `guid`, or undefined. */
export function findMessage(db: Database, guid: string): MessageRecord | undefined {
  const row = cachedStatement<[string], MessageRow>(
    db,
    `SELECT ${messageColumns} FROM messages WHERE guid = ?`,
  ).get(guid);
  return row === undefined ? undefined : recordFrom(row);
}

/** The newest message of a chat, or undefined for an empty chat. */
export function latestMessage(db: Database, chatId: number): MessageRecord | undefined {
  const row = cachedStatement<[number], MessageRow>(
    db,
    `SELECT ${messageColumns} FROM messages WHERE chat_id = ? ORDER BY id DESC LIMIT 1`,
  ).get(chatId);
  return row === undefined ? undefined : recordFrom(row);
}

/** Messages of a chat after `afterId` that `accountId` did not send and that are still visible. */
export function unreadMessages(
  db: Database,
  chatId: number,
  accountId: number,
  afterId: number,
): MessageRecord[] {
  return cachedStatement<[number, number, number], MessageRow>(
    db,
    `SELECT ${messageColumns} FROM messages WHERE chat_id = ? AND id > ? AND sender_account_id != ? AND retracted_at IS NULL ORDER BY id`,
  )
    .all(chatId, afterId, accountId)
    .map(recordFrom);
}

/** How many of {@link unreadMessages} there are, without loading them. */
export function countUnread(
  db: Database,
  chatId: number,
  accountId: number,
  afterId: number,
): number {
  const row = cachedStatement<[number, number, number], { count: number }>(
    db,
    "SELECT COUNT(*) AS count FROM messages WHERE chat_id = ? AND id > ? AND sender_account_id != ? AND retracted_at IS NULL",
  ).get(chatId, afterId, accountId);
  return row?.count ?? 0;
}

/** The id of the newest message of a chat, 0 for an empty chat. */
export function newestMessageId(db: Database, chatId: number): number {
  const row = cachedStatement<[number], { id: number | null }>(
    db,
    "SELECT MAX(id) AS id FROM messages WHERE chat_id = ?",
  ).get(chatId);
  return row?.id ?? 0;
}

/** The tapbacks currently on a message, oldest first. */
export function reactionsOf(db: Database, messageId: number): ReactionRecord[] {
  return cachedStatement<
    [number],
    {
      sender_address: string;
      sender_account_id: number;
      part_index: number;
      kind: number;
      emoji: string;
      created_at: number;
    }
  >(
    db,
    "SELECT sender_address, sender_account_id, part_index, kind, emoji, created_at FROM message_reactions WHERE message_id = ? ORDER BY created_at, sender_address",
  )
    .all(messageId)
    .map((row) => ({
      senderAddress: row.sender_address,
      senderAccountId: row.sender_account_id,
      partIndex: row.part_index < 0 ? null : row.part_index,
      kind: row.kind,
      emoji: row.emoji === "" ? null : row.emoji,
      createdAt: row.created_at,
    }));
}
