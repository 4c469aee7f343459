import type { Metadata, ServerWritableStream } from "@grpc/grpc-js";
import { AttachmentServiceDefinition, type photon } from "@threadline/protocol";
import type { Account } from "../auth/account.js";
import {
  type CompletedUpload,
  checkAttachmentSize,
  checkCompanionKind,
  checkNotEmpty,
  describeUpload,
  getAttachmentInfo,
  visibleAttachment,
} from "../domain/attachment-operations.js";
import { attachmentInfo, companionInfo } from "../domain/attachment-view.js";
import { idempotencyClaim, idempotencyKeyOf } from "../domain/idempotency.js";
import { runWrite } from "../domain/write-operations.js";
import { waitForDrain } from "../live/wait-for-drain.js";
import type { AttachmentBlobStore } from "../storage/attachment-blob-store.js";
import { serverStream, unary } from "./handlers.js";
import type { ServiceDependencies } from "./service-dependencies.js";

type UploadResponse = photon.imessage.v1.UploadAttachmentResponse.$Properties;
type DownloadFrame = photon.imessage.v1.DownloadAttachmentResponse.$Properties;

/** Bytes per DownloadAttachment chunk frame. */
export const downloadChunkBytes = 256 * 1024;

/** What the attachment services need beyond the shared dependencies. */
export interface AttachmentServiceDependencies extends ServiceDependencies {
  readonly blobs: AttachmentBlobStore;
}

function sha256Bytes(hex: string): Uint8Array {
  return Buffer.from(hex, "hex");
}

/**
 * Records a durable upload at most once per idempotency key. The request recognised
 * as "the same" is the file name, kind and the SHA-256 of each file, not the bytes
 * themselves, so a 50 MB upload is not encoded a second time; UploadAttachment and the
 * chunked upload share it, so a retry may take either way.
 */
export function recordUploadOnce(
  dependencies: AttachmentServiceDependencies,
  account: Account,
  metadata: Metadata,
  upload: CompletedUpload,
): Promise<UploadResponse | photon.imessage.v1.UploadAttachmentResponse> {
  const digestRequest: photon.imessage.v1.UploadAttachmentRequest.$Properties = {
    fileName: upload.fileName,
    data: sha256Bytes(upload.primary.blob.sha256),
    ...(upload.companion === null
      ? {}
      : {
          companion: {
            data: sha256Bytes(upload.companion.blob.sha256),
            kind: upload.companion.kind,
          },
        }),
  };
  return runWrite(
    dependencies.store,
    "attachments.recordUpload",
    { attachment: describeUpload(account, upload) },
    idempotencyClaim({
      method: AttachmentServiceDefinition.uploadAttachment,
      request: digestRequest,
      accountId: account.id,
      key: idempotencyKeyOf(undefined, metadata),
    }),
  );
}

async function writeFrame(
  call: ServerWritableStream<unknown, DownloadFrame>,
  frame: DownloadFrame,
): Promise<boolean> {
  if (call.cancelled) return false;
  // Real backpressure: a slow reader stops the file reads instead of filling memory.
  if (!call.write(frame)) return waitForDrain(call);
  return true;
}

async function streamBlob(
  dependencies: AttachmentServiceDependencies,
  call: ServerWritableStream<unknown, DownloadFrame>,
  sha256: string,
  frameOf: (chunk: Buffer) => DownloadFrame,
): Promise<boolean> {
  const reader = dependencies.blobs.read(sha256, downloadChunkBytes);
  try {
    for await (const chunk of reader) {
      if (!(await writeFrame(call, frameOf(chunk as Buffer)))) return false;
    }
    return true;
  } finally {
    reader.destroy();
  }
}

/**
 * `photon.imessage.v1.AttachmentService`. An attachment is visible to its uploader
 * (so it can check and send it) and to every account that can see a live message
 * carrying it; to anyone else it is NOT_FOUND. UploadAttachment answers only after the
 * files are fsync'd under their content address and the metadata row is committed;
 * with `x-idempotency-key` a retry gets the first answer.
 */
export function createAttachmentServiceImplementation(deps: AttachmentServiceDependencies) {
  const { store, config, blobs } = deps;
  return {
    getAttachmentInfo: unary<
      photon.imessage.v1.GetAttachmentInfoRequest,
      photon.imessage.v1.GetAttachmentInfoResponse.$Properties
    >(deps, (request, account) =>
      getAttachmentInfo(store.repositories, account, request.attachmentGuid),
    ),

    uploadAttachment: unary<photon.imessage.v1.UploadAttachmentRequest, UploadResponse>(
      deps,
      async (request, account, call) => {
        const data = request.data ?? new Uint8Array(0);
        const companionRequest = request.companion ?? null;
        const companionData = companionRequest?.data ?? new Uint8Array(0);
        checkNotEmpty(data.length, "data");
        if (companionRequest !== null) {
          checkCompanionKind(companionRequest.kind, "companion.kind");
          checkNotEmpty(companionData.length, "companion.data");
        }
        checkAttachmentSize(data.length + companionData.length, config.maxAttachmentBytes);
        const primary = { blob: await blobs.put(data), head: data.subarray(0, 4096) };
        const companion =
          companionRequest === null
            ? null
            : {
                blob: await blobs.put(companionData),
                head: companionData.subarray(0, 4096),
                kind: companionRequest.kind ?? 0,
              };
        return recordUploadOnce(deps, account, call.metadata, {
          fileName: request.fileName ?? "",
          primary,
          companion,
        });
      },
    ),

    downloadAttachment: serverStream<photon.imessage.v1.DownloadAttachmentRequest, DownloadFrame>(
      deps,
      async (request, account, call) => {
        const attachment = await visibleAttachment(
          store.repositories,
          account,
          request.attachmentGuid,
        );
        const header: DownloadFrame = {
          header: {
            attachment: attachmentInfo(attachment, attachment.uploaderAccountId === account.id),
            ...(attachment.companion === null
              ? {}
              : { companion: companionInfo(attachment.companion) }),
          },
        };
        if (!(await writeFrame(call, header))) return;
        const primaryDone = await streamBlob(deps, call, attachment.sha256, (chunk) => ({
          primaryChunk: chunk,
        }));
        if (!primaryDone || attachment.companion === null) return;
        await streamBlob(deps, call, attachment.companion.sha256, (chunk) => ({
          companionChunk: chunk,
        }));
      },
    ),
  } satisfies Record<keyof typeof AttachmentServiceDefinition, unknown>;
}
