import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import BetterSqlite3 from "better-sqlite3";
import { pino } from "pino";
import { describe, expect, it } from "vitest";
import { migrate } from "../src/storage/migrate.js";
import { platformMigrations } from "../src/storage/platform-schema.js";
import { openSqliteStore } from "../src/storage/sqlite-store.js";
import { messageEvent } from "./support/append-events.js";

describe("event log migration", () => {
  it("a log written by the first schema keeps every event and keeps appending after the upgrade", async () => {
    const directory = await mkdtemp(join(tmpdir(), "threadline-migration-"));
    const path = join(directory, "v1.db");
    try {
      // A file as the first release left it: platform schema version 1, events in it.
      const old = new BetterSqlite3(path);
      old.exec(
        "CREATE TABLE schema_version (component TEXT PRIMARY KEY, version INTEGER NOT NULL)",
      );
      for (const statement of platformMigrations[0] ?? []) old.exec(statement);
      old.prepare("INSERT INTO schema_version (component, version) VALUES ('platform', 1)").run();
      const insert = old.prepare(
        "INSERT INTO event_log (account_id, sequence, kind, chat_guid, poll_guid, recorded_at, payload) VALUES (?, ?, 1, ?, NULL, 0, ?)",
      );
      for (let sequence = 1; sequence <= 3; sequence += 1) {
        insert.run(7, sequence, `any;-;old${sequence}@x.com`, Buffer.from([sequence]));
      }
      old.prepare("INSERT INTO log_heads (account_id, head_sequence) VALUES (7, 3)").run();
      old.close();

      const store = openSqliteStore({ path, logger: pino({ enabled: false }) });
      try {
        await expect(
          store.write((context) => context.appendEvent(7, messageEvent("any;-;new@x.com"))),
        ).resolves.toBe(4);
        const rows = store.read((db) =>
          db
            .prepare<[], { sequence: number; chat_guid: string }>(
              "SELECT sequence, chat_guid FROM event_log WHERE account_id = 7 ORDER BY sequence",
            )
            .all(),
        );
        expect(rows).toEqual([
          { sequence: 1, chat_guid: "any;-;old1@x.com" },
          { sequence: 2, chat_guid: "any;-;old2@x.com" },
          { sequence: 3, chat_guid: "any;-;old3@x.com" },
          { sequence: 4, chat_guid: "any;-;new@x.com" },
        ]);
        // The same (account, sequence) can still never be stored twice.
        expect(() =>
          store.read((db) =>
            db
              .prepare(
                "INSERT INTO event_log (account_id, sequence, kind, chat_guid, recorded_at, payload) VALUES (7, 4, 1, 'x', 0, x'00')",
              )
              .run(),
          ),
        ).toThrow(/UNIQUE|PRIMARY KEY/);
        expect(() => migrate(store.database)).not.toThrow();
      } finally {
        await store.close();
      }
    } finally {
      await rm(directory, { recursive: true, force: true });
    }
  });
});
