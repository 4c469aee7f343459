import BetterSqlite3, { type Database } from "better-sqlite3";
import type { Logger } from "pino";
import type { RetentionOptions } from "../config.js";
import type { LoggedEvent } from "../log/logged-event.js";
import { expireEventsBefore } from "../log/retention.js";
import {
  type BackgroundCheckpointer,
  type CheckpointResult,
  startBackgroundCheckpointer,
} from "./background-checkpointer.js";
import { type BatchResult, createBatchRunner } from "./group-commit-batch.js";
import { migrate } from "./migrate.js";
import { createSqliteRepositories } from "./sqlite/sqlite-repositories.js";
import {
  classifyStorageFailure,
  dataFileFailure,
  isDatabaseBusy,
  storageBusy,
} from "./storage-failure.js";
import type { Store, WriteContext, WriteExecutor, WriteRequest } from "./write-context.js";

/** Options of {@link openSqliteStore}. */
export interface SqliteStoreOptions {
  /** Database file; created when missing. */
  readonly path: string;
  readonly logger: Logger;
  readonly retention?: RetentionOptions;
  /**
   * Called synchronously after each durable commit with the events it appended, in
   * commit order. This is where live streams are fed: events are never published
   * before they are durable.
   */
  readonly onCommit?: (events: readonly LoggedEvent[]) => void;
  /** Called after each durable commit with its number of writes and its duration (metrics). */
  readonly onCommitMeasured?: (writes: number, seconds: number) => void;
  /**
   * Called when the database stops or starts answering: false when a commit fails for
   * a reason other than a full disk (an I/O error, a file gone read-only) and on
   * close; true again after the next commit succeeds. Feeds the health service.
   */
  readonly onAvailabilityChange?: (available: boolean) => void;
  /**
   * How long a write waits for the file's write lock while another connection (another
   * process) holds it, before it is refused with a retryable UNAVAILABLE. The wait never
   * blocks the event loop: the lock is tried again on a timer. Default 5000 ms.
   */
  readonly busyTimeoutMs?: number;
  /**
   * Checkpoints (copying the WAL back into the file, with their own fsyncs) run on a
   * worker thread with its own connection, every `intervalMs` (default 250), from the
   * `afterCommits`-th commit on (default 100, so short-lived stores such as the CLI's
   * never start the thread). The main connection then checkpoints only as a fallback,
   * past 40,000 WAL pages. `false`: the main connection checkpoints every ~10,000 pages
   * itself, on the event loop.
   */
  readonly backgroundCheckpoint?:
    | { readonly afterCommits?: number; readonly intervalMs?: number }
    | false;
  /**
   * Runs the named writes of {@link Store.run}: the domain's registry
   * (`executeWrite` in `domain/write-operations.ts`). Without it, `run` rejects.
   */
  readonly execute?: WriteExecutor;
}

/** The SQLite {@link Store}: group commit, migrations, retention, orderly close. */
export interface SqliteStore extends Store {
  /** @internal the open connection; the log readers use it between flushes. */
  readonly database: Database;
  /** Deletes events older than `retention.maxAgeMs` now (it also runs on a timer). */
  expireOldEvents(): Promise<number>;
  /** Commits so far and the writes they carried (how well group commit is batching). */
  stats(): { readonly commits: number; readonly writes: number };
  /**
   * @internal runs one checkpoint on the background thread now; undefined while that
   * thread is not running (see `backgroundCheckpoint`).
   */
  checkpointInBackground(): Promise<CheckpointResult> | undefined;
  /** Commits every queued write, then closes the database. Later writes reject. */
  close(): Promise<void>;
}

interface QueuedWrite {
  readonly write: (context: WriteContext) => unknown | Promise<unknown>;
  readonly resolve: (value: unknown) => void;
  readonly reject: (error: unknown) => void;
  /** `performance.now()` when it was queued: how long it has waited for the lock. */
  readonly queuedAt: number;
}

