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
  /** Epoch milliseconds. */
  readonly createdAt: number;
}

/**
 * Stickers placed on messages.
 *
 * Every method is async, takes and returns plain data (no driver types), and is
 * implemented by both engines: `storage/sqlite/` and `storage/postgres/`. Inside a
 * write it runs in the write's transaction; outside it reads committed data.
 */
export interface StickerRepository {
  /** Stores one more sticker on message `messageId` (a message may carry many). */
  insert(messageId: number, sticker: PlacedStickerRecord): Promise<void>;
  /** The stickers on a message, in the order they were placed; empty without any. */
  listForMessage(messageId: number): Promise<PlacedStickerRecord[]>;
  /**
   * Whether the attachment `attachmentGuid` is placed as a sticker on a live (not
   * unsent) message of chat `chatId`.
   */
  isInChat(attachmentGuid: string, chatId: number): Promise<boolean>;
}
