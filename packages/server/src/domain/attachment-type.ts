import { detectImageType } from "./image-type.js";

/** A detected file type: its MIME type and Apple's Uniform Type Identifier. */
export interface AttachmentType {
  readonly mimeType: string;
  readonly uti: string;
}

/** What the server calls bytes it does not recognise. */
export const unknownAttachmentType: AttachmentType = {
  mimeType: "application/octet-stream",
  uti: "public.data",
};

function ascii(bytes: Uint8Array, start: number, end: number): string {
  return String.fromCharCode(...bytes.subarray(start, Math.min(end, bytes.length)));
}

function startsWith(bytes: Uint8Array, signature: readonly number[], offset = 0): boolean {
  return (
    bytes.length >= offset + signature.length &&
    signature.every((value, index) => bytes[offset + index] === value)
  );
}

const imageUtis: Readonly<Record<string, string>> = {
  "image/jpeg": "public.jpeg",
  "image/png": "public.png",
  "image/heic": "public.heic",
  "image/heif": "public.heif",
};

// ISO base media files (MP4, QuickTime, M4A) name their kind in the `ftyp` box's brand.
function isoMediaType(bytes: Uint8Array): AttachmentType | undefined {
  if (ascii(bytes, 4, 8) !== "ftyp") return undefined;
  const brand = ascii(bytes, 8, 12);
  if (brand === "qt  ") return { mimeType: "video/quicktime", uti: "com.apple.quicktime-movie" };
  if (brand === "M4A " || brand === "M4B ") {
    return { mimeType: "audio/mp4", uti: "com.apple.m4a-audio" };
  }
  if (brand.startsWith("3gp")) return { mimeType: "video/3gpp", uti: "public.3gpp" };
  return { mimeType: "video/mp4", uti: "public.mpeg-4" };
}

const textControls: ReadonlySet<number> = new Set([0x09, 0x0a, 0x0c, 0x0d]);

function isUtf8Text(bytes: Uint8Array): boolean {
  if (bytes.length === 0) return false;
  // A multi-byte character may be cut at the end of the sniffed head; drop up to 3 bytes.
  for (let trim = 0; trim <= Math.min(3, bytes.length - 1); trim += 1) {
    try {
      const text = new TextDecoder("utf-8", { fatal: true }).decode(
        bytes.subarray(0, bytes.length - trim),
      );
      // Control characters other than tab, line feed, form feed and carriage return mean binary.
      for (let index = 0; index < text.length; index += 1) {
        const code = text.charCodeAt(index);
        if ((code < 0x20 && !textControls.has(code)) || code === 0x7f) return false;
      }
      return true;
    } catch {
      // try one byte shorter
    }
  }
  return false;
}

/**
 * The type of a file from its leading bytes (4 KiB are plenty): images (JPEG, PNG,
 * HEIC, HEIF, GIF, WebP, TIFF), video and audio (MP4, QuickTime, M4A, MP3, WAV, CAF,
 * AMR), PDF, ZIP and UTF-8 text; anything else is `application/octet-stream`. The
 * name the uploader gave is never consulted, so a renamed file keeps its real type.
 */
export function detectAttachmentType(head: Uint8Array): AttachmentType {
  const image = detectImageType(head);
  if (image !== undefined) return { mimeType: image, uti: imageUtis[image] ?? "public.image" };
  if (ascii(head, 0, 6) === "GIF87a" || ascii(head, 0, 6) === "GIF89a") {
    return { mimeType: "image/gif", uti: "com.compuserve.gif" };
  }
  if (ascii(head, 0, 4) === "RIFF" && ascii(head, 8, 12) === "WEBP") {
    return { mimeType: "image/webp", uti: "org.webmproject.webp" };
  }
  if (ascii(head, 0, 4) === "RIFF" && ascii(head, 8, 12) === "WAVE") {
    return { mimeType: "audio/wav", uti: "com.microsoft.waveform-audio" };
  }
  if (startsWith(head, [0x49, 0x49, 0x2a, 0x00]) || startsWith(head, [0x4d, 0x4d, 0x00, 0x2a])) {
    return { mimeType: "image/tiff", uti: "public.tiff" };
  }
  const media = isoMediaType(head);
  if (media !== undefined) return media;
  if (ascii(head, 0, 4) === "caff")
    return { mimeType: "audio/x-caf", uti: "com.apple.coreaudio-format" };
  if (ascii(head, 0, 6) === "#!AMR\n")
    return { mimeType: "audio/amr", uti: "org.3gpp.adaptive-multi-rate-audio" };
  if (
    ascii(head, 0, 3) === "ID3" ||
    (head.length >= 2 && head[0] === 0xff && ((head[1] ?? 0) & 0xe6) === 0xe2)
  ) {
    return { mimeType: "audio/mpeg", uti: "public.mp3" };
  }
  if (ascii(head, 0, 5) === "%PDF-") return { mimeType: "application/pdf", uti: "com.adobe.pdf" };
  if (startsWith(head, [0x50, 0x4b, 0x03, 0x04]))
    return { mimeType: "application/zip", uti: "public.zip-archive" };
  if (isUtf8Text(head)) return { mimeType: "text/plain", uti: "public.plain-text" };
  return unknownAttachmentType;
}
