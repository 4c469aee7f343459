import type { PgQueryable } from "./pg-queryable.js";
import { postgresMigrations } from "./postgres-schema.js";

/**
 * The advisory lock every Threadline process takes while it migrates ("thrdline" in
 * ASCII), so processes starting at once run the migrations one at a time.
 */
const migrationLockKey = "8388080081618693733";

/** The component name of this schema in `schema_version`. */
const component = "threadline";

/** Which schema versions a {@link migratePostgres} call went from and to. */
export interface PostgresMigrationResult {
  /** The version the database had before (0 for an empty database). */
  readonly from: number;
  /** The version it has now: every migration this server knows. */
  readonly to: number;
}

/**
 * Brings a PostgreSQL database up to this server's schema, in one transaction on
 * `connection`, which must be ONE connection (a `pg.Client` or a checked-out
 * `pg.PoolClient`, not a pool) outside any transaction.
 *
 * Safe when several processes start at once: each takes a transaction-scoped advisory
 * lock first, so the second waits for the first one's COMMIT and then finds nothing
 * left to do. Idempotent: running it on an up-to-date database changes nothing. Throws
 * (and leaves the database as it was) when a statement fails, or when the database was
 * written by a newer server.
 */
export async function migratePostgres(connection: PgQueryable): Promise<PostgresMigrationResult> {
  await connection.query("BEGIN");
  try {
    await connection.query("SELECT pg_advisory_xact_lock($1::bigint)", [migrationLockKey]);
    await connection.query(
      "CREATE TABLE IF NOT EXISTS schema_version (component text PRIMARY KEY, version integer NOT NULL)",
    );
    const { rows } = await connection.query<{ version: number }>(
      "SELECT version FROM schema_version WHERE component = $1",
      [component],
    );
    const from = rows[0]?.version ?? 0;
    const to = postgresMigrations.length;
    if (from > to) {
      throw new Error(
        `the PostgreSQL database has Threadline schema version ${from}, newer than this server knows (${to}); upgrade @threadline/server`,
      );
    }
    for (let version = from; version < to; version += 1) {
      for (const statement of postgresMigrations[version] ?? []) await connection.query(statement);
    }
    if (from < to) {
      await connection.query(
        "INSERT INTO schema_version (component, version) VALUES ($1, $2) ON CONFLICT (component) DO UPDATE SET version = excluded.version",
        [component, to],
      );
    }
    await connection.query("COMMIT");
    return { from, to };
  } catch (error) {
    await connection.query("ROLLBACK").catch(() => undefined);
    throw error;
  }
}
