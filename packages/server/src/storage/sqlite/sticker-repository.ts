import type { Database } from "better-sqlite3";
import type { StickerRepository } from "../repositories/sticker-repository.js";
import { cachedStatement } from "../statement-cache.js";

interface StickerRow {
  readonly sender_address: string;
  readonly sender_account_id: number;
  readonly part_index: number;
  readonly attachment_guid: string;
  readonly file_name: string;
  readonly mime_type: string;
  readonly uti: string;
  readonly total_bytes: number;
  readonly x: number;
  readonly y: number;
  readonly scale: number | null;
  readonly rotation: number | null;
  readonly width: number | null;
  readonly created_at: number;
}

/** The SQLite {@link StickerRepository} over one connection; part_index -1 is "the whole message". */
export function createSqliteStickerRepository(db: Database): StickerRepository {
  return {
    async insert(messageId, sticker) {
      cachedStatement<unknown[]>(
        db,
        `INSERT INTO message_stickers (message_id, sender_address, sender_account_id, part_index, attachment_guid, file_name, mime_type, uti, total_bytes, x, y, scale, rotation, width, created_at)
         VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`,
      ).run(
        messageId,
        sticker.senderAddress,
        sticker.senderAccountId,
        sticker.partIndex ?? -1,
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
      );
    },

    async listForMessage(messageId) {
      return cachedStatement<[number], StickerRow>(
        db,
        "SELECT sender_address, sender_account_id, part_index, attachment_guid, file_name, mime_type, uti, total_bytes, x, y, scale, rotation, width, created_at FROM message_stickers WHERE message_id = ? ORDER BY id",
      )
        .all(messageId)
        .map((row) => ({
          senderAddress: row.sender_address,
          senderAccountId: row.sender_account_id,
          partIndex: row.part_index < 0 ? null : row.part_index,
          attachmentGuid: row.attachment_guid,
          fileName: row.file_name,
          mimeType: row.mime_type,
          uti: row.uti,
          totalBytes: row.total_bytes,
          placement: {
            x: row.x,
            y: row.y,
            scale: row.scale,
            rotation: row.rotation,
            width: row.width,
          },
          createdAt: row.created_at,
        }));
    },

    async isInChat(attachmentGuid, chatId) {
      return (
        cachedStatement<[string, number], { found: number }>(
          db,
          "SELECT 1 AS found FROM message_stickers s JOIN messages m ON m.id = s.message_id WHERE s.attachment_guid = ? AND m.chat_id = ? AND m.retracted_at IS NULL LIMIT 1",
        ).get(attachmentGuid, chatId) !== undefined
      );
    },
  };
}
