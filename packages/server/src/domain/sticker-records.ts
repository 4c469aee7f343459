import type { PlacedStickerRecord } from "../storage/repositories/sticker-repository.js";
import type { Repositories } from "../storage/repositories.js";

export type {
  PlacedStickerRecord,
  StickerPlacementRecord,
} from "../storage/repositories/sticker-repository.js";

/** Stores a placed sticker on message `messageId`. Run inside a write. */
export function insertPlacedSticker(
  repositories: Repositories,
  messageId: number,
  sticker: PlacedStickerRecord,
): Promise<void> {
  return repositories.stickers.insert(messageId, sticker);
}

/** The stickers on a message, in the order they were placed. */
export function placedStickersOf(
  repositories: Repositories,
  messageId: number,
): Promise<PlacedStickerRecord[]> {
  return repositories.stickers.listForMessage(messageId);
}

/** Whether the attachment `attachmentGuid` is placed as a sticker on a message of chat `chatId`. */
export function isStickerInChat(
  repositories: Repositories,
  attachmentGuid: string,
  chatId: number,
): Promise<boolean> {
  return repositories.stickers.isInChat(attachmentGuid, chatId);
}
