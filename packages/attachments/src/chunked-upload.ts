import {
  type ClientContext,
  NotFoundError,
  type UnaryCallOptions,
  ValidationError,
} from "@threadline/core";
import { AttachmentUploadServiceDefinition, type photon } from "@threadline/protocol";
import type { AttachmentInput } from "./attachment.js";

/** Default bytes per AppendAttachmentChunk. */
export const defaultChunkBytes = 2 * 1024 * 1024;

const liveVideoCompanion = 1;

/**
 * Uploads through `threadline.v1.AttachmentUploadService`: start, the file's bytes in
 * chunks (subarrays of the input, so nothing is copied whole), the companion's, finish.
 * Finishing carries the write's idempotency key, so finishing again after a lost answer
 * returns the first result. A server restart drops an unfinished upload (NOT_FOUND on
 * the next chunk); the whole upload then runs once more with the same key, and the
 * server recognises the same files.
 */
export async function uploadInChunks(
  context: ClientContext,
  input: AttachmentInput,
  options: {
    readonly chunkBytes: number | undefined;
    readonly read: UnaryCallOptions;
    readonly write: UnaryCallOptions;
  },
): Promise<photon.imessage.v1.UploadAttachmentResponse> {
  for (let attempt = 1; ; attempt += 1) {
    try {
      return await uploadOnce(context, input, options);
    } catch (error) {
      if (attempt >= 2 || !(error instanceof NotFoundError)) throw error;
    }
  }
}

async function uploadOnce(
  context: ClientContext,
  input: AttachmentInput,
  options: {
    readonly chunkBytes: number | undefined;
    readonly read: UnaryCallOptions;
    readonly write: UnaryCallOptions;
  },
): Promise<photon.imessage.v1.UploadAttachmentResponse> {
  const operation = "attachments.upload()";
  const started = await context.unary(
    AttachmentUploadServiceDefinition.startAttachmentUpload,
    {
      fileName: input.fileName,
      ...(input.companion === undefined ? {} : { companionKind: liveVideoCompanion }),
    },
    { ...options.read, operation },
  );
  const total = input.data.length + (input.companion?.data.length ?? 0);
  const maxTotal = Number(started.maxTotalBytes ?? 0);
  if (maxTotal > 0 && total > maxTotal) {
    throw new ValidationError(
      `the attachment is ${total} bytes (file plus companion), over the server's limit of ${maxTotal} bytes; send a smaller file`,
      { field: "input.data", allowed: `at most ${maxTotal} bytes`, received: total },
    );
  }
  const serverChunk = started.maxChunkBytes ?? defaultChunkBytes;
  const chunkBytes = Math.max(1, Math.min(options.chunkBytes ?? defaultChunkBytes, serverChunk));
  const uploadId = started.uploadId ?? "";
  const send = async (bytes: Uint8Array, companion: boolean) => {
    for (let offset = 0; offset < bytes.length; offset += chunkBytes) {
      await context.unary(
        AttachmentUploadServiceDefinition.appendAttachmentChunk,
        { uploadId, offset, data: bytes.subarray(offset, offset + chunkBytes), companion },
        { ...options.read, operation },
      );
    }
  };
  await send(input.data, false);
  if (input.companion !== undefined) await send(input.companion.data, true);
  return context.unary(
    AttachmentUploadServiceDefinition.finishAttachmentUpload,
    { uploadId },
    { ...options.write, operation },
  );
}
