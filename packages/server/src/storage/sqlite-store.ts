import BetterSqlite3, { type Database } from "better-sqlite3";
import type { Logger } from "pino";
import type { RetentionOptions } from "../config.js";
import { encodeLogEvent } from "../log/encode-log-event.js";
import { kindCodes, type LoggedEvent } from "../log/logged-event.js";
import { expireEventsBefore } from "../log/retention.js";
import { migrate } from "./migrate.js";
import type { LogEventInput, Store, WriteContext } from "./write-context.js";

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
}

/** The SQLite {@link Store}: group commit, migrations, retention, orderly close. */
export interface SqliteStore extends Store {
  /** @internal the open connection; the log readers use it between flushes. */
  readonly database: Database;
  /** Deletes events older than `retention.maxAgeMs` now (it also runs on a timer). */
  expireOldEvents(): Promise<number>;
  /** Commits so far and the writes they carried (how well group commit is batching). */
  stats(): { readonly commits: number; readonly writes: number };
  /** Commits every queued write, then closes the database. Later writes reject. */
  close(): Promise<void>;
}

interface QueuedWrite {
  readonly write: (context: WriteContext) => unknown;
  readonly resolve: (value: unknown) => void;
  readonly reject: (error: unknown) => void;
}

type Outcome =
  | { readonly ok: true; readonly value: unknown }
  | { readonly ok: false; readonly error: unknown };

/** Thrown by `write` after `close()`. */
export class StoreClosedError extends Error {
  override readonly name = "StoreClosedError";
  constructor() {
    super("the store is closed; no more writes are accepted");
  }
}

/**
 * Opens (and migrates) the SQLite file in WAL mode with `synchronous=FULL`.
 *
 * Writes are group-committed: every write queued while the previous batch was being
 * committed runs in one transaction, each inside its own SAVEPOINT, so a throwing
 * write rolls back alone. One COMMIT (one fsync) makes the whole batch durable; only
 * then are the promises settled and the appended events published.
 */
