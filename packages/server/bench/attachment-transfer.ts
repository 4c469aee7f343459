import { spawn } from "node:child_process";
import { connect } from "node:net";
import { loadavg } from "node:os";
import { join } from "node:path";
import { createInterface } from "node:readline";
import {
  type Client,
  credentials,
  Metadata,
  makeGenericClientConstructor,
  type ServiceDefinition,
} from "@grpc/grpc-js";
import {
  AttachmentServiceDefinition,
  AttachmentUploadServiceDefinition,
  type photon,
  type threadline,
} from "@threadline/protocol";
import { createBenchAccount, median, openBenchStore, startBenchServer } from "./bench-support.js";

const mebibyte = 1024 * 1024;

// A raw TCP peer in its own process: "sink" reads a connection to its end and answers
// "ok"; "source" writes `bytes` to each connection, waiting for drain, and ends it.
const rawPeer = `
const net = require("node:net");
const [mode, total] = process.argv.slice(1);
const block = Buffer.alloc(1024 * 1024, 7);
const server = net.createServer((socket) => {
  if (mode === "sink") {
    socket.on("data", () => {});
    socket.on("end", () => socket.end("ok"));
    return;
  }
  let left = Number(total);
  const pump = () => {
    while (left > 0) {
      const piece = left >= block.length ? block : block.subarray(0, left);
      left -= piece.length;
      if (!socket.write(piece)) return socket.once("drain", pump);
    }
    socket.end();
  };
  pump();
});
server.listen(0, "127.0.0.1", () => console.log(server.address().port));
process.stdin.on("end", () => process.exit(0));
process.stdin.resume();
`;

async function startRawPeer(mode: "sink" | "source", bytes: number) {
  const child = spawn(process.execPath, ["-e", rawPeer, mode, String(bytes)], {
    stdio: ["pipe", "pipe", "inherit"],
  });
  const port = await new Promise<number>((resolve, reject) => {
    createInterface({ input: child.stdout }).once("line", (line) => resolve(Number(line)));
    child.once("exit", (code) => reject(new Error(`raw TCP peer exited with ${code}`)));
  });
  const exited = new Promise<void>((resolve) => child.once("exit", () => resolve()));
  return {
    port,
    async stop() {
      child.stdin.end();
      await exited;
    },
  };
}

function rawUpload(port: number, data: Buffer): Promise<void> {
  return new Promise((resolve, reject) => {
    const socket = connect(port, "127.0.0.1", () => {
      let offset = 0;
      const pump = (): void => {
        while (offset < data.length) {
          const piece = data.subarray(offset, offset + mebibyte);
          offset += piece.length;
          if (!socket.write(piece)) {
            socket.once("drain", pump);
            return;
          }
        }
        socket.end();
      };
      pump();
    });
    socket.on("data", () => resolve());
    socket.on("error", reject);
  });
}

function rawDownload(port: number, bytes: number): Promise<void> {
  return new Promise((resolve, reject) => {
    let received = 0;
    const socket = connect(port, "127.0.0.1");
    socket.on("data", (chunk: Buffer) => {
      received += chunk.length;
    });
    socket.on("end", () =>
      received === bytes ? resolve() : reject(new Error(`raw download got ${received} bytes`)),
    );
    socket.on("error", reject);
  });
}

type Callable = (...args: unknown[]) => unknown;

function grpcClient(address: string, definition: ServiceDefinition): Client {
  const Constructor = makeGenericClientConstructor(definition, "Service");
  return new Constructor(address, credentials.createInsecure(), {
    "grpc.max_send_message_length": -1,
    "grpc.max_receive_message_length": -1,
  });
}

function unary<Response>(
  client: Client,
  method: string,
  request: unknown,
  metadata: Metadata,
): Promise<Response> {
  const call = Reflect.get(client, method);
  if (typeof call !== "function") throw new Error(`no method ${method}`);
  return new Promise((resolve, reject) => {
    (call as Callable).call(client, request, metadata, (error: Error | null, response: Response) =>
      error ? reject(error) : resolve(response),
    );
  });
}

/** MiB/s of moving `bytes` in `milliseconds`. */
function rate(bytes: number, milliseconds: number): number {
  return bytes / mebibyte / (milliseconds / 1000);
}

async function timed(action: () => Promise<unknown>): Promise<number> {
  const started = performance.now();
  await action();
  return performance.now() - started;
}

/**
 * Upload and download MiB/s of one file (default 50 MiB) through the server in its own
 * process (chunked upload as `@threadline/attachments` does it, the published
 * one-message UploadAttachment, and the DownloadAttachment stream), beside a raw
 * loopback TCP copy of the same bytes to and from another process, in interleaved
 * rounds. Returns the table to print.
 */
