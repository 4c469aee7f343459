import type { Database } from "better-sqlite3";
import type { Logger } from "pino";
import {
  type BackgroundCheckpointer,
  type CheckpointResult,
  startBackgroundCheckpointer,
} from "./background-checkpointer.js";
import type { BatchWrite, SqliteWriteContext } from "./group-commit-batch.js";
import { createGroupCommitQueue } from "./group-commit-queue.js";
import type { LoggedEvent } from "./repositories/event-log-repository.js";
import type { RetentionOptions } from "./retention-options.js";
import { createSqliteRepositories } from "./sqlite/sqlite-repositories.js";
import {
  fallbackCheckpointPages,
  openDataFile,
  openReadConnection,
  selfCheckpointPages,
} from "./sqlite-connections.js";
import { type SqliteWriterThread, startSqliteWriterThread } from "./sqlite-writer-client.js";
import { StoreClosedError } from "./store-closed-error.js";
import type { Store, WriteExecutor, WriteRequest } from "./write-context.js";

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
  /**
   * Runs the write connection and its commits on a worker thread, so no COMMIT (and no
   * fsync) ever stops this thread's event loop: `module` is the thread's entry, which
   * calls `serveSqliteWrites` with the domain's executor (storage does not import the
   * domain). Named writes ({@link Store.run}) cross to it as plain data; the transitional
   * closure writes ({@link Store.write}) cannot and reject. Ignored for `:memory:`
   * (one connection, so one thread). Without it the main thread commits (`execute`).
   */
  readonly writerThread?: { readonly module: URL };
}

/** The SQLite {@link Store}: group commit, migrations, retention, orderly close. */
export interface SqliteStore extends Store {
  /**
   * @internal the main thread's connection: the write connection in main-thread mode,
   * the read connection when the writer thread commits.
   */
  readonly database: Database;
  /** Where commits run: this thread's event loop, or SQLite's writer thread. */
  readonly mode: "main-thread" | "writer-thread";
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
  /**
   * @internal a closure write, in main-thread mode only (the engine's tests and tools;
   * a closure cannot cross to the writer thread). Everything else uses `run`.
   */
  write<T>(write: (context: SqliteWriteContext) => T | Promise<T>): Promise<T>;
  /** @internal a read with SQL on the read connection (the engine's tests). */
  read<T>(read: (db: Database) => T): T;
}

/** The named write of age retention (`domain/writes/log-writes.ts`). */
const expireOperation = "log.expireEventsBefore";

/** How writes reach the write connection: on this thread, or through the writer thread. */
interface WriteEngine {
  run(request: WriteRequest): Promise<unknown>;
  write(body: BatchWrite): Promise<unknown>;
  setAutocheckpoint(pages: number): void;
  /** Commits every queued write, then lets go of the write connection. */
  close(): Promise<void>;
}

/** What both engines report to the store. */
interface EngineEvents {
  /** One durable COMMIT of `writes` writes, before they are settled. */
  readonly measured: (writes: number, seconds: number) => void;
  /** The same COMMIT's events, after its writes are settled. */
  readonly published: (events: readonly LoggedEvent[]) => void;
  readonly availability: (available: boolean) => void;
}

interface PendingWrite {
  readonly resolve: (value: unknown) => void;
  readonly reject: (error: unknown) => void;
}

/** Group commit on this thread's event loop, over `db` (the only connection that writes). */
function startMainThreadEngine(
  db: Database,
  options: SqliteStoreOptions,
  events: EngineEvents,
): WriteEngine {
  // From here on SQLite never sleeps in its busy handler, on the event loop: the queue
  // retries a held write lock on a timer. (A prepared PRAGMA busy_timeout takes effect
  // when prepared, not when run, so the setting is not toggled per commit.)
  db.pragma("busy_timeout = 0");
  const queue = createGroupCommitQueue<PendingWrite>({
    db,
    maxEvents: options.retention?.maxEvents,
    busyTimeoutMs: options.busyTimeoutMs ?? 5000,
    onCommitted: (tokens, result, seconds) => {
      events.measured(tokens.length, seconds);
      for (let index = 0; index < tokens.length; index += 1) {
        const token = tokens[index];
        const outcome = result.outcomes[index];
        if (token === undefined || outcome === undefined) continue;
        if (outcome.ok) token.resolve(outcome.value);
        else token.reject(outcome.error);
      }
      if (result.appended.length > 0) events.published(result.appended);
    },
    onRefused: (tokens, error) => {
      for (const token of tokens) token.reject(error);
    },
    onAvailabilityChange: events.availability,
    logError: (fields, message) => options.logger.error(fields, message),
  });
  function write(body: BatchWrite): Promise<unknown> {
    return new Promise((resolve, reject) => queue.enqueue({ resolve, reject }, body));
  }
  return {
    write,
    run(request) {
      const execute = options.execute;
      if (execute === undefined) {
        return Promise.reject(
          new TypeError(
            `store.run(${JSON.stringify(request.operation)}) needs the store to be opened with an execute function`,
          ),
        );
      }
      return write((context) => execute(context, request));
    },
    setAutocheckpoint(pages) {
      if (db.open) db.pragma(`wal_autocheckpoint = ${pages}`);
    },
    close: () => queue.drain(),
  };
}

