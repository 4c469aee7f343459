import type { Database } from "better-sqlite3";
import { formattingColumn, formattingFromColumn } from "../message-formatting-column.js";
import type { MessageRecord, MessageRepository } from "../repositories/message-repository.js";
import { cachedStatement } from "../statement-cache.js";

interface MessageRow {
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

const messageColumns =
  "id, guid, chat_id, sender_address, sender_account_id, kind, text, subject, effect_id, reply_to_guid, thread_originator_guid, thread_originator_part, formatting, link_preview, data_detection, created_at, edited_at, retracted_at";

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

type InsertParameters = [
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
];

// part_index -1 stands for "the whole message" and emoji "" for "no emoji": both are in
// the primary key, which NULL could not be.
const wholeMessagePart = -1;

/** The SQLite {@link MessageRepository} over one connection. */
export function createSqliteMessageRepository(db: Database): MessageRepository {
  return {
    async insert(message) {
      const result = cachedStatement<InsertParameters>(
        db,
        "INSERT INTO messages (guid, chat_id, sender_address, sender_account_id, kind, text, subject, effect_id, reply_to_guid, thread_originator_guid, thread_originator_part, formatting, link_preview, data_detection, created_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
      ).run(
        message.guid,
        message.chatId,
        message.senderAddress,
        message.senderAccountId,
        message.kind,
        message.text,
        message.subject,
        message.effectId,
        message.replyToGuid,
        message.threadOriginatorGuid,
        message.threadOriginatorPart,
        formattingColumn(message.formatting),
        message.linkPreview ? 1 : 0,
        message.dataDetection ? 1 : 0,
        message.createdAt,
      );
      return Number(result.lastInsertRowid);
    },
    async find(guid) {
      const row = cachedStatement<[string], MessageRow>(
        db,
        `SELECT ${messageColumns} FROM messages WHERE guid = ?`,
      ).get(guid);
      return row === undefined ? undefined : recordFrom(row);
    },
    async findById(id) {
      const row = cachedStatement<[number], MessageRow>(
        db,
        `SELECT ${messageColumns} FROM messages WHERE id = ?`,
      ).get(id);
      return row === undefined ? undefined : recordFrom(row);
    },
    async latestInChat(chatId) {
      const row = cachedStatement<[number], MessageRow>(
        db,
        `SELECT ${messageColumns} FROM messages WHERE chat_id = ? ORDER BY id DESC LIMIT 1`,
      ).get(chatId);
      return row === undefined ? undefined : recordFrom(row);
    },
    async newestIdInChat(chatId) {
      const row = cachedStatement<[number], { id: number | null }>(
        db,
        "SELECT MAX(id) AS id FROM messages WHERE chat_id = ?",
      ).get(chatId);
      return row?.id ?? 0;
    },
    async listUnread(chatId, accountId, afterId) {
      return cachedStatement<[number, number, number], MessageRow>(
        db,
        `SELECT ${messageColumns} FROM messages WHERE chat_id = ? AND id > ? AND sender_account_id != ? AND retracted_at IS NULL ORDER BY id`,
      )
        .all(chatId, afterId, accountId)
        .map(recordFrom);
    },
    async countUnread(chatId, accountId, afterId) {
      const row = cachedStatement<[number, number, number], { count: number }>(
        db,
        "SELECT COUNT(*) AS count FROM messages WHERE chat_id = ? AND id > ? AND sender_account_id != ? AND retracted_at IS NULL",
      ).get(chatId, afterId, accountId);
      return row?.count ?? 0;
    },
    async listNewestIds(chatId, query, limit) {
      const conditions = ["chat_id = ?"];
      const parameters: number[] = [chatId];
      if (query.beforeId !== null) {
        conditions.push("id < ?");
        parameters.push(query.beforeId);
      }
      if (query.isFromMe !== null) {
        conditions.push(query.isFromMe ? "sender_account_id = ?" : "sender_account_id != ?");
        parameters.push(query.accountId);
      }
      if (query.isRead !== null) {
        const read = "(sender_account_id = ? OR id <= ? OR retracted_at IS NOT NULL)";
        conditions.push(query.isRead ? read : `NOT ${read}`);
        parameters.push(query.accountId, query.readThroughMessageId);
      }
      if (query.afterMs !== null) {
        conditions.push("created_at >= ?");
        parameters.push(query.afterMs);
      }
      if (query.beforeMs !== null) {
        conditions.push("created_at < ?");
        parameters.push(query.beforeMs);
      }
      parameters.push(limit);
      return cachedStatement<number[], { id: number }>(
        db,
        `SELECT id FROM messages WHERE ${conditions.join(" AND ")} ORDER BY id DESC LIMIT ?`,
      )
        .all(...parameters)
        .map((row) => row.id);
    },
    async editText(messageId, text, editedAt) {
      cachedStatement<[string, number, number]>(
        db,
        "UPDATE messages SET text = ?, edited_at = ?, formatting = NULL WHERE id = ?",
      ).run(text, editedAt, messageId);
    },
    async markRetracted(messageId, retractedAt) {
      cachedStatement<[number, number]>(
        db,
        "UPDATE messages SET retracted_at = ? WHERE id = ?",
      ).run(retractedAt, messageId);
    },
    async listReactions(messageId) {
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
    },
    async addReaction(messageId, reaction) {
      return (
        cachedStatement<[number, string, number, number, number, string, number]>(
          db,
          "INSERT OR IGNORE INTO message_reactions (message_id, sender_address, sender_account_id, part_index, kind, emoji, created_at) VALUES (?, ?, ?, ?, ?, ?, ?)",
        ).run(
          messageId,
          reaction.senderAddress,
          reaction.senderAccountId,
          reaction.partIndex ?? wholeMessagePart,
          reaction.kind,
          reaction.emoji ?? "",
          reaction.createdAt,
        ).changes > 0
      );
    },
    async removeReaction(messageId, reaction) {
      return (
        cachedStatement<[number, string, number, number, string]>(
          db,
          "DELETE FROM message_reactions WHERE message_id = ? AND sender_address = ? AND part_index = ? AND kind = ? AND emoji = ?",
        ).run(
          messageId,
          reaction.senderAddress,
          reaction.partIndex ?? wholeMessagePart,
          reaction.kind,
          reaction.emoji ?? "",
        ).changes > 0
      );
    },
    async markNotifiedAnyway(messageId, accountId, notifiedAt) {
      cachedStatement<[number, number, number]>(
        db,
        "INSERT OR IGNORE INTO silenced_message_notifications (message_id, account_id, notified_at) VALUES (?, ?, ?)",
      ).run(messageId, accountId, notifiedAt);
    },
    async findExtras(messageId) {
      // Most messages have none of the three: one probe, so a view reads only the tables that have rows.
      const row = cachedStatement<
        [number, number, number],
        { stickers: number; card: number; notified: number }
      >(
        db,
        `SELECT EXISTS (SELECT 1 FROM message_stickers WHERE message_id = ?) AS stickers,
                EXISTS (SELECT 1 FROM mini_app_cards WHERE message_id = ?) AS card,
                EXISTS (SELECT 1 FROM silenced_message_notifications WHERE message_id = ?) AS notified`,
      ).get(messageId, messageId, messageId);
      return {
        hasStickers: row?.stickers === 1,
        hasMiniAppCard: row?.card === 1,
        notifiedAnyway: row?.notified === 1,
      };
    },
  };
}