export async function attachmentTransferTable(
  directory: string,
  runs: number,
  bytes = 50 * mebibyte,
): Promise<string> {
  const dataPath = join(directory, "attachments.db");
  const store = openBenchStore(dataPath);
  const account = await createBenchAccount(store, "files@example.com");
  await store.close();
  const server = await startBenchServer(dataPath);
  const sink = await startRawPeer("sink", bytes);
  const source = await startRawPeer("source", bytes);
  const uploads = grpcClient(server.address, AttachmentUploadServiceDefinition);
  const attachments = grpcClient(server.address, AttachmentServiceDefinition);
  const metadata = new Metadata();
  metadata.set("authorization", `Bearer ${account.token}`);
  const data = Buffer.alloc(bytes);
  for (let index = 0; index < bytes; index += 1) data[index] = (index * 31) & 0xff;
  data.set([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a], 0);
  let uploadedGuid = "";

  const variants: Record<string, () => Promise<unknown>> = {
    "raw TCP upload": () => rawUpload(sink.port, data),
    "chunked upload (2 MiB chunks)": async () => {
      const started = await unary<threadline.v1.StartAttachmentUploadResponse>(
        uploads,
        "startAttachmentUpload",
        { fileName: "bench.png" },
        metadata,
      );
      for (let offset = 0; offset < bytes; offset += 2 * mebibyte) {
        await unary(
          uploads,
          "appendAttachmentChunk",
          {
            uploadId: started.uploadId,
            offset,
            data: data.subarray(offset, offset + 2 * mebibyte),
          },
          metadata,
        );
      }
      const finished = await unary<photon.imessage.v1.UploadAttachmentResponse>(
        uploads,
        "finishAttachmentUpload",
        { uploadId: started.uploadId },
        metadata,
      );
      uploadedGuid = finished.attachment?.guid ?? "";
    },
    "UploadAttachment (one message)": () =>
      unary(attachments, "uploadAttachment", { fileName: "bench.png", data }, metadata),
    "raw TCP download": () => rawDownload(source.port, bytes),
    "DownloadAttachment stream": () =>
      new Promise<void>((resolve, reject) => {
        const call = Reflect.get(attachments, "downloadAttachment");
        if (typeof call !== "function") throw new Error("no downloadAttachment");
        const stream = (call as Callable).call(
          attachments,
          { attachmentGuid: uploadedGuid },
          metadata,
        ) as NodeJS.EventEmitter;
        let received = 0;
        stream.on("data", (frame: photon.imessage.v1.DownloadAttachmentResponse) => {
          received += frame.primaryChunk?.length ?? 0;
        });
        stream.on("error", reject);
        stream.on("end", () =>
          received === bytes ? resolve() : reject(new Error(`download got ${received} bytes`)),
        );
      }),
  };
  const names = Object.keys(variants);
  const results = new Map<string, number[]>(names.map((name) => [name, []]));
  const loadBefore = loadavg();
  try {
    // One warm-up round, then interleaved rounds, each starting at another variant
    // (the download needs an upload first, so uploads come before downloads in a round).
    for (let round = -1; round < runs; round += 1) {
      const uploadsFirst = names.slice(0, 3);
      const downloads = names.slice(3);
      const shift = Math.max(round, 0);
      const order = [
        ...uploadsFirst.slice(shift % 3),
        ...uploadsFirst.slice(0, shift % 3),
        ...downloads.slice(shift % 2),
        ...downloads.slice(0, shift % 2),
      ];
      for (const name of order) {
        const action = variants[name];
        if (action === undefined) continue;
        const milliseconds = await timed(action);
        if (round >= 0) results.get(name)?.push(rate(bytes, milliseconds));
      }
    }
  } finally {
    uploads.close();
    attachments.close();
    await sink.stop();
    await source.stop();
    await server.stop();
  }
  const medianOf = (name: string) => median(results.get(name) ?? []);
  const rawUp = medianOf("raw TCP upload");
  const rawDown = medianOf("raw TCP download");
  const lines = [
    `Attachment transfer of ${bytes / mebibyte} MiB, server in its own process (MiB/s, medians of ${runs} interleaved rounds; load average ${loadBefore.map((value) => value.toFixed(2)).join(" ")} before, ${loadavg()
      .map((value) => value.toFixed(2))
      .join(" ")} after)`,
    "| Transfer                         | MiB/s   | vs raw TCP | Rounds |",
    "|----------------------------------|---------|------------|--------|",
  ];
  for (const name of names) {
    const value = medianOf(name);
    const raw = /download/i.test(name) ? rawDown : rawUp;
    const versus = name.startsWith("raw") ? "-" : `${((value / raw) * 100).toFixed(0)} %`;
    lines.push(
      `| ${name.padEnd(32)} | ${value.toFixed(0).padStart(7)} | ${versus.padStart(10)} | ${(results.get(name) ?? []).map((v) => v.toFixed(0)).join(", ")} |`,
    );
  }
  lines.push("Goal: each gRPC transfer at least 50 % of the raw TCP copy in the same direction.");
  return lines.join("\n");
}
