import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import BetterSqlite3 from "better-sqlite3";
import { pino } from "pino";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { migrate } from "../src/storage/migrate.js";
import { openSqliteStore, type SqliteStore } from "../src/storage/sqlite-store.js";
import { openTestStore, type StoreMode, storeModes } from "./support/test-store.js";

const appendOne = (store: SqliteStore, chatGuid: string) =>
  store.run({ operation: "test.append", input: { appends: [{ accountId: 7, chatGuid }] } });

const silent = pino({ enabled: false });
let directory: string;
let path: string;

beforeEach(async () => {
  directory = await mkdtemp(join(tmpdir(), "threadline-schema-"));
  path = join(directory, "threadline.db");
});

afterEach(async () => {
  await rm(directory, { recursive: true, force: true });
});

describe.each(storeModes)("storage schema (%s)", (mode: StoreMode) => {
  it("reopening a file keeps its events and appends after them", async () => {
    const first = openTestStore(path, mode);
    for (let index = 0; index < 3; index += 1) await appendOne(first, "any;-;a@x.com");
    await first.close();

    const second = openTestStore(path, mode);
    try {
      await appendOne(second, "any;-;b@x.com");
      const rows = second.read((db) =>
        db
          .prepare<[], { sequence: number; chat_guid: string }>(
            "SELECT sequence, chat_guid FROM event_log WHERE account_id = 7 ORDER BY sequence",
          )
          .all(),
      );
      expect(rows.map((row) => row.sequence)).toEqual([1, 2, 3, 4]);
      expect(rows.at(-1)?.chat_guid).toBe("any;-;b@x.com");
      // Running the migrations again on an up-to-date file changes nothing.
      expect(() => migrate(second.database)).not.toThrow();
    } finally {
      await second.close();
    }
  });

  it("the event log can never hold the same (account, sequence) twice", async () => {
    const store = openTestStore(path, mode);
    try {
      await appendOne(store, "any;-;a@x.com");
      expect(() =>
        store.read((db) =>
          db
            .prepare(
              "INSERT INTO event_log (account_id, sequence, kind, chat_guid, recorded_at, payload) VALUES (7, 1, 1, 'x', 0, x'00')",
            )
            .run(),
        ),
      ).toThrow(/UNIQUE|PRIMARY KEY/);
    } finally {
      await store.close();
    }
  });

  it("refuses a file written by a newer server, naming both versions", async () => {
    await openTestStore(path, mode).close();
    const file = new BetterSqlite3(path);
    file.prepare("UPDATE schema_version SET version = 99 WHERE component = 'platform'").run();
    file.close();
    expect(() => openSqliteStore({ path, logger: silent })).toThrow(
      /platform schema version 99, newer than this server knows \(1\); upgrade @threadline\/server/,
    );
  });
});