/** WAL pages after which the main connection checkpoints by itself (on the event loop). */
const mainThreadCheckpointPages = 10_000;
/** The same while the background checkpointer runs: only if it cannot keep up. */
const fallbackCheckpointPages = 40_000;

/** Longest pause between two attempts at a write lock another connection holds. */
const maxLockRetryMs = 50;

/** Thrown by `write` after `close()`. */
export class StoreClosedError extends Error {
  override readonly name = "StoreClosedError";
  constructor() {
    super("the store is closed; no more writes are accepted");
  }
}

/**
 * Opens the file, sets WAL and `synchronous=FULL`, and migrates it; a file that cannot
 * be opened or written (read-only, a missing directory, not a database) becomes a
 * {@link DataFileError} naming the file and the cause.
 */
function openDataFile(path: string): Database {
  let db: Database | undefined;
  try {
    db = new BetterSqlite3(path);
    db.pragma("journal_mode = WAL");
    db.pragma("synchronous = FULL");
    db.pragma("foreign_keys = ON");
    // Only while opening and migrating; afterwards writes never wait inside SQLite.
    db.pragma("busy_timeout = 5000");
    db.pragma("cache_size = -65536");
    // Checkpoint every ~40 MiB of WAL instead of ~4 MiB: each checkpoint costs fsyncs
    // of its own, and fewer, larger ones measurably raise durable append throughput.
    // (Once the background checkpointer runs, this is only its fallback.)
    db.pragma(`wal_autocheckpoint = ${mainThreadCheckpointPages}`);
    migrate(db);
    return db;
  } catch (error) {
    if (db?.open) db.close();
    throw dataFileFailure(path, error);
  }
}

/** A second connection on the (already migrated) file, for reads of committed data. */
function openReadConnection(path: string): Database {
  try {
    const reader = new BetterSqlite3(path, { fileMustExist: true });
    reader.pragma("busy_timeout = 5000");
    reader.pragma("cache_size = -65536");
    return reader;
  } catch (error) {
    throw dataFileFailure(path, error);
  }
}

/**
 * Opens (and migrates) the SQLite file in WAL mode with `synchronous=FULL`.
 *
 * Writes are group-committed: every write queued while the previous batch was being
 * committed runs in one transaction, and a throwing write is undone alone (through its
 * own SAVEPOINT, or by deleting the events it appended; see {@link createBatchRunner}). One COMMIT (one fsync) makes the whole batch durable; only
 * then are the promises settled and the appended events published.
 */
