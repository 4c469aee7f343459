import { type AttachmentInfo, attachmentFromWire, ProtocolError } from "@threadline/core";
import type { photon } from "@threadline/protocol";
import type {
  CompanionInfo,
  DownloadAttachmentChunk,
  UploadAttachmentResult,
} from "./attachment.js";

/** The attachment of a response; a conforming server always sends one. */
export function requireAttachment(
  wire: photon.imessage.v1.AttachmentInfo | null | undefined,
  call: string,
): AttachmentInfo {
  if (wire === null || wire === undefined) {
    throw new ProtocolError(
      `the server's ${call} response has no attachment, which a conforming server always sends`,
      { context: { field: "attachment" } },
    );
  }
  return attachmentFromWire(wire);
}

/** A companion's metadata. */
export function companionFromWire(wire: photon.imessage.v1.CompanionInfo): CompanionInfo {
  return {
    fileName: wire.fileName ?? "",
    kind: wire.kind === 1 ? "live-photo-video" : "unknown",
    mimeType: wire.mimeType ?? "",
    totalBytes: Number(wire.totalBytes ?? 0),
  };
}

/** An UploadAttachment (or FinishAttachmentUpload) answer. */
export function uploadResultFromWire(
  wire: photon.imessage.v1.UploadAttachmentResponse,
  call: string,
): UploadAttachmentResult {
  const attachment = requireAttachment(wire.attachment, call);
  return wire.companion === null || wire.companion === undefined
    ? { attachment }
    : { attachment, companion: companionFromWire(wire.companion) };
}

/** One DownloadAttachment frame; a frame without a payload is a protocol error. */
export function downloadChunkFromWire(
  frame: photon.imessage.v1.DownloadAttachmentResponse,
): DownloadAttachmentChunk {
  if (frame.header !== null && frame.header !== undefined) {
    const info = requireAttachment(frame.header.attachment, "DownloadAttachment header");
    const companion = frame.header.companion;
    return companion === null || companion === undefined
      ? { type: "header", info }
      : { type: "header", info, companionInfo: companionFromWire(companion) };
  }
  if (frame.primaryChunk !== null && frame.primaryChunk !== undefined) {
    return { type: "primaryChunk", data: frame.primaryChunk };
  }
  if (frame.companionChunk !== null && frame.companionChunk !== undefined) {
    return { type: "companionChunk", data: frame.companionChunk };
  }
  throw new ProtocolError(
    "the server sent a DownloadAttachment frame with no header and no bytes, which the protocol does not allow",
    { context: { field: "payload" } },
  );
}
