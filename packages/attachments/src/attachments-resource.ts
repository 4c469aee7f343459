import {
  type AttachmentInfo,
  type ClientContext,
  capability,
  invalidArgument,
  type ResourceFactory,
  resourceCallSettings,
  resourceWriteSettings,
  type TypedEventStream,
} from "@threadline/core";
import { AttachmentServiceDefinition } from "@threadline/protocol";
import type {
  AttachmentInput,
  DownloadAttachmentChunk,
  DownloadOptions,
  UploadAttachmentResult,
  UploadOptions,
} from "./attachment.js";
import {
  checkAttachmentGuid,
  checkBytes,
  checkFileName,
  checkOptionalCount,
} from "./attachment-arguments.js";
import {
  downloadChunkFromWire,
  requireAttachment,
  uploadResultFromWire,
} from "./attachment-mapping.js";
import { uploadInChunks } from "./chunked-upload.js";

/** Default unread chunks a download buffers before it stops reading from the server. */
export const defaultBufferedChunks = 4;

const liveVideoCompanion = 1;

/**
 * `im.attachments`: upload files, read their metadata and download them.
 *
 * An attachment is visible to the account that uploaded it and to everyone who can see
 * a message carrying it (`im.messages.sendAttachment(...)`); to anyone else it does not
 * exist (NotFoundError). Arguments are checked before any network call
 * (ValidationError saying what is allowed).
 */
export interface AttachmentsResource {
  /**
   * Uploads a file, and optionally a Live Photo's video as its companion. Resolves once
   * the server has stored bytes and metadata durably. The MIME type is taken from the
   * bytes by the server, not from the name. On a Threadline server the bytes go in
   * chunks, so neither side holds the whole file a second time; elsewhere in one call.
   * With `clientMessageId`, repeating the upload returns the first result.
   *
   * @throws ValidationError for a blank file name, empty bytes, or (from the server) a
   * file over its size limit, which the message names.
   */
  upload(input: AttachmentInput, options?: UploadOptions): Promise<UploadAttachmentResult>;
  /**
   * The metadata of an attachment.
   *
   * @throws ValidationError for a malformed GUID; NotFoundError when it does not exist
   * or the caller may not see it.
   */
  get(
    attachment: string,
    options?: { readonly signal?: AbortSignal; readonly timeoutMs?: number },
  ): Promise<AttachmentInfo>;
  /**
   * The attachment's bytes as a stream: a `header` frame, then `primaryChunk` frames
   * in order, then `companionChunk` frames. It pulls: while you do not read, at most a
   * few chunks are buffered and the server waits. Closing it (or `break`) cancels the
   * download at once.
   *
   * @throws ValidationError (synchronously) for a malformed GUID; the stream fails with
   * NotFoundError when the caller may not see the attachment.
   */
  downloadStream(
    attachment: string,
    options?: DownloadOptions,
  ): TypedEventStream<DownloadAttachmentChunk>;
}

function checkInput(input: unknown): AttachmentInput {
  if (typeof input !== "object" || input === null || Array.isArray(input)) {
    throw invalidArgument("input", "an object { fileName, data, companion? }", input);
  }
  const fileName = checkFileName("input.fileName", Reflect.get(input, "fileName"));
  const data = checkBytes("input.data", Reflect.get(input, "data"));
  const companion: unknown = Reflect.get(input, "companion");
  if (companion === undefined) return { fileName, data };
  if (typeof companion !== "object" || companion === null || Array.isArray(companion)) {
    throw invalidArgument("input.companion", "an object { data } or omitted", companion);
  }
  return {
    fileName,
    data,
    companion: { data: checkBytes("input.companion.data", Reflect.get(companion, "data")) },
  };
}

/**
 * Builds `im.attachments` on a client's {@link ClientContext}.
 *
 * @internal not covered by semver; use {@link attachments}.
 */
export function createAttachmentsResource(context: ClientContext): AttachmentsResource {
  return {
    async upload(input, options) {
      const checked = checkInput(input);
      const chunkBytes = checkOptionalCount(
        "options.chunkBytes",
        options === undefined || options === null ? undefined : Reflect.get(options, "chunkBytes"),
        64 * 1024 * 1024,
      );
      const { settings } = resourceWriteSettings("options", options);
      const operation = "attachments.upload()";
      const server = await context.serverCapabilities(operation);
      if (server.capabilities.has(capability.attachmentUpload)) {
        const read = resourceCallSettings("options", options);
        const response = await uploadInChunks(context, checked, {
          chunkBytes,
          read,
          write: settings,
        });
        return uploadResultFromWire(response, "FinishAttachmentUpload");
      }
      const response = await context.unary(
        AttachmentServiceDefinition.uploadAttachment,
        {
          fileName: checked.fileName,
          data: checked.data,
          ...(checked.companion === undefined
            ? {}
            : { companion: { data: checked.companion.data, kind: liveVideoCompanion } }),
        },
        { ...settings, operation },
      );
      return uploadResultFromWire(response, "UploadAttachment");
    },

    async get(attachment, options) {
      const guid = checkAttachmentGuid("attachment", attachment);
      const response = await context.unary(
        AttachmentServiceDefinition.getAttachmentInfo,
        { attachmentGuid: guid },
        { ...resourceCallSettings("options", options), operation: "attachments.get()" },
      );
      return requireAttachment(response.attachment, "GetAttachmentInfo");
    },

    downloadStream(attachment, options) {
      const guid = checkAttachmentGuid("attachment", attachment);
      if (options !== undefined && (typeof options !== "object" || options === null)) {
        throw invalidArgument(
          "options",
          "an object { signal?, bufferedChunks? } or omitted",
          options,
        );
      }
      const bufferedChunks =
        checkOptionalCount("options.bufferedChunks", options?.bufferedChunks, 1024) ??
        defaultBufferedChunks;
      const signal = options?.signal;
      if (signal !== undefined && !(signal instanceof AbortSignal)) {
        throw invalidArgument("options.signal", "an AbortSignal or omitted", signal);
      }
      return context.stream(
        AttachmentServiceDefinition.downloadAttachment,
        { attachmentGuid: guid },
        downloadChunkFromWire,
        {
          operation: "attachments.downloadStream()",
          highWaterMark: bufferedChunks,
          ...(signal === undefined ? {} : { signal }),
        },
      );
    },
  };
}

/**
 * The attachments resource. Add it when creating a client and use it as `im.attachments`:
 *
 * ```ts
 * const im = createClient({ address, token, resources: { attachments, messages } });
 * const { attachment } = await im.attachments.upload({ fileName: "photo.jpg", data });
 * await im.messages.sendAttachment(chat.guid, attachment.guid);
 * ```
 */
export const attachments: ResourceFactory<AttachmentsResource> = createAttachmentsResource;
