import { createHash } from "node:crypto";
import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import type { Metadata, ServiceError } from "@grpc/grpc-js";
import {
  AttachmentServiceDefinition,
  AttachmentUploadServiceDefinition,
  ChatServiceDefinition,
  EventServiceDefinition,
  MessageServiceDefinition,
  type photon,
  type threadline,
} from "@threadline/protocol";
import { startServer, type ThreadlineServer } from "../../src/server.js";
import { bearer, collect, createRawClient, type RawClient } from "./grpc-client.js";

type DownloadFrame = photon.imessage.v1.DownloadAttachmentResponse;

/** One account's raw clients for the attachment, upload, message, chat and event services. */
export interface AttachmentAccount {
  readonly address: string;
  readonly token: string;
  readonly attachments: RawClient;
  readonly uploads: RawClient;
  readonly messages: RawClient;
  readonly chats: RawClient;
  readonly events: RawClient;
  /** Metadata with the bearer token and, when given, `x-idempotency-key`. */
  metadata(idempotencyKey?: string): Metadata;
  upload(
    request: photon.imessage.v1.UploadAttachmentRequest.$Properties,
    idempotencyKey?: string,
  ): Promise<photon.imessage.v1.UploadAttachmentResponse>;
  download(guid: string): Promise<{
    header: photon.imessage.v1.DownloadHeader | null | undefined;
    primary: Buffer;
    companion: Buffer;
    frames: number;
  }>;
  /** Creates (or finds) the direct chat with `other` and returns its GUID from this side. */
  directChat(other: string): Promise<string>;
  catchUp(): Promise<photon.imessage.v1.CatchUpEventsResponse[]>;
  startUpload(
    request: threadline.v1.StartAttachmentUploadRequest.$Properties,
  ): Promise<threadline.v1.StartAttachmentUploadResponse>;
  append(
    request: threadline.v1.AppendAttachmentChunkRequest.$Properties,
  ): Promise<threadline.v1.AppendAttachmentChunkResponse>;
  finish(
    uploadId: string,
    idempotencyKey?: string,
  ): Promise<photon.imessage.v1.UploadAttachmentResponse>;
}

/** A server on a temporary directory with `maxAttachmentBytes`, and a way to add accounts. */
export interface AttachmentHarness {
  readonly server: ThreadlineServer;
  readonly directory: string;
  account(address: string): Promise<AttachmentAccount>;
  close(): Promise<void>;
}

/** The SHA-256 of bytes as hex. */
export function sha256(bytes: Uint8Array): string {
  return createHash("sha256").update(bytes).digest("hex");
}

/** A status error's `error-code` trailer. */
export function errorCodeOf(error: ServiceError): string | undefined {
  const value = error.metadata?.get("error-code")[0];
  return typeof value === "string" ? value : undefined;
}

/** Starts the real server with the given attachment limit on a temporary directory. */
export async function startAttachmentHarness(
  options: { readonly maxAttachmentBytes?: number } = {},
): Promise<AttachmentHarness> {
  const directory = await mkdtemp(join(tmpdir(), "threadline-attachments-"));
  const server = await startServer({
    dataPath: join(directory, "threadline.db"),
    port: 0,
    logger: false,
    ...(options.maxAttachmentBytes === undefined
      ? {}
      : { maxAttachmentBytes: options.maxAttachmentBytes }),
  });
  const clients: RawClient[] = [];
  return {
    server,
    directory,
    async account(address) {
      const { token } = await server.accounts.create([address]);
      const client = (definition: Parameters<typeof createRawClient>[1]) => {
        const created = createRawClient(server.address, definition, token);
        clients.push(created);
        return created;
      };
      const attachments = client(AttachmentServiceDefinition);
      const uploads = client(AttachmentUploadServiceDefinition);
      const messages = client(MessageServiceDefinition);
      const chats = client(ChatServiceDefinition);
      const events = client(EventServiceDefinition);
      const metadata = (idempotencyKey?: string) => {
        const value = bearer(token);
        if (idempotencyKey !== undefined) value.set("x-idempotency-key", idempotencyKey);
        return value;
      };
      return {
        address,
        token,
        attachments,
        uploads,
        messages,
        chats,
        events,
        metadata,
        upload: (request, key) => attachments.unary("uploadAttachment", request, metadata(key)),
        async download(guid) {
          const frames = await collect<DownloadFrame>(
            attachments.stream("downloadAttachment", { attachmentGuid: guid }),
          );
          const primary: Buffer[] = [];
          const companion: Buffer[] = [];
          for (const frame of frames.slice(1)) {
            if (frame.primaryChunk) primary.push(Buffer.from(frame.primaryChunk));
            if (frame.companionChunk) companion.push(Buffer.from(frame.companionChunk));
          }
          return {
            header: frames[0]?.header,
            primary: Buffer.concat(primary),
            companion: Buffer.concat(companion),
            frames: frames.length,
          };
        },
        async directChat(other) {
          const response = await chats.unary<photon.imessage.v1.CreateChatResponse>("createChat", {
            addresses: [other],
          });
          return response.chat?.guid ?? "";
        },
        async catchUp() {
          const frames = await collect<photon.imessage.v1.CatchUpEventsResponse>(
            events.stream("catchUpEvents", {}),
          );
          return frames.filter((frame) => frame.payload !== "complete");
        },
        startUpload: (request) => uploads.unary("startAttachmentUpload", request),
        append: (request) => uploads.unary("appendAttachmentChunk", request),
        finish: (uploadId, key) =>
          uploads.unary("finishAttachmentUpload", { uploadId }, metadata(key)),
      };
    },
    async close() {
      for (const client of clients.splice(0)) client.close();
      await server.close({ graceMs: 1000 });
      await rm(directory, { recursive: true, force: true });
    },
  };
}

/** A PNG signature followed by `size - 8` bytes of a repeatable pattern. */
export function pngBytes(size: number, seed = 1): Buffer {
  const bytes = Buffer.alloc(size);
  for (let index = 0; index < size; index += 1) bytes[index] = (index * 31 + seed) & 0xff;
  Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]).copy(bytes, 0);
  return bytes;
}
