import { formattingColumn, formattingFromColumn } from "../message-formatting-column.js";
import type {
  MessageRecord,
  MessageRepository,
  ReactionRecord,
} from "../repositories/message-repository.js";
import { integerFromPg, nullableIntegerFromPg } from "./pg-integer.js";
import type { PgQueryable } from "./pg-queryable.js";

interface MessageRow {
  readonly id: string;
  readonly guid: string;
  readonly chat_id: string;
  readonly sender_address: string;
  readonly sender_account_id: string;
  readonly kind: string;
  readonly text: string;
  readonly subject: string | null;
  readonly effect_id: string | null;
  readonly reply_to_guid: string | null;
  readonly thread_originator_guid: string | null;
  readonly thread_originator_part: string | null;
  readonly formatting: string | null;
  readonly link_preview: boolean;
  readonly data_detection: boolean;
  readonly created_at: string;
  readonly edited_at: string | null;
  readonly retracted_at: string | null;
}

const messageColumns =
  "id, guid, chat_id, sender_address, sender_account_id, kind, text, subject, effect_id, reply_to_guid, thread_originator_guid, thread_originator_part, formatting, link_preview, data_detection, created_at, edited_at, retracted_at";

function recordFrom(row: MessageRow): MessageRecord {
  return {
    id: integerFromPg(row.id, "messages.id"),
    guid: row.guid,
    chatId: integerFromPg(row.chat_id, "messages.chat_id"),
    senderAddress: row.sender_address,
    senderAccountId: integerFromPg(row.sender_account_id, "messages.sender_account_id"),
    kind: row.kind === "contact" ? "contact" : "text",
    text: row.text,
    subject: row.subject,
    effectId: row.effect_id,
    replyToGuid: row.reply_to_guid,
    threadOriginatorGuid: row.thread_originator_guid,
    threadOriginatorPart: row.thread_originator_part,
    formatting: formattingFromColumn(row.formatting),
    linkPreview: row.link_preview,
    dataDetection: row.data_detection,
    createdAt: integerFromPg(row.created_at, "messages.created_at"),
    editedAt: nullableIntegerFromPg(row.edited_at, "messages.edited_at"),
    retractedAt: nullableIntegerFromPg(row.retracted_at, "messages.retracted_at"),
  };
}

// part_index -1 stands for "the whole message" and emoji "" for "no emoji": both are in
// the primary key, which NULL could not be (the same encoding as on SQLite).
const wholeMessagePart = -1;

