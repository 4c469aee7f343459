import {
  type ClientContext,
  NotFoundError,
  type UnaryCallOptions,
  ValidationError,
} from "@threadline/core";
import {
  AttachmentUploadServiceDefinition,
  type EncodedMessage,
  type photon,
  threadline,
} from "@threadline/protocol";
import type { AttachmentInput } from "./attachment.js";

/** Default bytes per AppendAttachmentChunk. */
export const defaultChunkBytes = 2 * 1024 * 1024;

const liveVideoCompanion = 1;

type ChunkRequest = threadline.v1.AppendAttachmentChunkRequest &
  threadline.v1.AppendAttachmentChunkRequest.$Properties;

// AppendAttachmentChunk with its request already encoded, which it sends as it is.
const appendEncodedChunk = {
  ...AttachmentUploadServiceDefinition.appendAttachmentChunk,
  requestSerialize: (bytes: EncodedMessage<ChunkRequest>): Buffer =>
    Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength),
};

/** Room for a chunk request's fields besides its bytes (upload id, offset, flags, tags). */
const chunkHeaderRoom = 512;

/**
 * Encodes one AppendAttachmentChunkRequest into `buffer` (a new one only when it is too
 * small): the small fields, then `data` as field 3. Reusing one buffer for every chunk
 * leaves the transport's own copy as an upload's only garbage, so memory stays low
 * between garbage collections.
 */
function encodeChunk(
  buffer: Buffer,
  fields: { readonly uploadId: string; readonly offset: number; readonly companion: boolean },
  data: Uint8Array,
): EncodedMessage<ChunkRequest> {
  const head = threadline.v1.AppendAttachmentChunkRequest.encode(fields).finish();
  const needed = head.length + 6 + data.length;
  const target = needed <= buffer.length ? buffer : Buffer.allocUnsafe(needed);
  target.set(head, 0);
  let position = head.length;
  target[position++] = (3 << 3) | 2; // field 3, length-delimited
  let length = data.length;
  while (length > 0x7f) {
    target[position++] = (length & 0x7f) | 0x80;
    length >>>= 7;
  }
  target[position++] = length;
  target.set(data, position);
  return target.subarray(0, position + data.length);
}

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
  // One call at a time, so the buffer is free again when the next chunk is encoded
  // (a retry of a call resends the bytes it was given, before the next encode).
  const buffer = Buffer.allocUnsafe(chunkBytes + chunkHeaderRoom);
  const send = async (bytes: Uint8Array, companion: boolean) => {
    for (let offset = 0; offset < bytes.length; offset += chunkBytes) {
      await context.unary(
        appendEncodedChunk,
        encodeChunk(
          buffer,
          { uploadId, offset, companion },
          bytes.subarray(offset, offset + chunkBytes),
        ),
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
