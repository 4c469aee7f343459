import { randomBytes } from "node:crypto";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import Database from "better-sqlite3";
import pg from "pg";
import { afterAll, afterEach, beforeAll, beforeEach } from "vitest";
import { migrate } from "../../src/storage/migrate.js";
import { migratePostgres } from "../../src/storage/postgres/migrate-postgres.js";
import { createPostgresRepositories } from "../../src/storage/postgres/postgres-repositories.js";
import type { Repositories } from "../../src/storage/repositories.js";
import { createSqliteRepositories } from "../../src/storage/sqlite/sqlite-repositories.js";

/** The engines every contract case runs on. */
export type EngineName = "sqlite" | "postgres";

/** Both engines, for `describe.each(engineNames)`. */
export const engineNames: readonly EngineName[] = ["sqlite", "postgres"];

/** PostgreSQL the contract suite uses: trust auth on loopback by default. */
export const postgresAdminUrl =
  process.env.THREADLINE_TEST_PG_URL ?? "postgres://postgres@127.0.0.1:5432/test";

const ci = process.env.CI === "true";

/** One engine's repositories over a freshly migrated, empty database. */
export interface ContractEngine {
  readonly name: EngineName;
  /** Reads of committed data, outside any transaction. */
  readonly repositories: Repositories;
  /**
   * Runs `body` inside one transaction of the engine (SQLite: BEGIN … COMMIT on the
   * connection; PostgreSQL: a pooled client inside BEGIN … COMMIT), the way a write runs.
   * Commits when `body` resolves; rolls back and rethrows when it rejects.
   */
  write<T>(body: (repositories: Repositories) => Promise<T>): Promise<T>;
  /**
   * PostgreSQL only (undefined on SQLite): how many of this database's connections wait
   * for a lock right now, so a case can see a transaction queue behind another one
   * without waiting on a clock.
   */
  readonly connectionsWaitingOnLocks?: () => Promise<number>;
  /**
   * Test-only: stores log rows and moves the account's head to the last one, as the
   * engine's append does after assigning sequences (appends are the engine's, not a
   * repository's, so the suite seeds the log directly).
   */
  seedLog(
    accountId: number,
    events: readonly SeededLogEvent[],
    retainedFrom?: number,
  ): Promise<void>;
}

/** One event-log row to seed. */
export interface SeededLogEvent {
  readonly sequence: number;
  /** The kind code: 1 message, 2 group, 3 poll, 4 chat. */
  readonly kind: number;
  readonly chatGuid: string;
  readonly pollGuid: string | null;
  readonly recordedAt: number;
  readonly payload: Uint8Array;
}

/**
 * Registers the hooks that give every test of the enclosing `describe` its own empty
 * database on `name`, and returns the getter for it. SQLite: a new file in a temporary
 * directory, migrated by the SQLite migration. PostgreSQL: one database per test file
 * (created here, dropped afterwards) and a new schema per test, migrated by
 * `migratePostgres`. An unreachable PostgreSQL skips its tests, except under `CI=true`,
 * where it fails them.
 */
export function useContractEngine(name: EngineName): () => ContractEngine {
  return name === "sqlite" ? useSqliteEngine() : usePostgresEngine();
}

function useSqliteEngine(): () => ContractEngine {
  let current: { engine: ContractEngine; close(): void } | undefined;
  beforeEach(() => {
    const directory = mkdtempSync(join(tmpdir(), "threadline-contract-"));
    const db = new Database(join(directory, "threadline.db"));
    db.pragma("journal_mode = WAL");
    db.pragma("foreign_keys = ON");
    migrate(db);
    const repositories = createSqliteRepositories(db);
    current = {
      engine: {
        name: "sqlite",
        repositories,
        async write(body) {
          db.exec("BEGIN IMMEDIATE");
          try {
            const result = await body(repositories);
            db.exec("COMMIT");
            return result;
          } catch (error) {
            if (db.inTransaction) db.exec("ROLLBACK");
            throw error;
          }
        },
        async seedLog(accountId, events, retainedFrom = 1) {
          const insert = db.prepare(
            "INSERT INTO event_log (account_id, sequence, kind, chat_guid, poll_guid, recorded_at, payload) VALUES (?, ?, ?, ?, ?, ?, ?)",
          );
          for (const event of events) {
            insert.run(
              accountId,
              event.sequence,
              event.kind,
              event.chatGuid,
              event.pollGuid,
              event.recordedAt,
              event.payload,
            );
          }
          db.prepare(
            "INSERT INTO log_heads (account_id, head_sequence, retained_from) VALUES (?, ?, ?) ON CONFLICT (account_id) DO UPDATE SET head_sequence = excluded.head_sequence, retained_from = excluded.retained_from",
          ).run(accountId, events.at(-1)?.sequence ?? 0, retainedFrom);
        },
      },
      close() {
        db.close();
        rmSync(directory, { recursive: true, force: true });
      },
    };
  });
  afterEach(() => {
    current?.close();
    current = undefined;
  });
  return () => {
    if (current === undefined)
      throw new Error("the SQLite contract engine is open only inside a test");
    return current.engine;
  };
}

/** A database of its own for one test file, on the contract suite's PostgreSQL. */
export interface PostgresScratchDatabase {
  readonly url: string;
  /** A pool whose connections use `schema` (created empty if missing) as their search path. */
  poolForSchema(schema: string): Promise<pg.Pool>;
}

/**
 * Registers hooks that create one PostgreSQL database for the enclosing `describe`
 * (dropped afterwards) and returns a getter for it; undefined when PostgreSQL is
 * unreachable outside CI (each test is then skipped).
 */
