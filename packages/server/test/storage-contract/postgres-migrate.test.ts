import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import Database from "better-sqlite3";
import type pg from "pg";
import { describe, expect, it } from "vitest";
import { migrate } from "../../src/storage/migrate.js";
import { migratePostgres } from "../../src/storage/postgres/migrate-postgres.js";
import { postgresMigrations } from "../../src/storage/postgres/postgres-schema.js";
import { usePostgresScratchDatabase } from "./contract-engines.js";

/** Every table of a freshly migrated SQLite file, with its column names. */
function sqliteTables(): Map<string, string[]> {
  const directory = mkdtempSync(join(tmpdir(), "threadline-schema-"));
  const db = new Database(join(directory, "threadline.db"));
  try {
    migrate(db);
    const names = db
      .prepare<[], { name: string }>(
        "SELECT name FROM sqlite_master WHERE type = 'table' AND name NOT LIKE 'sqlite_%' ORDER BY name",
      )
      .all()
      .map((row) => row.name);
    return new Map(
      names.map((name) => [
        name,
        db
          .prepare<[], { name: string }>(`SELECT name FROM pragma_table_info('${name}')`)
          .all()
          .map((column) => column.name)
          .sort(),
      ]),
    );
  } finally {
    db.close();
    rmSync(directory, { recursive: true, force: true });
  }
}

/** Every index of a freshly migrated SQLite file as "table(column, …)", unique ones marked. */
function sqliteIndexes(): string[] {
  const directory = mkdtempSync(join(tmpdir(), "threadline-schema-"));
  const db = new Database(join(directory, "threadline.db"));
  try {
    migrate(db);
    const tables = db
      .prepare<[], { name: string }>(
        "SELECT name FROM sqlite_master WHERE type = 'table' AND name NOT LIKE 'sqlite_%'",
      )
      .all();
    return tables.flatMap(({ name: table }) =>
      db
        .prepare<[string], { name: string; unique: number }>(
          'SELECT name, "unique" FROM pragma_index_list(?)',
        )
        .all(table)
        .map((index) => {
          const columns = db
            .prepare<[string], { name: string }>(
              "SELECT name FROM pragma_index_info(?) ORDER BY seqno",
            )
            .all(index.name)
            .map((column) => column.name);
          return `${index.unique === 1 ? "unique " : ""}${table}(${columns.join(", ")})`;
        }),
    );
  } finally {
    db.close();
    rmSync(directory, { recursive: true, force: true });
  }
}

async function postgresIndexes(pool: pg.Pool, schema: string): Promise<string[]> {
  const { rows } = await pool.query<{ description: string }>(
    `SELECT (CASE WHEN i.indisunique THEN 'unique ' ELSE '' END) || t.relname || '(' ||
       (SELECT string_agg(a.attname, ', ' ORDER BY k.position)
          FROM unnest(i.indkey) WITH ORDINALITY AS k (attnum, position)
          JOIN pg_attribute a ON a.attrelid = t.oid AND a.attnum = k.attnum) || ')' AS description
     FROM pg_index i
     JOIN pg_class t ON t.oid = i.indrelid
     JOIN pg_namespace n ON n.oid = t.relnamespace
     WHERE n.nspname = $1`,
    [schema],
  );
  return rows.map((row) => row.description);
}

async function postgresTables(pool: pg.Pool, schema: string): Promise<Map<string, string[]>> {
  const { rows } = await pool.query<{ table_name: string; column_name: string }>(
    "SELECT table_name, column_name FROM information_schema.columns WHERE table_schema = $1 ORDER BY table_name, column_name",
    [schema],
  );
  const tables = new Map<string, string[]>();
  for (const row of rows) {
    const columns = tables.get(row.table_name) ?? [];
    columns.push(row.column_name);
    tables.set(row.table_name, columns);
  }
  return tables;
}

async function migrateOnce(pool: pg.Pool) {
  const connection = await pool.connect();
  try {
    return await migratePostgres(connection);
  } finally {
    connection.release();
  }
}

