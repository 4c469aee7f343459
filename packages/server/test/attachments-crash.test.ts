import { mkdtemp, readdir, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { Metadata, status } from "@grpc/grpc-js";
import {
  AttachmentServiceDefinition,
  AttachmentUploadServiceDefinition,
  type photon,
  type threadline,
} from "@threadline/protocol";
import BetterSqlite3 from "better-sqlite3";
import { afterEach, beforeAll, beforeEach, describe, expect, it } from "vitest";
import { pngBytes, sha256 } from "./support/attachment-harness.js";
import {
  assertCliBuilt,
  runCli,
  type ServerProcess,
  startServerProcess,
} from "./support/cli-process.js";
import { collect, createRawClient, type RawClient, rejectionOf } from "./support/grpc-client.js";

type UploadResponse = photon.imessage.v1.UploadAttachmentResponse;

let directory = "";
let dataPath = "";
const started: ServerProcess[] = [];
const clients: RawClient[] = [];

beforeAll(() => {
  assertCliBuilt();
});
beforeEach(async () => {
  directory = await mkdtemp(join(tmpdir(), "threadline-attachment-crash-"));
  dataPath = join(directory, "threadline.db");
});
afterEach(async () => {
  for (const client of clients.splice(0)) client.close();
  for (const server of started.splice(0)) {
    if (server.child.exitCode === null && server.child.signalCode === null)
      server.child.kill("SIGKILL");
    await server.exited;
  }
  await rm(directory, { recursive: true, force: true });
});

async function start(): Promise<ServerProcess> {
  const server = await startServerProcess(["--data", dataPath, "--port", "0"]);
  started.push(server);
  return server;
}

async function killHard(server: ServerProcess): Promise<void> {
  server.child.kill("SIGKILL");
  expect(await server.exited).toBe("SIGKILL");
}

function connect(server: ServerProcess, token: string) {
  const uploads = createRawClient(server.address, AttachmentUploadServiceDefinition, token);
  const attachments = createRawClient(server.address, AttachmentServiceDefinition, token);
  clients.push(uploads, attachments);
  const keyed = (key: string) => {
    const metadata = new Metadata();
    metadata.set("authorization", `Bearer ${token}`);
    metadata.set("x-idempotency-key", key);
    return metadata;
  };
  return {
    start: (fileName: string) =>
      uploads.unary<threadline.v1.StartAttachmentUploadResponse>("startAttachmentUpload", {
        fileName,
      }),
    append: (uploadId: string, offset: number, data: Uint8Array) =>
      uploads.unary<threadline.v1.AppendAttachmentChunkResponse>("appendAttachmentChunk", {
        uploadId,
        offset,
        data,
      }),
    finish: (uploadId: string, key: string) =>
      uploads.unary<UploadResponse>("finishAttachmentUpload", { uploadId }, keyed(key)),
    uploadWhole: (fileName: string, data: Uint8Array, key: string) =>
      attachments.unary<UploadResponse>("uploadAttachment", { fileName, data }, keyed(key)),
    async download(guid: string): Promise<Buffer> {
      const frames = await collect<photon.imessage.v1.DownloadAttachmentResponse>(
        attachments.stream("downloadAttachment", { attachmentGuid: guid }),
      );
      return Buffer.concat(
        frames.flatMap((frame) => (frame.primaryChunk ? [Buffer.from(frame.primaryChunk)] : [])),
      );
    },
  };
}

async function chunkedUpload(
  client: ReturnType<typeof connect>,
  data: Uint8Array,
  key: string,
): Promise<UploadResponse> {
  const { uploadId } = await client.start("photo.png");
  for (let offset = 0; offset < data.length; offset += 256 * 1024) {
    await client.append(uploadId, offset, data.subarray(offset, offset + 256 * 1024));
  }
  return client.finish(uploadId, key);
}

function attachmentRows(): number {
  const db = new BetterSqlite3(dataPath, { readonly: true });
  try {
    return (db.prepare("SELECT COUNT(*) AS count FROM attachments").get() as { count: number })
      .count;
  } finally {
    db.close();
  }
}

const attachmentDirectory = () => `${dataPath}.attachments`;

describe("attachments survive kill -9", () => {
  it("an upload killed half way leaves nothing visible; after the restart the retry with the same key is stored once", async () => {
    const added = await runCli(["accounts", "add", "alice@example.com", "--data", dataPath]);
    expect(added.code).toBe(0);
    const token = added.stdout.trim();
    const data = pngBytes(1024 * 1024 + 100);

    const first = await start();
    const before = connect(first, token);
    const { uploadId } = await before.start("photo.png");
    await before.append(uploadId, 0, data.subarray(0, 512 * 1024));
    await before.append(uploadId, 512 * 1024, data.subarray(512 * 1024, 768 * 1024));
    await killHard(first);
    // The half upload is on disk only as a temporary file, and no row names it.
    expect(await readdir(join(attachmentDirectory(), "incoming"))).toHaveLength(1);
    expect(await readdir(join(attachmentDirectory(), "blobs"))).toEqual([]);
    expect(attachmentRows()).toBe(0);
    // A blob whose row never committed (a crash between rename and commit) looks like this.
    const orphan = "ab".repeat(32);
    await writeFile(join(attachmentDirectory(), "blobs", orphan), "orphan");

    const second = await start();
    const after = connect(second, token);
    expect(await readdir(join(attachmentDirectory(), "incoming"))).toEqual([]);
    expect(await readdir(join(attachmentDirectory(), "blobs"))).toEqual([]);
    const lost = await rejectionOf(after.append(uploadId, 768 * 1024, data.subarray(768 * 1024)));
    expect(lost.code).toBe(status.NOT_FOUND);
    expect(lost.details).toContain("server restart");

    const stored = await chunkedUpload(after, data, "photo-key");
    const retried = await chunkedUpload(after, data, "photo-key");
    const retriedWhole = await after.uploadWhole("photo.png", data, "photo-key");
    expect(retried.attachment?.guid).toBe(stored.attachment?.guid);
    expect(retriedWhole.attachment?.guid).toBe(stored.attachment?.guid);
    expect(attachmentRows()).toBe(1);
    expect(sha256(await after.download(stored.attachment?.guid ?? ""))).toBe(sha256(data));

    // The committed attachment survives the next kill -9 whole.
    await killHard(second);
    const third = await start();
    const later = connect(third, token);
    expect(sha256(await later.download(stored.attachment?.guid ?? ""))).toBe(sha256(data));
  });
});
