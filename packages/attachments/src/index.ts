/**
 * @threadline/attachments: upload, inspect and download attachments as `im.attachments`.
 *
 * ```ts
 * import { createClient } from "@threadline/core";
 * import { attachments } from "@threadline/attachments";
 * import { messages } from "@threadline/messages";
 *
 * const im = createClient({ address, token, resources: { attachments, messages } });
 * const { attachment } = await im.attachments.upload({ fileName: "photo.jpg", data });
 * await im.messages.sendAttachment(chatGuid, attachment.guid);
 * for await (const chunk of im.attachments.downloadStream(attachment.guid)) { ... }
 * ```
 */

export type { AttachmentInfo, CompanionKind, TransferState } from "@threadline/core";
export type {
  AttachmentInput,
  CompanionInfo,
  DownloadAttachmentChunk,
  DownloadOptions,
  UploadAttachmentResult,
  UploadOptions,
} from "./attachment.js";
export { maxFileNameLength } from "./attachment-arguments.js";
export {
  type AttachmentsResource,
  attachments,
  defaultBufferedChunks,
} from "./attachments-resource.js";
export { defaultChunkBytes } from "./chunked-upload.js";
