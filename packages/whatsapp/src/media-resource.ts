import { invalidArgument, type Transport } from "@threadline/core";
import { WhatsAppMediaServiceDefinition } from "@threadline/protocol";
import type { RequestOptions } from "./messages-resource.js";

/** What `media.upload()` takes. */
export interface UploadOptions {
  readonly file: Uint8Array;
  /** The file's MIME type, e.g. `"image/jpeg"`. */
  readonly mimeType: string;
  readonly filename?: string;
}

/** What `media.upload()` resolves to. */
export interface UploadResult {
  /** Send it as `{ image: { id: mediaId } }` (or video, audio, document, sticker). */
  readonly mediaId: string;
}

/** What `media.getUrl()` resolves to. */
export interface MediaUrlResult {
  /** A short-lived download URL (fetch it with the access token). */
  readonly url: string;
  readonly mimeType: string;
  readonly sha256: string;
  readonly fileSize: number;
}

/** Media held by Meta for the business number. */
export interface MediaResource {
  /** Uploads a file (idempotent across retries). */
  upload(params: UploadOptions, options?: RequestOptions): Promise<UploadResult>;
  /** Resolves a media id (from an inbound message or an upload) to a download URL. */
  getUrl(mediaId: string, options?: RequestOptions): Promise<MediaUrlResult>;
  /** Deletes uploaded media. */
  delete(mediaId: string, options?: RequestOptions): Promise<void>;
}

const mimePattern = /^[a-z0-9!#$&^_.+-]+\/[a-z0-9!#$&^_.+-]+(\s*;.*)?$/i;

function checkMediaId(value: unknown): string {
  if (typeof value !== "string" || value.trim() === "" || value.length > 256) {
    throw invalidArgument(
      "mediaId",
      "a media id such as the one an upload or a message carries",
      value,
    );
  }
  return value;
}

/** @internal not covered by semver */
export function createMediaResource(transport: Transport): MediaResource {
  return {
    async upload(params, options) {
      if (typeof params !== "object" || params === null) {
        throw invalidArgument("upload params", "an object like { file, mimeType }", params);
      }
      const { file, mimeType, filename } = params;
      if (!(file instanceof Uint8Array) || file.byteLength === 0) {
        throw invalidArgument("file", "a non-empty Uint8Array or Buffer", file);
      }
      if (typeof mimeType !== "string" || !mimePattern.test(mimeType)) {
        throw invalidArgument("mimeType", 'a MIME type such as "image/jpeg"', mimeType);
      }
      if (filename !== undefined && (typeof filename !== "string" || filename === "")) {
        throw invalidArgument("filename", "a non-empty string when given", filename);
      }
      const answer = await transport.unary(
        WhatsAppMediaServiceDefinition.upload,
        { file, mimeType, ...(filename === undefined ? {} : { filename }) },
        {
          operation: "media.upload()",
          mutating: true,
          ...(options?.signal === undefined ? {} : { signal: options.signal }),
        },
      );
      return { mediaId: answer.mediaId };
    },
    async getUrl(mediaId, options) {
      const answer = await transport.unary(
        WhatsAppMediaServiceDefinition.getUrl,
        { mediaId: checkMediaId(mediaId) },
        {
          operation: "media.getUrl()",
          ...(options?.signal === undefined ? {} : { signal: options.signal }),
        },
      );
      return {
        url: answer.url,
        mimeType: answer.mimeType,
        sha256: answer.sha256,
        fileSize: answer.fileSize,
      };
    },
    async delete(mediaId, options) {
      await transport.unary(
        WhatsAppMediaServiceDefinition.delete,
        { mediaId: checkMediaId(mediaId) },
        {
          operation: "media.delete()",
          mutating: true,
          ...(options?.signal === undefined ? {} : { signal: options.signal }),
        },
      );
    },
  };
}
