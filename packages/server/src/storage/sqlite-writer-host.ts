import { parentPort, workerData } from "node:worker_threads";
import { transferError } from "../errors/error-transfer.js";
import type { BatchResult, BatchWrite } from "./group-commit-batch.js";
import { createGroupCommitQueue, type GroupCommitQueue } from "./group-commit-queue.js";
import { openWriteConnection } from "./sqlite-connections.js";
import type {
  FromWriterThread,
  ToWriterThread,
  TransferredOutcome,
  WriterThreadSettings,
} from "./sqlite-writer-protocol.js";
import type { WriteExecutor } from "./write-context.js";

function isSettings(value: unknown): value is WriterThreadSettings {
  return (
    typeof value === "object" &&
    value !== null &&
    typeof Reflect.get(value, "path") === "string" &&
    typeof Reflect.get(value, "busyTimeoutMs") === "number" &&
    typeof Reflect.get(value, "autocheckpointPages") === "number"
  );
}

/** Log fields with their `err` made cloneable (the main thread rebuilds it). */
function cloneableFields(fields: Readonly<Record<string, unknown>>): Record<string, unknown> {
  const copy: Record<string, unknown> = { ...fields };
  if ("err" in copy) copy.err = transferError(copy.err);
  return copy;
}

/**
 * The body of SQLite's writer thread: call it from the thread's entry module with the
 * domain's executor (`executeWrite`). It opens the write connection, runs group commit
 * on it (see {@link createGroupCommitQueue}) for the named writes the main thread
 * posts, and posts back, per durable COMMIT, every write's outcome (errors as
 * {@link transferError} data) and the appended events. Throws when not started by
 * `openSqliteStore` as its writer thread.
 */
export function serveSqliteWrites(execute: WriteExecutor): void {
  const port = parentPort;
  const settings: unknown = workerData;
  if (port === null || !isSettings(settings)) {
    throw new Error(
      "serveSqliteWrites runs only in SQLite's writer thread, started by openSqliteStore",
    );
  }
  const post = (message: FromWriterThread) => port.postMessage(message);

  let queue: GroupCommitQueue<number>;
  let db: ReturnType<typeof openWriteConnection>;
  try {
    db = openWriteConnection(settings.path, settings.autocheckpointPages);
    // From here on SQLite never sleeps in its busy handler: the queue retries on a timer.
    // (A prepared PRAGMA busy_timeout takes effect when prepared, so it is set once.)
    db.pragma("busy_timeout = 0");
    queue = createGroupCommitQueue<number>({
      db,
      maxEvents: settings.maxEvents,
      busyTimeoutMs: settings.busyTimeoutMs,
      onCommitted: (ids, result, seconds) => postCommitted(ids, result, seconds),
      onRefused: (ids, error) => post({ kind: "refused", ids, error: transferError(error) }),
      onAvailabilityChange: (available) => post({ kind: "availability", available }),
      logError: (fields, message) =>
        post({ kind: "log", fields: cloneableFields(fields), message }),
    });
  } catch (error) {
    post({ kind: "failed", error: transferError(error) });
    port.close();
    return;
  }

  function postCommitted(ids: readonly number[], result: BatchResult, seconds: number): void {
    const outcomes: TransferredOutcome[] = result.outcomes.map((outcome) =>
      outcome.ok ? outcome : { ok: false, error: transferError(outcome.error) },
    );
    const message: FromWriterThread = {
      kind: "committed",
      ids,
      outcomes,
      events: result.appended,
      seconds,
    };
    try {
      post(message);
    } catch (error) {
      // A result that cannot be cloned (a function, a class with private state) must not
      // lose the other writes' outcomes: each such write gets an error instead. Its
      // changes are committed; its caller learns that its result could not be sent.
      const checked = outcomes.map((outcome, index): TransferredOutcome => {
        if (!outcome.ok) return outcome;
        try {
          structuredClone(outcome.value);
          return outcome;
        } catch (cloneError) {
          return {
            ok: false,
            error: transferError(
              new TypeError(
                `the write ${ids[index]} committed, but its result cannot be sent to the main thread (${cloneError instanceof Error ? cloneError.message : String(cloneError)}); a write's result must be plain, structured-cloneable data`,
              ),
            ),
          };
        }
      });
      post({ ...message, outcomes: checked });
      post({
        kind: "log",
        fields: { err: transferError(error) },
        message: "a commit's outcomes could not be posted whole",
      });
    }
  }

  let closing = false;
  port.on("message", (message: ToWriterThread) => {
    switch (message.kind) {
      case "writes":
        for (const { id, request } of message.writes) {
          const body: BatchWrite = (context) => execute(context, request);
          queue.enqueue(id, body);
        }
        return;
      case "autocheckpoint":
        db.pragma(`wal_autocheckpoint = ${Math.max(0, Math.floor(message.pages))}`);
        return;
      case "close":
        if (closing) return;
        closing = true;
        void queue.drain().then(() => {
          db.close();
          post({ kind: "closed" });
          port.close();
        });
        return;
    }
  });
  post({ kind: "ready" });
}
