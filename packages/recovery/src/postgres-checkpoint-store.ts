import pg from "pg";
import type { EventHandler, HandlerContext, SequencedEvent } from "./checkpoint-queue.js";
import type { CheckpointStore } from "./checkpoint-store.js";
import { CheckpointStoreError, invalidArgument } from "./errors.js";
import { assertCheckpointKey, assertCheckpointValue, assertSqlIdentifier } from "./validation.js";

/** Options of {@link createPostgresCheckpointStore}. */
export interface PostgresCheckpointStoreOptions {
  /**
   * A `pg` pool (the store never ends it), or a connection string from which the
   * store creates a pool that `close()` ends.
   */
  readonly pool: pg.Pool | string;
  /** Table for checkpoints, created if missing. Default `threadline_checkpoints`. */
  readonly table?: string;
}

/**
 * Handler for {@link PostgresCheckpointStore.exactlyOnce}: runs inside a
 * transaction on `client`; write effects through it and do not commit or roll back.
 */
export type PostgresTransactionalHandler<E extends SequencedEvent> = (
  event: E,
  client: pg.PoolClient,
  context: HandlerContext,
) => Promise<void>;

/** A checkpoint store in a PostgreSQL table. */
export interface PostgresCheckpointStore extends CheckpointStore {
  /**
   * Wrap a handler so its database effects apply exactly once per (key, sequence),
   * even across crashes and with concurrent handlers.
   *
   * How: one transaction inserts a "sequence handled" record for the queue's key
   * (a concurrent or earlier insert of the same record makes the wrapper skip the
   * event without calling `handler`), runs `handler` on the same client, and
   * commits both. Events at or below the stored checkpoint are skipped too. Saving
   * the checkpoint deletes the records it covers.
   *
   * Guaranteed: writes made through `client` inside the handler commit exactly once
   * per sequence, as long as this database holds both the checkpoints and the
   * effects and every consumer of the key uses this wrapper.
   * Not guaranteed: effects outside this database (HTTP calls, messages, other
   * databases) are at-least-once; a handler that throws rolls back and is retried;
   * a dead-lettered event writes no record (the queue counts it complete).
   */
  exactlyOnce<E extends SequencedEvent>(handler: PostgresTransactionalHandler<E>): EventHandler<E>;
  /** The pool the checkpoints are written through. */
  readonly pool: pg.Pool;
  /** End the pool if the store created it. Idempotent. */
  close(): Promise<void>;
  [Symbol.asyncDispose](): Promise<void>;
}

const asyncDispose: typeof Symbol.asyncDispose =
  Symbol.asyncDispose ?? Symbol.for("Symbol.asyncDispose");

/**
 * Create a checkpoint store in PostgreSQL via `pg`. A save is one upsert that
 * keeps `GREATEST(stored, new)`, so saves are monotonic across any number of
 * processes. The table is created on first use.
 *
 * @throws ValidationError (from @threadline/core) for a bad table name or pool option.
 * @throws CheckpointStoreError (from load/save) when the database fails.
 */
