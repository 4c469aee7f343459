import { type ChildProcess, execFile, spawn } from "node:child_process";
import { readFileSync } from "node:fs";
import { fileURLToPath } from "node:url";
import { pino } from "pino";
import { executeWrite, runWrite } from "../src/domain/write-operations.js";
import type { LogEventInput } from "../src/index.js";
import { sqliteWriterThreadModule } from "../src/sqlite-writer-thread-module.js";
import { openSqliteStore, type SqliteStore } from "../src/storage/sqlite-store.js";

const cliPath = fileURLToPath(new URL("../bin/threadline-server.js", import.meta.url));

/** Opens a store for benchmarks (silent logger), committing on its writer thread as the server does. */
export function openBenchStore(path: string): SqliteStore {
  return openSqliteStore({
    path,
    logger: pino({ enabled: false }),
    execute: executeWrite,
    writerThread: { module: sqliteWriterThreadModule() },
  });
}

/** Creates an account and returns its id and token. */
export async function createBenchAccount(
  store: SqliteStore,
  address: string,
): Promise<{ id: number; token: string }> {
  const created = await runWrite(store, "accounts.create", { addresses: [address] });
  return { id: created.account.id, token: created.token };
}

/** A message event of realistic size (~150 bytes encoded). */
export function benchEvent(index: number): LogEventInput {
  return {
    kind: "message",
    event: {
      chatGuid: "any;-;bob@example.com",
      isFromMe: false,
      actor: { address: "bob@example.com" },
      messageReceived: {
        message: {
          guid: `bench-message-${index}`,
          content: {
            text: `benchmark message number ${index}, long enough to look like a chat line`,
          },
        },
      },
    },
  };
}

/** A `threadline-server start` child process. */
export interface BenchServer {
  readonly address: string;
  /** The WhatsApp webhook URL, when the server was started with `--http-port`. */
  readonly webhookUrl: string | undefined;
  readonly child: ChildProcess;
  /** Resident set size of the server process in bytes. */
  rss(): number;
  stop(): Promise<void>;
}

/** Starts the built CLI (or `cli`, another build of it) as a separate process on `dataPath`, port 0. */
export function startBenchServer(
  dataPath: string,
  extraArgs: readonly string[] = [],
  cli: string = cliPath,
): Promise<BenchServer> {
  // THREADLINE_BENCH_SERVER_NODE_ARGS (e.g. "--cpu-prof --cpu-prof-dir=/tmp/prof") goes to
  // the server's node only, so a profile shows the server and not the bench's clients.
  const nodeArgs = (process.env.THREADLINE_BENCH_SERVER_NODE_ARGS ?? "").split(" ").filter(Boolean);
  const child = spawn(
    process.execPath,
    [...nodeArgs, cli, "start", "--data", dataPath, "--port", "0", ...extraArgs],
    {
      stdio: ["ignore", "ignore", "pipe"],
    },
  );
  const exited = new Promise<void>((resolve) => child.once("exit", () => resolve()));
  let stderr = "";
  return new Promise((resolve, reject) => {
    child.stderr?.on("data", (chunk: Buffer) => {
      stderr += chunk.toString();
      const match = /listening on (\S+)/.exec(stderr);
      if (match?.[1] !== undefined) {
        resolve({
          address: match[1],
          webhookUrl: /WhatsApp webhooks on (\S+)/.exec(stderr)?.[1],
          child,
          rss() {
            const status = readFileSync(`/proc/${child.pid}/status`, "utf8");
            const kilobytes = /VmRSS:\s+(\d+) kB/.exec(status)?.[1];
            return Number(kilobytes ?? 0) * 1024;
          },
          async stop() {
            child.kill("SIGTERM");
            await exited;
          },
        });
      }
    });
    exited.then(() => reject(new Error(`server exited before listening:\n${stderr}`)));
  });
}

/** Median of a list of numbers. */
export function median(values: readonly number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  const middle = Math.floor(sorted.length / 2);
  return sorted.length % 2 === 1
    ? (sorted[middle] ?? 0)
    : ((sorted[middle - 1] ?? 0) + (sorted[middle] ?? 0)) / 2;
}

/** The value at `fraction` (0..1) of the sorted list. */
export function percentile(values: readonly number[], fraction: number): number {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.min(sorted.length - 1, Math.floor(fraction * sorted.length))] ?? 0;
}

/** Runs a command and resolves its stdout. */
export function run(command: string, args: readonly string[]): Promise<string> {
  return new Promise((resolve, reject) => {
    execFile(command, args, (error, stdout) => (error ? reject(error) : resolve(stdout)));
  });
}
