import { type ChildProcess, spawn } from "node:child_process";
import { mkdtemp, rm } from "node:fs/promises";
import { createRequire } from "node:module";
import { tmpdir } from "node:os";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { peakBytes, resetPeak } from "./support/peak-memory.js";

const size = 50 * 1024 * 1024;
const maxGrowth = 64 * 1024 * 1024;
const cli = join(
  dirname(createRequire(import.meta.url).resolve("@threadline/server/package.json")),
  "bin",
  "threadline-server.js",
);
const transferClient = fileURLToPath(new URL("./support/transfer-client.ts", import.meta.url));

interface Output {
  readonly code: number | null;
  readonly stdout: string;
  readonly stderr: string;
}

function run(command: string, args: readonly string[]): Promise<Output> {
  return new Promise((resolve, reject) => {
    const child = spawn(command, args, { stdio: ["ignore", "pipe", "pipe"] });
    let stdout = "";
    let stderr = "";
    child.stdout.on("data", (chunk: Buffer) => {
      stdout += chunk.toString();
    });
    child.stderr.on("data", (chunk: Buffer) => {
      stderr += chunk.toString();
    });
    child.once("error", reject);
    child.once("close", (code) => resolve({ code, stdout, stderr }));
  });
}

let directory = "";
let server: ChildProcess | undefined;
let address = "";
let token = "";

beforeAll(async () => {
  directory = await mkdtemp(join(tmpdir(), "threadline-large-"));
  const dataPath = join(directory, "threadline.db");
  const added = await run(process.execPath, [
    cli,
    "accounts",
    "add",
    "alice@example.com",
    "--data",
    dataPath,
  ]);
  expect(added.code, added.stderr).toBe(0);
  token = added.stdout.trim();
  const child = spawn(process.execPath, [cli, "start", "--data", dataPath, "--port", "0"], {
    stdio: ["ignore", "ignore", "pipe"],
  });
  server = child;
  address = await new Promise<string>((resolve, reject) => {
    let stderr = "";
    child.stderr?.on("data", (chunk: Buffer) => {
      stderr += chunk.toString();
      const match = /listening on (\S+)/.exec(stderr);
      if (match?.[1] !== undefined) resolve(match[1]);
    });
    child.once("close", (code) => reject(new Error(`server exited (${code}):\n${stderr}`)));
  });
});

afterAll(async () => {
  if (server !== undefined && server.exitCode === null) {
    const exited = new Promise((resolve) => server?.once("close", resolve));
    server.kill("SIGTERM");
    await exited;
  }
  await rm(directory, { recursive: true, force: true });
});

async function transfer(args: readonly string[]) {
  const pid = server?.pid;
  if (pid === undefined) throw new Error("the server is not running");
  const serverBefore = resetPeak(pid);
  const result = await run(process.execPath, [
    "--expose-gc",
    "--import",
    "tsx",
    transferClient,
    ...args,
  ]);
  expect(result.code, result.stderr).toBe(0);
  const report = JSON.parse(result.stdout.trim());
  return {
    report,
    serverGrowth: peakBytes(pid) - serverBefore,
    clientGrowth: Number(report.peak) - Number(report.before),
  };
}

describe("a 50 MB attachment, server and client in their own processes", () => {
  it("uploads and downloads with each side's resident memory growing by at most 64 MB", async () => {
    const upload = await transfer(["upload", address, token, String(size)]);
    const download = await transfer(["download", address, token, upload.report.guid]);
    const mib = (bytes: number) => `${(bytes / 1024 / 1024).toFixed(1)} MiB`;
    console.log(
      `50 MB upload: client +${mib(upload.clientGrowth)}, server +${mib(upload.serverGrowth)}; ` +
        `download: client +${mib(download.clientGrowth)}, server +${mib(download.serverGrowth)}`,
    );
    expect(download.report.bytes).toBe(size);
    expect(download.report.sha256).toBe(upload.report.sha256);
    expect(upload.clientGrowth).toBeLessThanOrEqual(maxGrowth);
    expect(upload.serverGrowth).toBeLessThanOrEqual(maxGrowth);
    expect(download.clientGrowth).toBeLessThanOrEqual(maxGrowth);
    expect(download.serverGrowth).toBeLessThanOrEqual(maxGrowth);
  }, 120_000);
});
