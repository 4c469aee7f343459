import { readFileSync } from "node:fs";
import { createRequire } from "node:module";
import { dirname, join } from "node:path";
import { fileURLToPath, pathToFileURL } from "node:url";
import { Worker } from "node:worker_threads";
import { errorFromTransfer, type TransferredError } from "../errors/error-transfer.js";
import type { LoggedEvent } from "./repositories/event-log-repository.js";
import type {
  FromWriterThread,
  ToWriterThread,
  WriterThreadSettings,
} from "./sqlite-writer-protocol.js";
import type { WriteRequest } from "./write-context.js";

/** Options of {@link startSqliteWriterThread}. */
export interface SqliteWriterThreadOptions {
  /**
   * The writer thread's entry module: it calls `serveSqliteWrites(executeWrite)`. A
   * `.ts` module (tests running from source) is started through tsx.
   */
  readonly module: URL;
  readonly settings: WriterThreadSettings;
  /** After each durable COMMIT, before its writes are settled: its size and duration. */
  readonly onCommitMeasured: (writes: number, seconds: number) => void;
  /** After each durable COMMIT, once its writes are settled: the events, in commit order. */
  readonly onCommitted: (events: readonly LoggedEvent[]) => void;
  readonly onAvailabilityChange: (available: boolean) => void;
  /** The thread has opened the write connection. */
  readonly onReady: () => void;
  /** What the thread wants logged, with `err` rebuilt as an Error. */
  readonly logError: (fields: Readonly<Record<string, unknown>>, message: string) => void;
}

/** The main thread's handle on SQLite's writer thread. */
export interface SqliteWriterThread {
  /** Posts a named write; settles once it is durable (or refused). */
  run(request: WriteRequest): Promise<unknown>;
  /** Sets the write connection's `wal_autocheckpoint`. */
  setAutocheckpoint(pages: number): void;
  /** Commits every write posted so far, closes the connection and ends the thread. */
  close(): Promise<void>;
}

interface Pending {
  readonly resolve: (value: unknown) => void;
  readonly reject: (error: unknown) => void;
}

function isTypeScriptModule(module: URL): boolean {
  return module.protocol === "file:" && /\.[cm]?ts$/.test(module.pathname);
}

/** tsx's ESM API (`tsx/esm/api`, its `import` condition), resolved from `module`. */
function tsxLoaderUrl(module: URL): string {
  const manifestPath = createRequire(module).resolve("tsx/package.json");
  const manifest: unknown = JSON.parse(readFileSync(manifestPath, "utf8"));
  const entry: unknown = Reflect.get(
    Reflect.get(
      Reflect.get(Reflect.get(Object(manifest), "exports") ?? {}, "./esm/api") ?? {},
      "import",
    ) ?? {},
    "default",
  );
  if (typeof entry !== "string") {
    throw new Error(
      `cannot find tsx's ESM API in ${manifestPath}, needed to start a TypeScript writer thread`,
    );
  }
  return pathToFileURL(join(dirname(manifestPath), entry)).href;
}

/**
 * Starts the thread on `module`. A TypeScript module (tests and tools running from
 * source) is imported by a small bootstrap that first registers tsx's loader in the
 * thread: `--import tsx` in a worker's `execArgv` does not reach its entry module.
 */
function startWorker(module: URL, workerData: WriterThreadSettings): Worker {
  if (!isTypeScriptModule(module)) return new Worker(fileURLToPath(module), { workerData });
  const loader = tsxLoaderUrl(module);
  const bootstrap = `import(${JSON.stringify(loader)}).then((tsx) => { tsx.register(); return import(${JSON.stringify(module.href)}); });`;
  return new Worker(bootstrap, { eval: true, workerData });
}

/** The error every unsettled write gets when the writer thread is gone. */
function writerThreadEnded(reason: string): Error {
  return new Error(
    `SQLite's writer thread ended (${reason}); a write that was in flight may or may not have been committed`,
  );
}

/**
 * Starts SQLite's writer thread on a file the main thread has already migrated, and
 * returns the handle that posts writes to it. Writes made in one turn of the event loop
 * cross in one message; each settles when the COMMIT that carried it is durable, with
 * its result or its error rebuilt on this thread ({@link errorFromTransfer}). If the
 * thread cannot open the file or ends early, every unsettled write rejects, and so do
 * later ones.
 */
