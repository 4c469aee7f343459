import type { Database } from "better-sqlite3";
import { cachedStatement } from "../storage/statement-cache.js";

/** Where a sticker sits on its bubble (normalised coordinates, as sent). */
export interface StickerPlacementRecord {
  readonly x: number;
  readonly y: number;
  readonly scale: number | null;
  readonly rotation: number | null;
  readonly width: number | null;
}

/** A sticker placed on a message; the attachment's metadata is kept as it was when placed. */
export interface PlacedStickerRecord {
  readonly senderAddress: string;
  readonly senderAccountId: number;
  /** The bubble it sits on; null for the whole message. */
  readonly partIndex: number | null;
  readonly attachmentGuid: string;
  readonly fileName: string;
  readonly mimeType: string;
  readonly uti: string;
  readonly totalBytes: number;
  readonly placement: StickerPlacementRecord;
  readonly createdAt: number;
}

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

/** Stores a placed sticker on message `messageId`. Run inside a write. */
export function insertPlacedSticker(
  db: Database,
  messageId: number,
  sticker: PlacedStickerRecord,
): void {
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
}

/** The stickers on a message, in the order they were placed. */
export function placedStickersOf(db: Database, messageId: number): PlacedStickerRecord[] {
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
}

/** Whether the attachment `attachmentGuid` is placed as a sticker on a message of chat `chatId`. */
export function isStickerInChat(db: Database, attachmentGuid: string, chatId: number): boolean {
  return (
    cachedStatement<[string, number], { found: number }>(
      db,
      "SELECT 1 AS found FROM message_stickers s JOIN messages m ON m.id = s.message_id WHERE s.attachment_guid = ? AND m.chat_id = ? AND m.retracted_at IS NULL LIMIT 1",
    ).get(attachmentGuid, chatId) !== undefined
  );
}
