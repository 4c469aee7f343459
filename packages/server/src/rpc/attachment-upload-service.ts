import type { AttachmentUploadServiceDefinition, photon, threadline } from "@threadline/protocol";
import { checkCompanionKind } from "../domain/attachment-operations.js";
import { maxUploadChunkBytes, type UploadSessions } from "../domain/attachment-upload-sessions.js";
import { invalidArgument } from "../errors/common-errors.js";
import { type AttachmentServiceDependencies, recordUploadOnce } from "./attachment-service.js";
import { unary } from "./handlers.js";

function uploadIdOf(value: string | null | undefined): string {
  if (value === undefined || value === null || value === "") {
    throw invalidArgument("upload_id is required: the id StartAttachmentUpload returned", {
      field: "upload_id",
    });
  }
  return value;
}

/**
 * `threadline.v1.AttachmentUploadService`: an upload in chunks, each written to a
 * temporary file as it arrives, so neither side holds the whole file. Finishing makes
 * the files durable and records them exactly like UploadAttachment (same answer, same
 * idempotency rules). Capability "threadline.attachment_upload".
 */
export function createAttachmentUploadServiceImplementation(
  deps: AttachmentServiceDependencies & { readonly uploads: UploadSessions },
) {
  const { uploads, config } = deps;
  return {
    startAttachmentUpload: unary<
      threadline.v1.StartAttachmentUploadRequest,
      threadline.v1.StartAttachmentUploadResponse.$Properties
    >(deps, async (request, account) => {
      const companionKind =
        request.companionKind === undefined || request.companionKind === null
          ? null
          : checkCompanionKind(request.companionKind, "companion_kind");
      const uploadId = await uploads.start(account, request.fileName ?? "", companionKind);
      return {
        uploadId,
        maxTotalBytes: config.maxAttachmentBytes,
        maxChunkBytes: maxUploadChunkBytes,
      };
    }),

    appendAttachmentChunk: unary<
      threadline.v1.AppendAttachmentChunkRequest,
      threadline.v1.AppendAttachmentChunkResponse.$Properties
    >(deps, async (request, account) => {
      const offset = request.offset ?? 0;
      if (!Number.isSafeInteger(offset) || offset < 0) {
        throw invalidArgument(`offset must be a non-negative integer; received ${offset}`, {
          field: "offset",
        });
      }
      const receivedBytes = await uploads.append(
        account,
        uploadIdOf(request.uploadId),
        offset,
        request.data ?? new Uint8Array(0),
        request.companion === true,
      );
      return { receivedBytes };
    }),

    finishAttachmentUpload: unary<
      threadline.v1.FinishAttachmentUploadRequest,
      photon.imessage.v1.UploadAttachmentResponse.$Properties
    >(deps, async (request, account, call) => {
      const completed = await uploads.finish(account, uploadIdOf(request.uploadId));
      return recordUploadOnce(deps, account, call.metadata, completed);
    }),
  } satisfies Record<keyof typeof AttachmentUploadServiceDefinition, unknown>;
}
