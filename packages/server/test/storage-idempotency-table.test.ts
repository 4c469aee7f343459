import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import BetterSqlite3 from "better-sqlite3";
import { describe, expect, it } from "vitest";
import { domainSchema } from "../src/storage/domain-schema.js";
import { platformMigrations } from "../src/storage/platform-schema.js";
import { openTestStore, type StoreMode, storeModes } from "./support/test-store.js";

const firstRowidStatement = domainSchema.findIndex((statement) =>
  statement.includes("CREATE TABLE IF NOT EXISTS idempotency_records"),
);

interface KeyRow {
  readonly account_id: number;
  readonly key: string;
  readonly fingerprint: string;
  readonly response: Buffer;
  readonly created_at: number;
}

const keyRows = (db: BetterSqlite3.Database) =>
  db
    .prepare<[], KeyRow>(
      "SELECT account_id, key, fingerprint, response, created_at FROM idempotency_keys ORDER BY account_id, key",
    )
    .all();

describe.each(storeModes)("the idempotency key table (%s)", (mode: StoreMode) => {
  it("is a rowid table with a unique (account_id, key) index, and a file from before keeps every key", async () => {
    expect(firstRowidStatement).toBeGreaterThan(0);
    const directory = await mkdtemp(join(tmpdir(), "threadline-idempotency-table-"));
    const path = join(directory, "old.db");
    try {
      // A file written by a server from before: the domain schema up to the old table.
      const old = new BetterSqlite3(path);
      old.exec(
        "CREATE TABLE schema_version (component TEXT PRIMARY KEY, version INTEGER NOT NULL)",
      );
      for (const migration of platformMigrations)
        for (const statement of migration) old.exec(statement);
      for (const statement of domainSchema.slice(0, firstRowidStatement)) old.exec(statement);
      old
        .prepare("INSERT INTO schema_version (component, version) VALUES (?, ?), (?, ?)")
        .run("platform", platformMigrations.length, "domain", firstRowidStatement);
      const insert = old.prepare(
        "INSERT INTO idempotency_keys (account_id, key, fingerprint, response, created_at) VALUES (?, ?, ?, ?, ?)",
      );
      insert.run(1, "key-b", "fingerprint-b", Buffer.from([1, 2, 3]), 2000);
      insert.run(1, "key-a", "fingerprint-a", Buffer.from([4]), 1000);
      insert.run(2, "key-a", "fingerprint-c", Buffer.from([]), 3000);
      const before = keyRows(old);
      old.close();

      const store = openTestStore(path, mode);
      try {
        expect(store.read(keyRows)).toEqual(before);
        const table = store.read(
          (db) =>
            db
              .prepare<[], { sql: string }>(
                "SELECT sql FROM sqlite_schema WHERE type = 'table' AND name = 'idempotency_keys'",
              )
              .get()?.sql,
        );
        expect(table).toContain("id INTEGER PRIMARY KEY");
        expect(table).not.toContain("WITHOUT ROWID");
        const indexes = store.read((db) =>
          db
            .prepare<[], { name: string; unique: number }>("PRAGMA index_list(idempotency_keys)")
            .all()
            .map((index) => ({ name: index.name, unique: index.unique }))
            .sort((a, b) => a.name.localeCompare(b.name)),
        );
        expect(indexes).toEqual([
          { name: "idempotency_keys_by_age", unique: 0 },
          { name: "idempotency_keys_by_key", unique: 1 },
        ]);
        // One row per account and key, as before.
        await expect(
          store.run({
            operation: "test.insertKey",
            input: { accountId: 1, key: "key-a", fingerprint: "other", createdAt: 4000 },
          }),
        ).rejects.toThrow(
          "UNIQUE constraint failed: idempotency_keys.account_id, idempotency_keys.key",
        );
        expect(store.read(keyRows)).toEqual(before);
      } finally {
        await store.close();
      }
    } finally {
      await rm(directory, { recursive: true, force: true });
    }
  });
});