/** The PostgreSQL {@link MessageRepository} over a pooled client or transaction. */
export function createPostgresMessageRepository(sql: PgQueryable): MessageRepository {
  async function findWhere(
    condition: string,
    value: string | number,
  ): Promise<MessageRecord | undefined> {
    const { rows } = await sql.query<MessageRow>(
      `SELECT ${messageColumns} FROM messages WHERE ${condition}`,
      [value],
    );
    const row = rows[0];
    return row === undefined ? undefined : recordFrom(row);
  }

  return {
    async insert(message) {
      const { rows } = await sql.query<{ id: string }>(
        `INSERT INTO messages (guid, chat_id, sender_address, sender_account_id, kind, text, subject, effect_id, reply_to_guid, thread_originator_guid, thread_originator_part, formatting, link_preview, data_detection, created_at)
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14, $15) RETURNING id`,
        [
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
          message.linkPreview,
          message.dataDetection,
          message.createdAt,
        ],
      );
      return integerFromPg(rows[0]?.id, "messages.id");
    },
    async find(guid) {
      return findWhere("guid = $1", guid);
    },
    async findById(id) {
      return findWhere("id = $1", id);
    },
    async latestInChat(chatId) {
      return findWhere("chat_id = $1 ORDER BY id DESC LIMIT 1", chatId);
    },
    async newestIdInChat(chatId) {
      const { rows } = await sql.query<{ id: string | null }>(
        "SELECT MAX(id) AS id FROM messages WHERE chat_id = $1",
        [chatId],
      );
      return integerFromPg(rows[0]?.id ?? 0, "MAX(messages.id)");
    },
    async listUnread(chatId, accountId, afterId) {
      const { rows } = await sql.query<MessageRow>(
        `SELECT ${messageColumns} FROM messages WHERE chat_id = $1 AND id > $2 AND sender_account_id <> $3 AND retracted_at IS NULL ORDER BY id`,
        [chatId, afterId, accountId],
      );
      return rows.map(recordFrom);
    },
    async countUnread(chatId, accountId, afterId) {
      const { rows } = await sql.query<{ count: string }>(
        "SELECT COUNT(*) AS count FROM messages WHERE chat_id = $1 AND id > $2 AND sender_account_id <> $3 AND retracted_at IS NULL",
        [chatId, afterId, accountId],
      );
      return integerFromPg(rows[0]?.count ?? 0, "COUNT(messages)");
    },
    async listNewestIds(chatId, query, limit) {
      // One statement for every filter combination: a NULL parameter switches its filter
      // off (node-postgres plans each unnamed statement with its values, so a switched-off
      // filter costs nothing and the (chat_id, id) index is walked backwards).
      const { rows } = await sql.query<{ id: string }>(
        `SELECT id FROM messages
         WHERE chat_id = $1
           AND ($2::bigint IS NULL OR id < $2)
           AND ($3::boolean IS NULL OR (sender_account_id = $4) = $3)
           AND ($5::boolean IS NULL
             OR (sender_account_id = $4 OR id <= $6 OR retracted_at IS NOT NULL) = $5)
           AND ($7::bigint IS NULL OR created_at >= $7)
           AND ($8::bigint IS NULL OR created_at < $8)
         ORDER BY id DESC LIMIT $9`,
        [
          chatId,
          query.beforeId,
          query.isFromMe,
          query.accountId,
          query.isRead,
          query.readThroughMessageId,
          query.afterMs,
          query.beforeMs,
          limit,
        ],
      );
      return rows.map((row) => integerFromPg(row.id, "messages.id"));
    },
    async editText(messageId, text, editedAt) {
      await sql.query(
        "UPDATE messages SET text = $1, edited_at = $2, formatting = NULL WHERE id = $3",
        [text, editedAt, messageId],
      );
    },
    async markRetracted(messageId, retractedAt) {
      await sql.query("UPDATE messages SET retracted_at = $1 WHERE id = $2", [
        retractedAt,
        messageId,
      ]);
    },
    async listReactions(messageId) {
      const { rows } = await sql.query<{
        sender_address: string;
        sender_account_id: string;
        part_index: number;
        kind: number;
        emoji: string;
        created_at: string;
      }>(
        // COLLATE "C": ties by sender address in code-point order, as SQLite's BINARY does.
        `SELECT sender_address, sender_account_id, part_index, kind, emoji, created_at
         FROM message_reactions WHERE message_id = $1 ORDER BY created_at, sender_address COLLATE "C"`,
        [messageId],
      );
      return rows.map(
        (row): ReactionRecord => ({
          senderAddress: row.sender_address,
          senderAccountId: integerFromPg(
            row.sender_account_id,
            "message_reactions.sender_account_id",
          ),
          partIndex: row.part_index < 0 ? null : row.part_index,
          kind: row.kind,
          emoji: row.emoji === "" ? null : row.emoji,
          createdAt: integerFromPg(row.created_at, "message_reactions.created_at"),
        }),
      );
    },
    async addReaction(messageId, reaction) {
      const result = await sql.query(
        `INSERT INTO message_reactions (message_id, sender_address, sender_account_id, part_index, kind, emoji, created_at)
         VALUES ($1, $2, $3, $4, $5, $6, $7) ON CONFLICT DO NOTHING`,
        [
          messageId,
          reaction.senderAddress,
          reaction.senderAccountId,
          reaction.partIndex ?? wholeMessagePart,
          reaction.kind,
          reaction.emoji ?? "",
          reaction.createdAt,
        ],
      );
      return (result.rowCount ?? 0) > 0;
    },
    async removeReaction(messageId, reaction) {
      const result = await sql.query(
        "DELETE FROM message_reactions WHERE message_id = $1 AND sender_address = $2 AND part_index = $3 AND kind = $4 AND emoji = $5",
        [
          messageId,
          reaction.senderAddress,
          reaction.partIndex ?? wholeMessagePart,
          reaction.kind,
          reaction.emoji ?? "",
        ],
      );
      return (result.rowCount ?? 0) > 0;
    },
    async markNotifiedAnyway(messageId, accountId, notifiedAt) {
      await sql.query(
        `INSERT INTO silenced_message_notifications (message_id, account_id, notified_at)
         VALUES ($1, $2, $3) ON CONFLICT (message_id) DO NOTHING`,
        [messageId, accountId, notifiedAt],
      );
    },
    async findExtras(messageId) {
      // Most messages have none of the three: one probe, so a view reads only the tables that have rows.
      const { rows } = await sql.query<{ stickers: boolean; card: boolean; notified: boolean }>(
        `SELECT EXISTS (SELECT 1 FROM message_stickers WHERE message_id = $1) AS stickers,
                EXISTS (SELECT 1 FROM mini_app_cards WHERE message_id = $1) AS card,
                EXISTS (SELECT 1 FROM silenced_message_notifications WHERE message_id = $1) AS notified`,
        [messageId],
      );
      const row = rows[0];
      return {
        hasStickers: row?.stickers ?? false,
        hasMiniAppCard: row?.card ?? false,
        notifiedAnyway: row?.notified ?? false,
      };
    },
  };
}