export function startSqliteWriterThread(options: SqliteWriterThreadOptions): SqliteWriterThread {
  const worker = startWorker(options.module, options.settings);
  const pending = new Map<number, Pending>();
  let nextId = 1;
  let outbox: { id: number; request: WriteRequest }[] = [];
  let outboxScheduled = false;
  let ended: Error | undefined;
  let closing: Promise<void> | undefined;
  const exited = new Promise<void>((resolve) => worker.once("exit", () => resolve()));

  function post(message: ToWriterThread): void {
    worker.postMessage(message);
  }

  function flushOutbox(): void {
    outboxScheduled = false;
    if (outbox.length === 0 || ended !== undefined) return;
    const writes = outbox;
    outbox = [];
    try {
      post({ kind: "writes", writes });
    } catch {
      // An input that cannot be cloned fails alone: the others are posted one by one.
      for (const write of writes) {
        try {
          post({ kind: "writes", writes: [write] });
        } catch (cloneError) {
          settle(write.id, false, cloneFailure(write.request, cloneError));
        }
      }
    }
  }

  function cloneFailure(request: WriteRequest, error: unknown): TypeError {
    return new TypeError(
      `the input of the write ${JSON.stringify(request.operation)} cannot be sent to SQLite's writer thread (${error instanceof Error ? error.message : String(error)}); a write's input must be plain, structured-cloneable data`,
    );
  }

  function settle(id: number, ok: boolean, value: unknown): void {
    const waiting = pending.get(id);
    if (waiting === undefined) return;
    pending.delete(id);
    if (ok) waiting.resolve(value);
    else waiting.reject(value);
  }

  function failAll(error: Error): void {
    ended ??= error;
    outbox = [];
    const waiting = [...pending.values()];
    pending.clear();
    for (const item of waiting) item.reject(error);
  }

  function rebuilt(error: TransferredError): Error {
    return errorFromTransfer(error);
  }

  worker.on("message", (message: FromWriterThread) => {
    switch (message.kind) {
      case "committed": {
        options.onCommitMeasured(message.ids.length, message.seconds);
        for (let index = 0; index < message.ids.length; index += 1) {
          const id = message.ids[index];
          const outcome = message.outcomes[index];
          if (id === undefined || outcome === undefined) continue;
          if (outcome.ok) settle(id, true, outcome.value);
          else settle(id, false, rebuilt(outcome.error));
        }
        if (message.events.length > 0) options.onCommitted(message.events);
        return;
      }
      case "refused": {
        const error = rebuilt(message.error);
        for (const id of message.ids) settle(id, false, error);
        return;
      }
      case "availability":
        options.onAvailabilityChange(message.available);
        return;
      case "log": {
        const fields: Record<string, unknown> = { ...message.fields };
        const err: unknown = fields.err;
        if (typeof err === "object" && err !== null && "kind" in err) {
          fields.err = rebuilt(err as TransferredError);
        }
        options.logError(fields, message.message);
        return;
      }
      case "failed":
        failAll(rebuilt(message.error));
        return;
      case "ready":
        options.onReady();
        return;
      case "closed":
        return;
    }
  });
  worker.on("error", (error) => {
    options.logError({ err: error }, "SQLite's writer thread failed");
    failAll(writerThreadEnded(error.message));
  });
  void exited.then(() => {
    if (pending.size > 0 || closing === undefined) {
      if (closing === undefined) options.onAvailabilityChange(false);
      failAll(writerThreadEnded("it exited"));
    }
  });

  function run(request: WriteRequest): Promise<unknown> {
    if (ended !== undefined) return Promise.reject(ended);
    const id = nextId++;
    return new Promise<unknown>((resolve, reject) => {
      pending.set(id, { resolve, reject });
      outbox.push({ id, request });
      if (!outboxScheduled) {
        outboxScheduled = true;
        setImmediate(flushOutbox);
      }
    });
  }

  return {
    run,
    setAutocheckpoint(pages) {
      if (ended === undefined) post({ kind: "autocheckpoint", pages });
    },
    close() {
      closing ??= (async () => {
        flushOutbox();
        if (ended === undefined) post({ kind: "close" });
        await exited;
      })();
      return closing;
    },
  };
}