/** Group commit on SQLite's writer thread; this thread only posts writes and settles them. */
function startWriterThreadEngine(
  module: URL,
  options: SqliteStoreOptions,
  events: EngineEvents,
): WriteEngine {
  const thread: SqliteWriterThread = startSqliteWriterThread({
    module,
    settings: {
      path: options.path,
      maxEvents: options.retention?.maxEvents,
      busyTimeoutMs: options.busyTimeoutMs ?? 5000,
      autocheckpointPages: selfCheckpointPages,
    },
    onCommitMeasured: events.measured,
    onCommitted: events.published,
    onAvailabilityChange: events.availability,
    // At debug level: a start that fails (a port in use) prints its one line and nothing
    // more; the server's "listening" line says where writes commit.
    onReady: () =>
      options.logger.debug(
        { path: options.path },
        "SQLite's write connection and its commits run on a writer thread",
      ),
    logError: (fields, message) => options.logger.error(fields, message),
  });
  return {
    run: (request) => thread.run(request),
    write: () =>
      Promise.reject(
        new TypeError(
          "store.write(closure) cannot run on SQLite's writer thread (a closure cannot cross threads); make it a named write and call store.run, or open the store without writerThread",
        ),
      ),
    setAutocheckpoint: (pages) => thread.setAutocheckpoint(pages),
    close: () => thread.close(),
  };
}

/**
 * Opens (and migrates) the SQLite file in WAL mode with `synchronous=FULL`; a file that
 * cannot be opened or written throws a {@link DataFileError} naming the file and the cause.
 *
 * Writes are group-committed: every write queued while the previous batch was being
 * committed runs in one transaction, a throwing write is undone alone, and one COMMIT
 * (one fsync) makes the whole batch durable; only then are the promises settled and the
 * appended events published, in commit order. With `writerThread` (and a file), the
 * write connection and its commits live on that thread and this thread keeps a read
 * connection; otherwise this thread commits, on its event loop. Either way reads run on
 * a connection of their own and never wait on a commit.
 */
export function openSqliteStore(options: SqliteStoreOptions): SqliteStore {
  const inMemory = options.path === ":memory:";
  const db = openDataFile(options.path);
  const threadModule = inMemory ? undefined : options.writerThread?.module;
  // Reads run on a connection of their own, so they see committed data only, even while
  // a batch's transaction is open between two awaits of its writes. With the writer
  // thread, the connection that migrated the file is that one. (An in-memory database
  // exists once per connection, so it reads on the one it has.)
  let readDb: Database;
  try {
    readDb = inMemory || threadModule !== undefined ? db : openReadConnection(options.path);
  } catch (error) {
    db.close();
    throw error;
  }
  const readRepositories = createSqliteRepositories(readDb);
  const maxAgeMs = options.retention?.maxAgeMs;

  let closed = false;
  let commits = 0;
  let writesCommitted = 0;

  let available = true;
  function setAvailable(now: boolean): void {
    if (now === available) return;
    available = now;
    options.onAvailabilityChange?.(now);
  }

  const background = options.backgroundCheckpoint ?? {};
  const checkpointAfterCommits =
    background === false || inMemory
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
            "background checkpoint failed; the write connection checkpoints again by itself",
          );
          if (!closed) engine.setAutocheckpoint(selfCheckpointPages);
        },
      });
    } catch (error) {
      options.logger.error({ err: error }, "could not start the background checkpointer");
      return;
    }
    engine.setAutocheckpoint(fallbackCheckpointPages);
  }

  const events: EngineEvents = {
    measured(writes, seconds) {
      commits += 1;
      writesCommitted += writes;
      if (commits === checkpointAfterCommits) startCheckpointer();
      options.onCommitMeasured?.(writes, seconds);
    },
    published(appended) {
      if (options.onCommit === undefined) return;
      try {
        options.onCommit(appended);
      } catch (error) {
        options.logger.error({ err: error }, "publishing committed events failed");
      }
    },
    availability: setAvailable,
  };
  let engine: WriteEngine;
  try {
    engine =
      threadModule === undefined
        ? startMainThreadEngine(db, options, events)
        : startWriterThreadEngine(threadModule, options, events);
  } catch (error) {
    if (readDb !== db) readDb.close();
    db.close();
    throw error;
  }

  function run(request: WriteRequest): Promise<unknown> {
    if (closed) return Promise.reject(new StoreClosedError());
    return engine.run(request);
  }

  function write<T>(body: (context: SqliteWriteContext) => T | Promise<T>): Promise<T> {
    if (closed) return Promise.reject(new StoreClosedError());
    return engine.write(body) as Promise<T>;
  }

  async function expireOldEvents(): Promise<number> {
    if (maxAgeMs === undefined) return 0;
    if (closed) throw new StoreClosedError();
    // The domain's named write (its registry is the executor): the same on both engines.
    const deleted = await engine.run({
      operation: expireOperation,
      input: { cutoffMs: Date.now() - maxAgeMs },
    });
    return typeof deleted === "number" ? deleted : 0;
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
    mode: threadModule === undefined ? "main-thread" : "writer-thread",
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
        await engine.close();
        // The other connections close first, so this one is the last and finishes the
        // WAL itself.
        await checkpointer?.close();
        if (readDb !== db) readDb.close();
        db.close();
        setAvailable(false);
      })();
      return closing;
    },
  };
}
