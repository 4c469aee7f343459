import { createRequire } from "node:module";
import { Worker } from "node:worker_threads";

/** What one checkpoint did, as `PRAGMA wal_checkpoint` reports it. */
export interface CheckpointResult {
  /** 1 when the checkpoint could not run to completion because of a lock. */
  readonly busy: number;
  /** Frames in the WAL. */
  readonly log: number;
  /** Frames copied back into the database file so far. */
  readonly checkpointed: number;
}

/** A second connection, on a worker thread, that checkpoints the WAL on a timer. */
export interface BackgroundCheckpointer {
  /** Runs one checkpoint now and resolves with what it did. */
  checkpoint(): Promise<CheckpointResult>;
  /** Stops the timer, closes the worker's connection and ends the thread. */
  close(): Promise<void>;
}

// The worker is evaluated from source, so the same code runs from src (tests) and from
// the bundle; it loads the driver from the path the main thread resolved.
const workerSource = `
const { parentPort, workerData } = require("node:worker_threads");
const Database = require(workerData.driver);
const db = new Database(workerData.path);
// Never sleep on a lock: a checkpoint that meets one simply copies less, or runs next time.
db.pragma("busy_timeout = 0");
db.pragma("synchronous = FULL");
function checkpoint() {
  const row = db.pragma("wal_checkpoint(PASSIVE)")[0];
  return { busy: row.busy, log: row.log, checkpointed: row.checkpointed };
}
function report(error) {
  parentPort.postMessage({ kind: "error", message: String(error && error.message || error) });
}
const timer = setInterval(() => {
  try { checkpoint(); } catch (error) { report(error); }
}, workerData.intervalMs);
parentPort.on("message", (message) => {
  if (message.kind === "checkpoint") {
    try { parentPort.postMessage({ kind: "checkpointed", id: message.id, result: checkpoint() }); }
    catch (error) { parentPort.postMessage({ kind: "failed", id: message.id, message: String(error && error.message || error) }); }
  } else if (message.kind === "close") {
    clearInterval(timer);
    db.close();
    parentPort.close();
  }
});
parentPort.postMessage({ kind: "ready" });
`;

type FromWorker =
  | { readonly kind: "ready" }
  | { readonly kind: "error"; readonly message: string }
  | { readonly kind: "checkpointed"; readonly id: number; readonly result: CheckpointResult }
  | { readonly kind: "failed"; readonly id: number; readonly message: string };

/**
 * Starts a worker thread with its own connection to `path` that runs a PASSIVE
 * checkpoint every `intervalMs`: the WAL's frames are copied into the database file,
 * with that copy's fsyncs, off the event loop. PASSIVE never takes the write lock, so
 * commits on the main connection go on meanwhile; once every frame is copied, the next
 * write transaction starts the WAL again from its beginning, so it stays bounded.
 * `onFailure` hears about a checkpoint that failed and about the thread ending early.
 */
export function startBackgroundCheckpointer(options: {
  readonly path: string;
  readonly intervalMs: number;
  readonly onFailure: (message: string) => void;
}): BackgroundCheckpointer {
  const driver = createRequire(import.meta.url).resolve("better-sqlite3");
  const worker = new Worker(workerSource, {
    eval: true,
    workerData: { path: options.path, intervalMs: options.intervalMs, driver },
  });
  // The timer in the worker must not keep the process alive on its own.
  worker.unref();
  const pending = new Map<
    number,
    { resolve: (result: CheckpointResult) => void; reject: (error: Error) => void }
  >();
  let nextId = 0;
  let closing = false;
  const exited = new Promise<void>((resolve) => worker.once("exit", () => resolve()));
  worker.on("message", (message: FromWorker) => {
    if (message.kind === "error") options.onFailure(message.message);
    if (message.kind === "checkpointed" || message.kind === "failed") {
      const waiting = pending.get(message.id);
      pending.delete(message.id);
      if (pending.size === 0 && !closing) worker.unref();
      if (message.kind === "checkpointed") waiting?.resolve(message.result);
      else waiting?.reject(new Error(`background checkpoint failed: ${message.message}`));
    }
  });
  worker.on("error", (error) => options.onFailure(error.message));
  exited.then(() => {
    for (const waiting of pending.values()) waiting.reject(new Error("the checkpointer ended"));
    pending.clear();
    if (!closing) options.onFailure("the checkpoint thread ended");
  });
  return {
    checkpoint() {
      if (closing) return Promise.reject(new Error("the checkpointer is closed"));
      const id = nextId++;
      // A caller waiting for a checkpoint keeps the process alive until it answers.
      worker.ref();
      return new Promise((resolve, reject) => {
        pending.set(id, { resolve, reject });
        worker.postMessage({ kind: "checkpoint", id });
      });
    },
    async close() {
      if (!closing) {
        closing = true;
        // Waiting for the thread to end must keep the process alive (it is unref'd for its
        // timer's sake); otherwise a process with nothing else left exits mid-close.
        worker.ref();
        worker.postMessage({ kind: "close" });
      }
      await exited;
    },
  };
}
