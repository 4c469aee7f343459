import type { photon } from "@threadline/protocol";
import type { Account } from "../auth/account.js";
import { invalidArgument, notFound } from "../errors/common-errors.js";
import { ServerError } from "../errors/server-error.js";
import type { Repositories } from "../storage/repositories.js";
import type { WriteContext } from "../storage/write-context.js";
import { canSeeAttachment } from "./attachment-operations.js";
import { type AttachmentRecord, findAttachment } from "./attachment-records.js";
import { chatViewers } from "./chat-records.js";
import { envelopeFor } from "./event-envelope.js";
import { targetMessageForChange } from "./message-operations.js";
import { messageView } from "./message-view.js";
import { placedStickerView } from "./message-view-additions.js";
import {
  insertPlacedSticker,
  type PlacedStickerRecord,
  type StickerPlacementRecord,
} from "./sticker-records.js";

type MessageProperties = photon.imessage.v1.Message.$Properties;
type MessageTarget = photon.imessage.v1.MessageTarget.$Properties;

/** The largest `scale` a placement may have. */
export const maxStickerScale = 10;

function coordinate(value: number | null | undefined, field: string): number {
  if (value === undefined || value === null || !Number.isFinite(value) || value < 0 || value > 1) {
    throw invalidArgument(
      `${field} must be a number from 0 to 1 (normalised across the bubble); received ${String(value)}`,
      { field },
    );
  }
  return value;
}

function optionalPositive(
  value: number | null | undefined,
  field: string,
  max: number,
): number | null {
  if (value === undefined || value === null) return null;
  if (!Number.isFinite(value) || value <= 0 || value > max) {
    throw invalidArgument(
      `${field} must be a number above 0 and at most ${max} when set; received ${String(value)}`,
      { field },
    );
  }
  return value;
}

/**
 * Validates where a sticker goes: `x` and `y` from 0 to 1 (normalised coordinates of
 * the bubble), `scale` above 0 and at most {@link maxStickerScale}, `rotation` a
 * finite angle in radians from -2π to 2π, `width` above 0 and at most 1 (a fraction of
 * the bubble). NaN and infinities are refused. Throws INVALID_ARGUMENT.
 */
export function validateStickerPlacement(
  placement: photon.imessage.v1.StickerPlacement.$Properties | null | undefined,
): StickerPlacementRecord {
  if (placement === undefined || placement === null) {
    throw invalidArgument("placement is required: set placement.x and placement.y (0 to 1)", {
      field: "placement",
    });
  }
  const rotation = placement.rotation ?? null;
  if (rotation !== null && (!Number.isFinite(rotation) || Math.abs(rotation) > 2 * Math.PI)) {
    throw invalidArgument(
      `placement.rotation must be an angle in radians from -2π to 2π when set; received ${String(rotation)}`,
      { field: "placement.rotation" },
    );
  }
  return {
    x: coordinate(placement.x, "placement.x"),
    y: coordinate(placement.y, "placement.y"),
    scale: optionalPositive(placement.scale, "placement.scale", maxStickerScale),
    rotation,
    width: optionalPositive(placement.width, "placement.width", 1),
  };
}

/**
 * The sticker attachment a request names: by `attachment_guid` only (a server-side
 * `attachment_path` is refused: this server reads no files for its clients). Throws
 * INVALID_ARGUMENT.
 */
export function validateStickerRef(
  sticker: photon.imessage.v1.AttachmentRef.$Properties | null | undefined,
): string {
  if (
    sticker?.attachmentPath !== undefined &&
    sticker.attachmentPath !== null &&
    sticker.attachmentPath !== ""
  ) {
    throw invalidArgument(
      "sticker.attachment_path is not accepted: this server reads no files from its own disk for clients; upload the sticker with AttachmentService.UploadAttachment and pass sticker.attachment_guid",
      { field: "sticker.attachment_path" },
    );
  }
  const guid = sticker?.attachmentGuid ?? "";
  if (!/^[\x21-\x7e]{1,128}$/.test(guid)) {
    throw invalidArgument(
      `sticker.attachment_guid must be the GUID of an uploaded image (1 to 128 printable characters); received ${JSON.stringify(guid.slice(0, 64))}`,
      { field: "sticker.attachment_guid" },
    );
  }
  return guid;
}

// The caller may place an attachment it can see: one it uploaded, or one a live
// message of its chats carries (the attachments rule, kept in one place).
async function placeableAttachment(
  repositories: Repositories,
  account: Account,
  guid: string,
): Promise<AttachmentRecord> {
  const attachment = await findAttachment(repositories, guid);
  if (attachment === undefined || !(await canSeeAttachment(repositories, account, attachment))) {
    throw notFound(
      `sticker attachment ${JSON.stringify(guid)} was not found among the attachments this account uploaded or can see`,
    );
  }
  return attachment;
}

/**
 * Places an image the caller uploaded (or can see) as a sticker on a message of one of
 * its chats and appends `message.stickerPlaced` to everyone in the chat. Each call
 * places one more sticker (retries are made safe by the idempotency key). The sticker
 * must be an image (INVALID_ARGUMENT otherwise); an unknown or invisible attachment,
 * chat or message is NOT_FOUND; an unsent message takes no stickers
 * (FAILED_PRECONDITION). Returns the message with its stickers. Run inside a write.
 */
export async function placeSticker(
  context: WriteContext,
  account: Account,
  target: MessageTarget | null,
  stickerGuid: string,
  placement: StickerPlacementRecord,
): Promise<MessageProperties> {
  const { repositories } = context;
  const found = await targetMessageForChange(repositories, account, target);
  const attachment = await placeableAttachment(repositories, account, stickerGuid);
  if (!attachment.mimeType.startsWith("image/")) {
    throw invalidArgument(
      `sticker.attachment_guid ${attachment.guid} is ${attachment.mimeType}; a sticker must be an image`,
      { field: "sticker.attachment_guid" },
    );
  }
  if (found.message.retractedAt !== null) {
    throw new ServerError(
      "FAILED_PRECONDITION",
      `message ${found.message.guid} was unsent; it cannot take stickers`,
    );
  }
  const sticker: PlacedStickerRecord = {
    senderAddress: found.viewer.address,
    senderAccountId: account.id,
    partIndex: found.partIndex,
    attachmentGuid: attachment.guid,
    fileName: attachment.fileName,
    mimeType: attachment.mimeType,
    uti: attachment.uti,
    totalBytes: attachment.totalBytes,
    placement,
    createdAt: context.now.getTime(),
  };
  await insertPlacedSticker(repositories, found.message.id, sticker);
  const actor = { accountId: account.id, address: found.viewer.address };
  for (const viewer of await chatViewers(repositories, found.chat)) {
    const placed = placedStickerView(found.message, sticker, viewer.accountId);
    context.appendEvent(viewer.accountId, {
      kind: "message",
      event: {
        ...envelopeFor(viewer, actor, context.now),
        stickerPlaced: {
          messageGuid: found.message.guid,
          ...(found.partIndex === null ? {} : { targetPartIndex: found.partIndex }),
          sticker: placed.sticker,
          placement: placed.placement,
        },
      },
    });
  }
  return messageView(repositories, found.message, account.id, found.viewer.chatGuid);
}