export function openSqliteStore(options: SqliteStoreOptions): SqliteStore {
  const db = new BetterSqlite3(options.path);
  db.pragma("journal_mode = WAL");
  db.pragma("synchronous = FULL");
  db.pragma("foreign_keys = ON");
  db.pragma("busy_timeout = 5000");
  db.pragma("cache_size = -65536");
  // Checkpoint every ~40 MiB of WAL instead of ~4 MiB: each checkpoint costs fsyncs
  // of its own, and fewer, larger ones measurably raise durable append throughput.
  db.pragma("wal_autocheckpoint = 10000");
  migrate(db);

  const statements = {
    begin: db.prepare("BEGIN IMMEDIATE"),
    commit: db.prepare("COMMIT"),
    rollback: db.prepare("ROLLBACK"),
    savepoint: db.prepare("SAVEPOINT write"),
    release: db.prepare("RELEASE write"),
    rollbackTo: db.prepare("ROLLBACK TO write"),
    readHead: db.prepare<[number], { head_sequence: number }>(
      "SELECT head_sequence FROM log_heads WHERE account_id = ?",
    ),
    insertEvent: db.prepare(
      "INSERT INTO event_log (account_id, sequence, kind, chat_guid, poll_guid, recorded_at, payload) VALUES (?, ?, ?, ?, ?, ?, ?)",
    ),
    upsertHead: db.prepare(
      "INSERT INTO log_heads (account_id, head_sequence, retained_from) VALUES (?, ?, ?) ON CONFLICT (account_id) DO UPDATE SET head_sequence = excluded.head_sequence, retained_from = MAX(log_heads.retained_from, excluded.retained_from)",
    ),
    trimEvents: db.prepare("DELETE FROM event_log WHERE account_id = ? AND sequence < ?"),
  };
  const maxEvents = options.retention?.maxEvents;
  const maxAgeMs = options.retention?.maxAgeMs;

  let queue: QueuedWrite[] = [];
  let flushScheduled = false;
  let closed = false;
  let commits = 0;
  let writesCommitted = 0;

  // Heads are read inside the batch's IMMEDIATE transaction (once per account per
  // batch), never cached across batches: another process writing the same file (the
  // CLI, a second server by mistake) can then never make two events share a sequence.
  function committedHead(accountId: number): number {
    return statements.readHead.get(accountId)?.head_sequence ?? 0;
  }

  function scheduleFlush(): void {
    if (flushScheduled) return;
    flushScheduled = true;
    setImmediate(flush);
  }

  function runBatch(batch: readonly QueuedWrite[]): {
    outcomes: Outcome[];
    appended: LoggedEvent[];
    batchHeads: Map<number, number>;
  } {
    const outcomes: Outcome[] = [];
    const appended: LoggedEvent[] = [];
    const batchHeads = new Map<number, number>();
    for (const item of batch) {
      const firstAppend = appended.length;
      // Heads this write moved, with their value before it, to undo on rollback.
      const headsBefore = new Map<number, number | undefined>();
      const now = new Date();
      const context: WriteContext = {
        db,
        now,
        appendEvent(accountId: number, input: LogEventInput): number {
          if (!Number.isSafeInteger(accountId) || accountId <= 0) {
            throw new TypeError(`appendEvent needs a positive account id; received ${accountId}`);
          }
          const encoded = encodeLogEvent(input, now);
          const previous = batchHeads.get(accountId);
          if (!headsBefore.has(accountId)) headsBefore.set(accountId, previous);
          const sequence = (previous ?? committedHead(accountId)) + 1;
          statements.insertEvent.run(
            accountId,
            sequence,
            kindCodes[input.kind],
            encoded.chatGuid,
            encoded.pollGuid,
            now.getTime(),
            encoded.payload,
          );
          batchHeads.set(accountId, sequence);
          appended.push({
            accountId,
            sequence,
            kind: input.kind,
            chatGuid: encoded.chatGuid,
            pollGuid: encoded.pollGuid,
            payload: encoded.payload,
          });
          return sequence;
        },
      };
      statements.savepoint.run();
      try {
        const value = item.write(context);
        if (value instanceof Promise) {
          value.catch(() => undefined);
          throw new TypeError(
            "store.write callbacks must be synchronous; this one returned a Promise",
          );
        }
        statements.release.run();
        outcomes.push({ ok: true, value });
      } catch (error) {
        statements.rollbackTo.run();
        statements.release.run();
        appended.length = firstAppend;
        for (const [accountId, head] of headsBefore) {
          if (head === undefined) batchHeads.delete(accountId);
          else batchHeads.set(accountId, head);
        }
        outcomes.push({ ok: false, error });
      }
    }
    for (const [accountId, head] of batchHeads) {
      const retainedFrom = maxEvents === undefined ? 1 : Math.max(1, head - maxEvents + 1);
      statements.upsertHead.run(accountId, head, retainedFrom);
      if (retainedFrom > 1) statements.trimEvents.run(accountId, retainedFrom);
    }
    return { outcomes, appended, batchHeads };
  }

  function flush(): void {
    flushScheduled = false;
    const batch = queue;
    queue = [];
    if (batch.length === 0) return;
    let result: ReturnType<typeof runBatch>;
    try {
      statements.begin.run();
      result = runBatch(batch);
      statements.commit.run();
    } catch (error) {
      // The batch as a whole failed (disk full, I/O error): nothing of it is stored.
      if (db.inTransaction) statements.rollback.run();
      options.logger.error(
        { err: error },
        "group commit failed; every write of the batch was rejected",
      );
      for (const item of batch) item.reject(error);
      if (queue.length > 0) scheduleFlush();
      return;
    }
    commits += 1;
    writesCommitted += batch.length;
    result.outcomes.forEach((outcome, index) => {
      const item = batch[index];
      if (item === undefined) return;
      if (outcome.ok) item.resolve(outcome.value);
      else item.reject(outcome.error);
    });
    if (result.appended.length > 0 && options.onCommit !== undefined) {
      try {
        options.onCommit(result.appended);
      } catch (error) {
        options.logger.error({ err: error }, "publishing committed events failed");
      }
    }
    if (queue.length > 0) scheduleFlush();
  }

  function write<T>(body: (context: WriteContext) => T): Promise<T> {
    if (closed) return Promise.reject(new StoreClosedError());
    return new Promise<T>((resolve, reject) => {
      queue.push({ write: body, resolve: (value) => resolve(value as T), reject });
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
    write,
    read<T>(body: (database: Database) => T): T {
      if (!db.open) throw new StoreClosedError();
      return body(db);
    },
    expireOldEvents,
    stats: () => ({ commits, writes: writesCommitted }),
    close(): Promise<void> {
      closing ??= (async () => {
        closed = true;
        if (expiryTimer !== undefined) clearInterval(expiryTimer);
        while (queue.length > 0) flush();
        db.close();
      })();
      return closing;
    },
  };
}