export function usePostgresScratchDatabase(): () => PostgresScratchDatabase {
  let scratch: (PostgresScratchDatabase & { drop(): Promise<void> }) | undefined;
  let unreachable = false;
  beforeAll(async () => {
    const databaseName = `threadline_r_${randomBytes(6).toString("hex")}`;
    const admin = new pg.Client({
      connectionString: postgresAdminUrl,
      connectionTimeoutMillis: 3000,
    });
    try {
      await admin.connect();
    } catch (error) {
      await admin.end().catch(() => undefined);
      if (ci) {
        throw new Error(
          `PostgreSQL at ${postgresAdminUrl} is unreachable, and CI=true makes that a failure`,
          { cause: error },
        );
      }
      console.warn(
        `PostgreSQL at ${postgresAdminUrl} is unreachable; its contract cases are skipped`,
      );
      unreachable = true;
      return;
    }
    try {
      // A linguistic (ICU en-US) collation, as most production servers have, so a case
      // that depends on text order fails here unless the repository orders by code point
      // as SQLite does; the server's default where ICU is missing.
      await admin
        .query(
          `CREATE DATABASE ${databaseName} TEMPLATE template0 LOCALE_PROVIDER icu ICU_LOCALE 'en-US' LOCALE 'C.UTF-8'`,
        )
        .catch(() => admin.query(`CREATE DATABASE ${databaseName}`));
    } finally {
      await admin.end();
    }
    const url = new URL(postgresAdminUrl);
    url.pathname = `/${databaseName}`;
    const pools: pg.Pool[] = [];
    scratch = {
      url: url.toString(),
      async poolForSchema(schema) {
        const setup = new pg.Client({ connectionString: url.toString() });
        await setup.connect();
        try {
          await setup.query(`CREATE SCHEMA IF NOT EXISTS ${schema}`);
        } finally {
          await setup.end();
        }
        const pool = new pg.Pool({
          connectionString: url.toString(),
          options: `-c search_path=${schema}`,
          max: 8,
        });
        // An idle connection still closing when the database is dropped (WITH FORCE) gets
        // a FATAL 57P01; without a listener the pool would throw it as an uncaught error.
        pool.on("error", () => undefined);
        pools.push(pool);
        return pool;
      },
      async drop() {
        for (const pool of pools.splice(0)) await pool.end().catch(() => undefined);
        const dropper = new pg.Client({ connectionString: postgresAdminUrl });
        await dropper.connect();
        try {
          await dropper.query(`DROP DATABASE IF EXISTS ${databaseName} WITH (FORCE)`);
        } finally {
          await dropper.end();
        }
      },
    };
  });
  beforeEach((context) => {
    if (unreachable) context.skip();
  });
  afterAll(async () => {
    await scratch?.drop();
    scratch = undefined;
  });
  return () => {
    if (scratch === undefined)
      throw new Error("the PostgreSQL scratch database is open only inside a test");
    return scratch;
  };
}

function usePostgresEngine(): () => ContractEngine {
  const scratch = usePostgresScratchDatabase();
  let schemaCount = 0;
  let current: { engine: ContractEngine; pool: pg.Pool } | undefined;
  beforeEach(async () => {
    schemaCount += 1;
    const pool = await scratch().poolForSchema(`contract_${schemaCount}`);
    const migrator = await pool.connect();
    try {
      await migratePostgres(migrator);
    } finally {
      migrator.release();
    }
    current = {
      pool,
      engine: {
        name: "postgres",
        repositories: createPostgresRepositories(pool),
        async connectionsWaitingOnLocks() {
          const { rows } = await pool.query<{ waiting: string }>(
            "SELECT COUNT(*) AS waiting FROM pg_stat_activity WHERE datname = current_database() AND wait_event_type = 'Lock'",
          );
          return Number(rows[0]?.waiting ?? 0);
        },
        async write(body) {
          const client = await pool.connect();
          try {
            await client.query("BEGIN");
            const result = await body(createPostgresRepositories(client));
            await client.query("COMMIT");
            return result;
          } catch (error) {
            await client.query("ROLLBACK").catch(() => undefined);
            throw error;
          } finally {
            client.release();
          }
        },
        async seedLog(accountId, events, retainedFrom = 1) {
          await pool.query(
            `INSERT INTO event_log (account_id, sequence, kind, chat_guid, poll_guid, recorded_at, payload)
             SELECT $1, seeded.* FROM unnest($2::bigint[], $3::smallint[], $4::text[], $5::text[], $6::bigint[], $7::bytea[])
               AS seeded (sequence, kind, chat_guid, poll_guid, recorded_at, payload)`,
            [
              accountId,
              events.map((event) => event.sequence),
              events.map((event) => event.kind),
              events.map((event) => event.chatGuid),
              events.map((event) => event.pollGuid),
              events.map((event) => event.recordedAt),
              events.map((event) => event.payload),
            ],
          );
          await pool.query(
            "INSERT INTO log_heads (account_id, head_sequence, retained_from) VALUES ($1, $2, $3) ON CONFLICT (account_id) DO UPDATE SET head_sequence = excluded.head_sequence, retained_from = excluded.retained_from",
            [accountId, events.at(-1)?.sequence ?? 0, retainedFrom],
          );
        },
      },
    };
  });
  afterEach(async () => {
    await current?.pool.end();
    current = undefined;
  });
  return () => {
    if (current === undefined)
      throw new Error("the PostgreSQL contract engine is open only inside a test");
    return current.engine;
  };
}

/** Bytes as hex text, so both engines' byte values (Buffer or Uint8Array) compare equal. */
export function hex(bytes: Uint8Array): string {
  return Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength).toString("hex");
}