export function openSqliteStore(options: SqliteStoreOptions): SqliteStore {
  const db = openDataFile(options.path);
  // Reads run on a connection of their own, so they see committed data only, even while
  // a batch's transaction is open between two awaits of its writes. (An in-memory
  // database exists once per connection, so it reads on the one it has.)
  const readDb = options.path === ":memory:" ? db : openReadConnection(options.path);
  const readRepositories = createSqliteRepositories(readDb);

  const statements = {
    begin: db.prepare("BEGIN IMMEDIATE"),
    commit: db.prepare("COMMIT"),
    rollback: db.prepare("ROLLBACK"),
  };
  // From here on SQLite never sleeps in its busy handler, on the event loop: BEGIN
  // IMMEDIATE fails at once while another connection holds the write lock, and flush
  // tries again on a timer (see waitForLock). Reads in WAL mode do not wait for writers.
  // (A prepared PRAGMA busy_timeout takes effect when prepared, not when run, so the
  // setting is not toggled per commit.)
  db.pragma("busy_timeout = 0");
  // Heads are read inside the batch's IMMEDIATE transaction (once per account per
  // batch), never cached across batches: another process writing the same file (the
  // CLI, a second server by mistake) can then never make two events share a sequence.
  const runBatch = createBatchRunner(db, { maxEvents: options.retention?.maxEvents });
  const maxAgeMs = options.retention?.maxAgeMs;
  const busyTimeoutMs = options.busyTimeoutMs ?? 5000;

  let queue: QueuedWrite[] = [];
  let flushScheduled = false;
  let closed = false;
  let commits = 0;
  let writesCommitted = 0;
  /** Pause before the next attempt at a write lock another connection holds (0: not waiting). */
  let lockRetryMs = 0;

  const background = options.backgroundCheckpoint ?? {};
  const checkpointAfterCommits =
    background === false || options.path === ":memory:"
      ? Number.POSITIVE_INFINITY
      : Math.max(1, background.afterCommits ?? 100);
  let checkpointer: BackgroundCheckpointer | undefined;
  function startCheckpointer(): void {
    if (background === false || checkpointer !== undefined || closed) return;
    try {
      checkpointer = startBackgroundCheckpointer({
        path: options.path,
        intervalMs: background.intervalMs ?? 250,
        onFailure: (message) => {
          options.logger.error(
            { reason: message },
            "background checkpoint failed; the main connection checkpoints again by itself",
          );
          if (!closed && db.open) db.pragma(`wal_autocheckpoint = ${mainThreadCheckpointPages}`);
        },
      });
    } catch (error) {
      options.logger.error({ err: error }, "could not start the background checkpointer");
      return;
    }
    db.pragma(`wal_autocheckpoint = ${fallbackCheckpointPages}`);
  }

  let available = true;
  function setAvailable(now: boolean): void {
    if (now === available) return;
    available = now;
    options.onAvailabilityChange?.(now);
  }

  function scheduleFlush(): void {
    if (flushScheduled) return;
    flushScheduled = true;
    setImmediate(flush);
  }

  /** BEGIN IMMEDIATE without waiting: false when another connection holds the write lock. */
  function tryBegin(): boolean {
    try {
      statements.begin.run();
      return true;
    } catch (error) {
      if (isDatabaseBusy(error)) return false;
      throw error;
    }
  }

  /**
   * The write lock is taken: refuse the writes that have waited `busyTimeoutMs`, and try
   * again after a pause (doubling up to {@link maxLockRetryMs}) for the others.
   */
  function waitForLock(): void {
    const now = performance.now();
    const waitedTooLong = queue.filter((item) => now - item.queuedAt >= busyTimeoutMs);
    if (waitedTooLong.length > 0) {
      queue = queue.filter((item) => now - item.queuedAt < busyTimeoutMs);
      options.logger.error(
        { writes: waitedTooLong.length, busyTimeoutMs },
        "another connection held the database's write lock too long; writes were refused",
      );
      setAvailable(false);
      const failure = storageBusy(busyTimeoutMs);
      for (const item of waitedTooLong) item.reject(failure);
    }
    if (queue.length === 0) {
      lockRetryMs = 0;
      return;
    }
    lockRetryMs = Math.min(maxLockRetryMs, Math.max(1, lockRetryMs * 2));
    flushScheduled = true;
    setTimeout(flush, lockRetryMs);
  }

  /** Commits what is queued; false when it could not because the write lock is taken. */
  async function commitQueued(): Promise<boolean> {
    if (queue.length === 0) return true;
    let began: boolean;
    try {
      began = tryBegin();
    } catch (error) {
      rejectBatch(queue, error);
      queue = [];
      return true;
    }
    if (!began) return false;
    lockRetryMs = 0;
    const batch = queue;
    queue = [];
    let result: BatchResult;
    const started = performance.now();
    try {
      result = await runBatch(batch.map((item) => item.write));
      statements.commit.run();
    } catch (error) {
      // The batch as a whole failed (disk full, I/O error): nothing of it is stored.
      if (db.inTransaction) statements.rollback.run();
      rejectBatch(batch, error);
      return true;
    }
    commits += 1;
    writesCommitted += batch.length;
    if (commits === checkpointAfterCommits) startCheckpointer();
    setAvailable(true);
    options.onCommitMeasured?.(batch.length, (performance.now() - started) / 1000);
    for (let index = 0; index < batch.length; index += 1) {
      const item = batch[index];
      const outcome = result.outcomes[index];
      if (item === undefined || outcome === undefined) continue;
      if (outcome.ok) item.resolve(outcome.value);
      else item.reject(classifyStorageFailure(outcome.error));
    }
    if (result.appended.length > 0 && options.onCommit !== undefined) {
      try {
        options.onCommit(result.appended);
      } catch (error) {
        options.logger.error({ err: error }, "publishing committed events failed");
      }
    }
    return true;
  }

  function rejectBatch(batch: readonly QueuedWrite[], error: unknown): void {
    options.logger.error(
      { err: error },
      "group commit failed; every write of the batch was rejected",
    );
    const failure = classifyStorageFailure(error);
    if (failure === error) setAvailable(false);
    for (const item of batch) item.reject(failure);
  }

  /** The batch being committed; a flush never starts another one beside it. */
  let committing: Promise<boolean> | undefined;

  function flush(): void {
    flushScheduled = false;
    if (committing !== undefined) return;
    committing = commitQueued();
    void committing.then((committed) => {
      committing = undefined;
      if (!committed) {
        waitForLock();
        return;
      }
      if (queue.length > 0) scheduleFlush();
    });
  }

  function run(request: WriteRequest): Promise<unknown> {
    const execute = options.execute;
    if (execute === undefined) {
      return Promise.reject(
        new TypeError(
          `store.run(${JSON.stringify(request.operation)}) needs the store to be opened with an execute function`,
        ),
      );
    }
    return write((context) => execute(context, request));
  }

  function write<T>(body: (context: WriteContext) => T | Promise<T>): Promise<T> {
    if (closed) return Promise.reject(new StoreClosedError());
    return new Promise<T>((resolve, reject) => {
      queue.push({
        write: body,
        resolve: (value) => resolve(value as T),
        reject,
        queuedAt: performance.now(),
      });
      scheduleFlush();
    });
  }

  async function expireOldEvents(): Promise<number> {
    if (maxAgeMs === undefined) return 0;
    return write((context) => expireEventsBefore(context.db, context.now.getTime() - maxAgeMs));
  }

  let expiryTimer: NodeJS.Timeout | undefined;
  if (maxAgeMs !== undefined) {
    const interval = Math.min(Math.max(Math.floor(maxAgeMs / 4), 10), 60_000);
    expiryTimer = setInterval(() => {
      expireOldEvents().catch((error: unknown) => {
        if (!(error instanceof StoreClosedError)) {
          options.logger.error({ err: error }, "expiring old events failed");
        }
      });
    }, interval);
    expiryTimer.unref();
  }

  let closing: Promise<void> | undefined;
  return {
    database: db,
    repositories: readRepositories,
    run,
    write,
    read<T>(body: (database: Database) => T): T {
      if (!readDb.open) throw new StoreClosedError();
      return body(readDb);
    },
    expireOldEvents,
    stats: () => ({ commits, writes: writesCommitted }),
    checkpointInBackground: () => checkpointer?.checkpoint(),
    close(): Promise<void> {
      closing ??= (async () => {
        closed = true;
        if (expiryTimer !== undefined) clearInterval(expiryTimer);
        // Queued writes still commit (or, after waiting for a lock another connection
        // holds, are refused) before the file closes.
        while (committing !== undefined || queue.length > 0) {
          if (committing !== undefined) {
            await committing;
            continue;
          }
          committing = commitQueued();
          const committed = await committing;
          committing = undefined;
          if (committed) continue;
          waitForLock();
          if (queue.length > 0) await new Promise((resolve) => setTimeout(resolve, lockRetryMs));
        }
        // The worker's connection closes first, so this one is the last and finishes
        // the WAL itself.
        await checkpointer?.close();
        if (readDb !== db) readDb.close();
        db.close();
        setAvailable(false);
      })();
      return closing;
    },
  };
}
