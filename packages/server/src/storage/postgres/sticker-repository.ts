import type { PlacedStickerRecord, StickerRepository } from "../repositories/sticker-repository.js";
import { integerFromPg } from "./pg-integer.js";
import type { PgQueryable } from "./pg-queryable.js";

interface StickerRow {
  readonly sender_address: string;
  readonly sender_account_id: string;
  readonly part_index: number;
  readonly attachment_guid: string;
  readonly file_name: string;
  readonly mime_type: string;
  readonly uti: string;
  readonly total_bytes: string;
  readonly x: number;
  readonly y: number;
  readonly scale: number | null;
  readonly rotation: number | null;
  readonly width: number | null;
  readonly created_at: string;
}

// part_index -1 stands for "the whole message", as on SQLite.
const wholeMessagePart = -1;

/** The PostgreSQL {@link StickerRepository} over a pooled client or transaction. */
export function createPostgresStickerRepository(sql: PgQueryable): StickerRepository {
  return {
    async insert(messageId, sticker) {
      await sql.query(
        `INSERT INTO message_stickers (message_id, sender_address, sender_account_id, part_index, attachment_guid, file_name, mime_type, uti, total_bytes, x, y, scale, rotation, width, created_at)
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14, $15)`,
        [
          messageId,
          sticker.senderAddress,
          sticker.senderAccountId,
          sticker.partIndex ?? wholeMessagePart,
          sticker.attachmentGuid,
          sticker.fileName,
          sticker.mimeType,
          sticker.uti,
          sticker.totalBytes,
          sticker.placement.x,
          sticker.placement.y,
          sticker.placement.scale,
          sticker.placement.rotation,
          sticker.placement.width,
          sticker.createdAt,
        ],
      );
    },

    async listForMessage(messageId) {
      const { rows } = await sql.query<StickerRow>(
        "SELECT sender_address, sender_account_id, part_index, attachment_guid, file_name, mime_type, uti, total_bytes, x, y, scale, rotation, width, created_at FROM message_stickers WHERE message_id = $1 ORDER BY id",
        [messageId],
      );
      return rows.map(
        (row): PlacedStickerRecord => ({
          senderAddress: row.sender_address,
          senderAccountId: integerFromPg(
            row.sender_account_id,
            "message_stickers.sender_account_id",
          ),
          partIndex: row.part_index < 0 ? null : row.part_index,
          attachmentGuid: row.attachment_guid,
          fileName: row.file_name,
          mimeType: row.mime_type,
          uti: row.uti,
          totalBytes: integerFromPg(row.total_bytes, "message_stickers.total_bytes"),
          placement: {
            x: row.x,
            y: row.y,
            scale: row.scale,
            rotation: row.rotation,
            width: row.width,
          },
          createdAt: integerFromPg(row.created_at, "message_stickers.created_at"),
        }),
      );
    },

    async isInChat(attachmentGuid, chatId) {
      const { rows } = await sql.query<{ found: boolean }>(
        `SELECT EXISTS (
           SELECT 1 FROM message_stickers s JOIN messages m ON m.id = s.message_id
           WHERE s.attachment_guid = $1 AND m.chat_id = $2 AND m.retracted_at IS NULL
         ) AS found`,
        [attachmentGuid, chatId],
      );
      return rows[0]?.found ?? false;
    },
  };
}