describe("PostgreSQL migrations", () => {
  const scratch = usePostgresScratchDatabase();

  it("create every table and column of the SQLite schema", async () => {
    const pool = await scratch().poolForSchema("parity");
    expect(await migrateOnce(pool)).toEqual({ from: 0, to: postgresMigrations.length });
    const expected = sqliteTables();
    // SQLite keeps a rowid on idempotency_keys only so rows append in time order; a
    // PostgreSQL heap appends anyway, so the table is keyed by (account_id, key) alone.
    expected.set(
      "idempotency_keys",
      (expected.get("idempotency_keys") ?? []).filter((column) => column !== "id"),
    );
    const actual = await postgresTables(pool, "parity");
    expect([...actual.keys()].sort()).toEqual([...expected.keys()].sort());
    for (const [table, columns] of expected) {
      expect({ table, columns: actual.get(table) }).toEqual({ table, columns });
    }
  });

  it("have an index with the same columns (and uniqueness) as every SQLite index", async () => {
    const pool = await scratch().poolForSchema("indexes");
    await migrateOnce(pool);
    const actual = new Set(await postgresIndexes(pool, "indexes"));
    const expected = sqliteIndexes();
    // The SQLite schema has 30 indexes, primary and unique keys included.
    expect(expected).toHaveLength(30);
    expect(expected.filter((index) => !actual.has(index))).toEqual([]);
  });

  it("keep the unique keys the SQLite schema has", async () => {
    const pool = await scratch().poolForSchema("uniques");
    await migrateOnce(pool);
    await pool.query("INSERT INTO accounts (created_at) VALUES (1), (2)");
    await pool.query(
      "INSERT INTO chats (is_group, direct_key, created_at) VALUES (false, 'a\nb', 1)",
    );
    await expect(
      pool.query("INSERT INTO chats (is_group, direct_key, created_at) VALUES (false, 'a\nb', 2)"),
    ).rejects.toMatchObject({ code: "23505" });
    await expect(
      pool.query("INSERT INTO chats (is_group, created_at) VALUES (true, 3)"),
    ).rejects.toMatchObject({ code: "23514" });
    await pool.query(
      "INSERT INTO event_log (account_id, sequence, kind, chat_guid, recorded_at, payload) VALUES (1, 1, 1, 'c', 1, '\\x00')",
    );
    await expect(
      pool.query(
        "INSERT INTO event_log (account_id, sequence, kind, chat_guid, recorded_at, payload) VALUES (1, 1, 1, 'c', 2, '\\x01')",
      ),
    ).rejects.toMatchObject({ code: "23505" });
    await pool.query(
      "INSERT INTO whatsapp_log (number_id, sequence, kind, dedupe_key, recorded_at, payload) VALUES (1, 1, 1, 'm:x', 1, '\\x00')",
    );
    await expect(
      pool.query(
        "INSERT INTO whatsapp_log (number_id, sequence, kind, dedupe_key, recorded_at, payload) VALUES (1, 2, 1, 'm:x', 1, '\\x00')",
      ),
    ).rejects.toMatchObject({ code: "23505" });
  });

  it("are idempotent: a second run finds nothing to do and keeps the data", async () => {
    const pool = await scratch().poolForSchema("twice");
    await migrateOnce(pool);
    await pool.query("INSERT INTO accounts (created_at) VALUES (42)");
    expect(await migrateOnce(pool)).toEqual({
      from: postgresMigrations.length,
      to: postgresMigrations.length,
    });
    const { rows } = await pool.query<{ created_at: string }>("SELECT created_at FROM accounts");
    expect(rows).toEqual([{ created_at: "42" }]);
  });

  it("run once when several processes start at once", async () => {
    const pool = await scratch().poolForSchema("concurrent");
    const results = await Promise.all(Array.from({ length: 6 }, () => migrateOnce(pool)));
    expect(results.filter((result) => result.from === 0)).toHaveLength(1);
    expect(results.every((result) => result.to === postgresMigrations.length)).toBe(true);
    const { rows } = await pool.query<{ version: number }>(
      "SELECT version FROM schema_version WHERE component = 'threadline'",
    );
    expect(rows).toEqual([{ version: postgresMigrations.length }]);
  });

  it("refuse a database written by a newer server and change nothing", async () => {
    const pool = await scratch().poolForSchema("newer");
    await migrateOnce(pool);
    await pool.query("UPDATE schema_version SET version = version + 1");
    await expect(migrateOnce(pool)).rejects.toThrow(
      `the PostgreSQL database has Threadline schema version ${postgresMigrations.length + 1}, newer than this server knows (${postgresMigrations.length}); upgrade @threadline/server`,
    );
    const { rows } = await pool.query<{ version: number }>("SELECT version FROM schema_version");
    expect(rows).toEqual([{ version: postgresMigrations.length + 1 }]);
  });

  it("leave nothing behind when a migration fails part-way", async () => {
    const pool = await scratch().poolForSchema("partial");
    // A table in the way of a later statement makes that statement fail after earlier
    // CREATE TABLEs ran inside the same transaction.
    await pool.query("CREATE TABLE whatsapp_heads (blocking integer)");
    await expect(migrateOnce(pool)).rejects.toMatchObject({ code: "42P07" });
    const tables = await postgresTables(pool, "partial");
    expect([...tables.keys()]).toEqual(["whatsapp_heads"]);
  });
});
