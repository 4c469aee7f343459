import type { AttachmentInfo, CompanionKind, ResourceWriteOptions } from "@threadline/core";

/** The metadata of a companion file stored with an attachment (a Live Photo's video). */
export interface CompanionInfo {
  readonly fileName: string;
  readonly kind: CompanionKind;
  readonly mimeType: string;
  readonly totalBytes: number;
}

/** What `upload(...)` returns. Use `attachment.guid` with `im.messages.sendAttachment(...)`. */
export interface UploadAttachmentResult {
  readonly attachment: AttachmentInfo;
  /** Present exactly when the upload had a companion. */
  readonly companion?: CompanionInfo;
}

/** A file to upload. */
export interface AttachmentInput {
  /** Display name stored with the attachment, including its extension. */
  readonly fileName: string;
  /** The file's bytes (at least one). */
  readonly data: Uint8Array;
  /** A Live Photo's video, stored beside the image. */
  readonly companion?: { readonly data: Uint8Array };
}

/** Options of `upload(...)`: a `clientMessageId` makes a repeated upload return the first result. */
export interface UploadOptions extends ResourceWriteOptions {
  /**
   * Bytes per chunk of a chunked upload (servers with `threadline.attachment_upload`),
   * at most what the server allows. Default 2 MiB.
   */
  readonly chunkBytes?: number;
}

/**
 * One frame of `downloadStream(...)`: first the header, then the file's bytes in order,
 * then the companion's (if there is one).
 */
export type DownloadAttachmentChunk =
  | {
      readonly type: "header";
      readonly info: AttachmentInfo;
      readonly companionInfo?: CompanionInfo;
    }
  | { readonly type: "primaryChunk"; readonly data: Uint8Array }
  | { readonly type: "companionChunk"; readonly data: Uint8Array };

/** Options of `downloadStream(...)`. */
export interface DownloadOptions {
  /** Closes the stream when aborted. */
  readonly signal?: AbortSignal;
  /**
   * Chunks the client buffers unread before it stops reading from the server (which
   * then stops sending). Default 4: with the server's 256 KiB chunks, about 1 MiB.
   */
  readonly bufferedChunks?: number;
}
