import Database from "better-sqlite3";
import type { EventHandler, HandlerContext, SequencedEvent } from "./checkpoint-queue.js";
import type { CheckpointStore } from "./checkpoint-store.js";
import { CheckpointStoreError, invalidArgument } from "./errors.js";
import { assertCheckpointKey, assertCheckpointValue, assertSqlIdentifier } from "./validation.js";

/** Options of {@link createSqliteCheckpointStore}. */
export interface SqliteCheckpointStoreOptions {
  /**
   * An open better-sqlite3 database (the store never closes it), or a file path
   * that the store opens in WAL mode and closes on `close()`.
   */
  readonly database: Database.Database | string;
  /** Table for checkpoints, created if missing. Default `threadline_checkpoints`. */
  readonly table?: string;
}

/**
 * Handler for {@link SqliteCheckpointStore.exactlyOnce}: runs inside a SQLite
 * transaction and must be synchronous (better-sqlite3 transactions cannot span an
 * `await`). Write effects through `database`.
 */
export type SqliteTransactionalHandler<E extends SequencedEvent> = (
  event: E,
  database: Database.Database,
  context: HandlerContext,
) => void;

/** A checkpoint store in a SQLite table. */
export interface SqliteCheckpointStore extends CheckpointStore {
  /**
   * Wrap a synchronous handler so its database effects apply exactly once per
   * (key, sequence), even across crashes.
   *
   * How: in one transaction the wrapper records "sequence handled" for the queue's
   * key, runs `handler`, and commits both together; an event whose record exists
   * (or that is at or below the stored checkpoint) is skipped without calling
   * `handler`. Saving the checkpoint deletes the records it covers, so the record
   * table holds at most the events above the saved checkpoint.
   *
   * Guaranteed: writes made through `database` inside the handler commit exactly
   * once per sequence, as long as this database holds both the checkpoints and
   * the effects and every consumer of the key uses this wrapper.
   * Not guaranteed: anything outside this database (HTTP calls, messages, other
   * databases) is still at-least-once; a handler that throws rolls back and is
   * retried; a dead-lettered event writes no record (the queue counts it complete).
   */
  exactlyOnce<E extends SequencedEvent>(handler: SqliteTransactionalHandler<E>): EventHandler<E>;
  /** The database the checkpoints live in, e.g. to create the tables your effects go to. */
  readonly database: Database.Database;
  /** Close the database if the store opened it from a path. Idempotent. */
  close(): Promise<void>;
  [Symbol.asyncDispose](): Promise<void>;
}

const asyncDispose: typeof Symbol.asyncDispose =
  Symbol.asyncDispose ?? Symbol.for("Symbol.asyncDispose");

/**
 * Create a checkpoint store in a SQLite database via better-sqlite3. Saves are a
 * single upsert keeping the larger value, so they are monotonic even across
 * processes sharing the file.
 *
 * @throws ValidationError (from @threadline/core) for a bad table name or database option.
 * @throws CheckpointStoreError if the file cannot be opened or the table created.
 */
export function createSqliteCheckpointStore(
  options: SqliteCheckpointStoreOptions,
): SqliteCheckpointStore {
  const table = options?.table ?? "threadline_checkpoints";
  assertSqlIdentifier("table", table);
  const handledTable = `${table}_handled`;
  assertSqlIdentifier("table", handledTable);
  const given = options.database;
  if (typeof given !== "string" && (typeof given !== "object" || given === null)) {
    throw invalidArgument("database", "a better-sqlite3 Database or a file path", given);
  }
  const owned = typeof given === "string";
  let database: Database.Database;
  try {
    database = typeof given === "string" ? new Database(given) : given;
    if (owned) {
      database.pragma("journal_mode = WAL");
      database.pragma("synchronous = FULL");
      database.pragma("busy_timeout = 5000");
    }
    database.exec(
      `CREATE TABLE IF NOT EXISTS "${table}" (key TEXT PRIMARY KEY NOT NULL, sequence INTEGER NOT NULL)`,
    );
    database.exec(
      `CREATE TABLE IF NOT EXISTS "${handledTable}" (key TEXT NOT NULL, sequence INTEGER NOT NULL, PRIMARY KEY (key, sequence)) WITHOUT ROWID`,
    );
  } catch (error) {
    throw new CheckpointStoreError(`opening the SQLite checkpoint table "${table}" failed`, {
      cause: error,
    });
  }
  const select = database.prepare<[string], { sequence: number }>(
    `SELECT sequence FROM "${table}" WHERE key = ?`,
  );
  const upsert = database.prepare<[string, number]>(
    `INSERT INTO "${table}" (key, sequence) VALUES (?, ?) ON CONFLICT(key) DO UPDATE SET sequence = max(sequence, excluded.sequence)`,
  );
  const prune = database.prepare<[string, number]>(
    `DELETE FROM "${handledTable}" WHERE key = ? AND sequence <= ?`,
  );
  const mark = database.prepare<[string, number]>(
    `INSERT OR IGNORE INTO "${handledTable}" (key, sequence) VALUES (?, ?)`,
  );
  const saveTransaction = database.transaction((key: string, sequence: number) => {
    upsert.run(key, sequence);
    prune.run(key, sequence);
  });
  let closed = false;

  function loadNow(key: string): number | undefined {
    const row = select.get(key);
    if (row === undefined) return undefined;
    if (!Number.isSafeInteger(row.sequence) || row.sequence < 0) {
      throw new CheckpointStoreError(
        `table "${table}" holds ${String(row.sequence)} for key ${JSON.stringify(key)}; expected a non-negative safe integer`,
      );
    }
    return row.sequence;
  }

  const close = async (): Promise<void> => {
    if (closed) return;
    closed = true;
    if (owned) database.close();
  };

  return {
    async load(key) {
      assertCheckpointKey("key", key);
      return loadNow(key);
    },
    async save(key, sequence) {
      assertCheckpointKey("key", key);
      assertCheckpointValue("sequence", sequence);
      saveTransaction(key, sequence);
    },
    exactlyOnce<E extends SequencedEvent>(handler: SqliteTransactionalHandler<E>): EventHandler<E> {
      if (typeof handler !== "function") {
        throw invalidArgument("handler", "a function", handler);
      }
      const run = database.transaction((event: E, context: HandlerContext) => {
        const stored = loadNow(context.key);
        if (stored !== undefined && event.sequence <= stored) return;
        if (mark.run(context.key, event.sequence).changes === 0) return;
        const result: unknown = handler(event, database, context);
        if (result instanceof Promise) {
          // Rolls the transaction back: its writes would land outside it.
          throw invalidArgument(
            "exactlyOnce handler",
            "synchronous (better-sqlite3 transactions cannot span an await)",
            "a Promise",
          );
        }
      });
      return (event, context) => {
        run(event, context);
      };
    },
    database,
    close,
    [asyncDispose]: close,
  };
}
