import { photon } from "@threadline/protocol";
import type { Account } from "../auth/account.js";
import { invalidArgument, notFound } from "../errors/common-errors.js";
import { ServerError } from "../errors/server-error.js";
import type { StoredBlob } from "../storage/attachment-blob-store.js";
import type { Repositories } from "../storage/repositories.js";
import type { WriteContext } from "../storage/write-context.js";
import { companionFileName, normalizeFileName } from "./attachment-file-name.js";
import {
  type AttachmentRecord,
  chatsCarrying,
  findAttachment,
  insertAttachment,
  type NewAttachment,
} from "./attachment-records.js";
import { detectAttachmentType } from "./attachment-type.js";
import { attachmentInfo, companionInfo } from "./attachment-view.js";
import { viewerFor } from "./chat-records.js";

type UploadResponse = photon.imessage.v1.UploadAttachmentResponse.$Properties;
const CompanionKind = photon.imessage.v1.CompanionKind;

/** Default largest attachment (its file plus any companion): 100 MiB. */
export const defaultMaxAttachmentBytes = 100 * 1024 * 1024;

const guidPattern = /^[\x21-\x7e]{1,128}$/;

/** Checks the shape of an attachment GUID; INVALID_ARGUMENT naming `field` otherwise. */
export function checkAttachmentGuid(value: string | null | undefined, field: string): string {
  if (value === undefined || value === null || value === "") {
    throw invalidArgument(
      `${field} is required: the GUID that UploadAttachment returned (attachment.guid)`,
      { field },
    );
  }
  if (!guidPattern.test(value)) {
    throw invalidArgument(
      `${field} must be an attachment GUID (1 to 128 printable characters without spaces); received ${JSON.stringify(value.slice(0, 64))}`,
      { field },
    );
  }
  return value;
}

/**
 * Rejects an attachment over the limit: PAYLOAD_TOO_LARGE (INVALID_ARGUMENT on the
 * wire, since retrying cannot help) naming the size and the limit.
 */
export function checkAttachmentSize(totalBytes: number, maxBytes: number, field = "data"): void {
  if (totalBytes > maxBytes) {
    throw new ServerError(
      "PAYLOAD_TOO_LARGE",
      `the attachment is ${totalBytes} bytes (file plus companion), over this server's limit of ${maxBytes} bytes (${(maxBytes / 1024 / 1024).toFixed(1)} MiB, set by --max-attachment-bytes); send a smaller file`,
      { field },
    );
  }
}

/** Rejects a file without bytes. */
export function checkNotEmpty(size: number, field: string): void {
  if (size === 0) {
    throw invalidArgument(`${field} is empty; an attachment needs at least one byte`, { field });
  }
}

/** A companion kind the server stores: LIVE_PHOTO_VIDEO only. */
export function checkCompanionKind(kind: number | null | undefined, field: string): number {
  if (kind !== CompanionKind.COMPANION_KIND_LIVE_PHOTO_VIDEO) {
    throw invalidArgument(
      `${field} is ${String(kind ?? 0)}; the only companion kind is COMPANION_KIND_LIVE_PHOTO_VIDEO (1)`,
      { field },
    );
  }
  return kind;
}

/** A file of an upload, on disk and durable, with its first bytes for sniffing. */
export interface UploadedFile {
  readonly blob: StoredBlob;
  readonly head: Uint8Array;
}

/** An upload whose files are durable; what {@link recordUpload} stores. */
export interface CompletedUpload {
  readonly fileName: string;
  readonly primary: UploadedFile;
  readonly companion: (UploadedFile & { readonly kind: number }) | null;
}

/**
 * What is stored for an upload whose files are already fsync'd: its metadata, typed
 * from the files' first bytes. Computed on the calling side, so that no file bytes
 * travel with the write.
 */
export function describeUpload(account: Account, upload: CompletedUpload): NewAttachment {
  const type = detectAttachmentType(upload.primary.head);
  const fileName = normalizeFileName(upload.fileName);
  const companion = upload.companion;
  return {
    uploaderAccountId: account.id,
    fileName,
    mimeType: type.mimeType,
    uti: type.uti,
    totalBytes: upload.primary.blob.size,
    sha256: upload.primary.blob.sha256,
    companion:
      companion === null
        ? null
        : {
            kind: companion.kind,
            fileName: companionFileName(fileName),
            mimeType: detectAttachmentType(companion.head).mimeType,
            totalBytes: companion.blob.size,
            sha256: companion.blob.sha256,
          },
  };
}

/**
 * Stores the metadata of an upload ({@link describeUpload}) whose files are durable.
 * The attachment is visible only to its uploader until a message carries it. Run
 * inside a write.
 */
export function recordUpload(
  context: WriteContext,
  attachment: NewAttachment,
): Promise<AttachmentRecord> {
  return insertAttachment(context.repositories, attachment, context.now);
}

/** The UploadAttachment answer for a stored attachment, from its uploader's side. */
export function uploadResponse(attachment: AttachmentRecord): UploadResponse {
  return {
    attachment: attachmentInfo(attachment, true),
    ...(attachment.companion === null ? {} : { companion: companionInfo(attachment.companion) }),
  };
}

/**
 * Whether `account` may see an attachment: it uploaded it, or it takes part in a chat
 * with a live (not unsent) message carrying it, as a bubble or as a placed sticker.
 */
export async function canSeeAttachment(
  repositories: Repositories,
  account: Account,
  attachment: AttachmentRecord,
): Promise<boolean> {
  if (attachment.uploaderAccountId === account.id) return true;
  for (const chatId of await chatsCarrying(repositories, attachment)) {
    const chat = await repositories.chats.find(chatId);
    if (chat !== undefined && viewerFor(chat, account) !== undefined) return true;
  }
  return false;
}

/**
 * The attachment `guid` names, when `account` may see it ({@link canSeeAttachment}).
 * NOT_FOUND otherwise, with the same message whether it exists or not, so that
 * another account's GUIDs cannot be probed.
 */
export async function visibleAttachment(
  repositories: Repositories,
  account: Account,
  guid: string | null | undefined,
  field = "attachment_guid",
): Promise<AttachmentRecord> {
  const checked = checkAttachmentGuid(guid, field);
  const attachment = await findAttachment(repositories, checked);
  if (attachment === undefined || !(await canSeeAttachment(repositories, account, attachment))) {
    throw notFound(
      `attachment ${JSON.stringify(checked)} was not found among the attachments this account uploaded or can see in its chats`,
    );
  }
  return attachment;
}

/** GetAttachmentInfo: the metadata of a visible attachment. */
export async function getAttachmentInfo(
  repositories: Repositories,
  account: Account,
  guid: string | null | undefined,
): Promise<photon.imessage.v1.GetAttachmentInfoResponse.$Properties> {
  const attachment = await visibleAttachment(repositories, account, guid);
  return { attachment: attachmentInfo(attachment, attachment.uploaderAccountId === account.id) };
}
