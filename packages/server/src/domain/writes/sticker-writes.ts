import type { photon } from "@threadline/protocol";
import type { Account } from "../../auth/account.js";
import { placeSticker } from "../sticker-operations.js";
import type { StickerPlacementRecord } from "../sticker-records.js";
import { writeOperation } from "../write-operation.js";

/** What PlaceSticker writes, validated: a plain target, the sticker's GUID, its placement. */
export interface PlaceStickerWrite {
  readonly account: Account;
  readonly target: photon.imessage.v1.MessageTarget.$Properties | null;
  readonly stickerGuid: string;
  readonly placement: StickerPlacementRecord;
}

/**
 * The named writes of this area, keyed "<area>.<operation>"; `write-operations.ts`
 * merges every area's map into the one registry.
 */
export const stickerWrites = {
  "stickers.place": writeOperation(
    async (context, { account, target, stickerGuid, placement }: PlaceStickerWrite) => ({
      message: await placeSticker(context, account, target, stickerGuid, placement),
    }),
  ),
} as const;