export function createPostgresCheckpointStore(
  options: PostgresCheckpointStoreOptions,
): PostgresCheckpointStore {
  const table = options?.table ?? "threadline_checkpoints";
  assertSqlIdentifier("table", table);
  const handledTable = `${table}_handled`;
  assertSqlIdentifier("table", handledTable);
  const given = options.pool;
  if (typeof given !== "string" && !(given instanceof pg.Pool)) {
    throw invalidArgument("pool", "a pg.Pool or a connection string", given);
  }
  const owned = typeof given === "string";
  const pool = typeof given === "string" ? new pg.Pool({ connectionString: given, max: 4 }) : given;
  let ready: Promise<void> | undefined;
  let closed: Promise<void> | undefined;

  function prepare(): Promise<void> {
    ready ??= createTables().catch((error: unknown) => {
      ready = undefined;
      throw new CheckpointStoreError(`creating the PostgreSQL table "${table}" failed`, {
        cause: error,
      });
    });
    return ready;
  }

  async function createTables(): Promise<void> {
    const client = await pool.connect();
    try {
      // Two processes creating the same table at once collide in the catalog; the lock serialises them.
      await client.query("BEGIN");
      await client.query("SELECT pg_advisory_xact_lock(hashtext($1))", [`threadline:${table}`]);
      await client.query(
        `CREATE TABLE IF NOT EXISTS "${table}" (key TEXT PRIMARY KEY, sequence BIGINT NOT NULL CHECK (sequence >= 0))`,
      );
      await client.query(
        `CREATE TABLE IF NOT EXISTS "${handledTable}" (key TEXT NOT NULL, sequence BIGINT NOT NULL, PRIMARY KEY (key, sequence))`,
      );
      await client.query("COMMIT");
    } catch (error) {
      await client.query("ROLLBACK").catch(() => undefined);
      throw error;
    } finally {
      client.release();
    }
  }

  async function loadWith(
    queryable: pg.Pool | pg.PoolClient,
    key: string,
  ): Promise<number | undefined> {
    const result = await queryable.query<{ sequence: string }>(
      `SELECT sequence::text AS sequence FROM "${table}" WHERE key = $1`,
      [key],
    );
    const row = result.rows[0];
    if (row === undefined) return undefined;
    const value = Number(row.sequence);
    if (!Number.isSafeInteger(value) || value < 0) {
      throw new CheckpointStoreError(
        `table "${table}" holds ${row.sequence} for key ${JSON.stringify(key)}; expected a non-negative safe integer`,
      );
    }
    return value;
  }

  async function wrap<T>(what: string, task: () => Promise<T>): Promise<T> {
    try {
      return await task();
    } catch (error) {
      if (error instanceof CheckpointStoreError) throw error;
      throw new CheckpointStoreError(`${what} failed`, { cause: error });
    }
  }

  const close = (): Promise<void> => {
    closed ??= owned ? pool.end() : Promise.resolve();
    return closed;
  };

  return {
    async load(key) {
      assertCheckpointKey("key", key);
      await prepare();
      return wrap(`loading the checkpoint for key ${JSON.stringify(key)}`, () =>
        loadWith(pool, key),
      );
    },
    async save(key, sequence) {
      assertCheckpointKey("key", key);
      assertCheckpointValue("sequence", sequence);
      await prepare();
      await wrap(`saving checkpoint ${sequence} for key ${JSON.stringify(key)}`, async () => {
        // One statement: the upsert and the prune of covered records commit together.
        await pool.query(
          `WITH saved AS (
             INSERT INTO "${table}" AS current (key, sequence) VALUES ($1, $2)
             ON CONFLICT (key) DO UPDATE SET sequence = GREATEST(current.sequence, EXCLUDED.sequence)
             RETURNING sequence
           )
           DELETE FROM "${handledTable}" WHERE key = $1 AND sequence <= (SELECT sequence FROM saved)`,
          [key, sequence],
        );
      });
    },
    exactlyOnce<E extends SequencedEvent>(
      handler: PostgresTransactionalHandler<E>,
    ): EventHandler<E> {
      if (typeof handler !== "function") {
        throw invalidArgument("handler", "a function", handler);
      }
      return async (event, context) => {
        await prepare();
        const client = await pool.connect();
        let failed = false;
        try {
          await client.query("BEGIN");
          const stored = await loadWith(client, context.key);
          const marked =
            stored !== undefined && event.sequence <= stored
              ? 0
              : ((
                  await client.query(
                    `INSERT INTO "${handledTable}" (key, sequence) VALUES ($1, $2) ON CONFLICT DO NOTHING`,
                    [context.key, event.sequence],
                  )
                ).rowCount ?? 0);
          if (marked === 1) await handler(event, client, context);
          await client.query("COMMIT");
        } catch (error) {
          failed = true;
          await client.query("ROLLBACK").catch(() => undefined);
          throw error;
        } finally {
          // A client whose rollback may have failed is not returned to the pool.
          client.release(failed ? true : undefined);
        }
      };
    },
    pool,
    close,
    [asyncDispose]: close,
  };
}
