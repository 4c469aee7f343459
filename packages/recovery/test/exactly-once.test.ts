import { randomBytes } from "node:crypto";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import Database from "better-sqlite3";
import pg from "pg";
import { afterAll, describe, expect, it } from "vitest";
import { createCheckpointQueue } from "../src/checkpoint-queue.js";
import { createPostgresCheckpointStore } from "../src/postgres-checkpoint-store.js";
import { createSqliteCheckpointStore } from "../src/sqlite-checkpoint-store.js";
import { postgresUrl, serviceAvailability } from "./services.js";

interface Event {
  readonly sequence: number;
}

const run = randomBytes(4).toString("hex");
const services = await serviceAvailability();
const directory = mkdtempSync(join(tmpdir(), "threadline-recovery-exactly-once-"));

afterAll(() => {
  rmSync(directory, { recursive: true, force: true });
});

const events = (from: number, to: number): Event[] =>
  Array.from({ length: to - from + 1 }, (_, index) => ({ sequence: from + index }));

describe("SQLite exactlyOnce", () => {
  it("applies each event's database effects once across a crash between effects and checkpoint", async () => {
    const path = join(directory, "effects.db");
    const database = new Database(path);
    database.exec("CREATE TABLE effects (sequence INTEGER NOT NULL)");
    const insert = database.prepare("INSERT INTO effects (sequence) VALUES (?)");
    const store = createSqliteCheckpointStore({ database });
    const firstCalls: number[] = [];

    // First life: effects commit, but the checkpoint is never saved (no close, long idle timer).
    const first = await createCheckpointQueue<Event>({
      store,
      key: "bot",
      concurrency: 4,
      flushIntervalMs: 60_000,
      handler: store.exactlyOnce<Event>((event) => {
        firstCalls.push(event.sequence);
        insert.run(event.sequence);
      }),
    });
    for (const event of events(1, 20)) await first.push(event);
    await first.drain();
    expect(await store.load("bot")).toBeUndefined();

    // Second life: the source replays everything from the stored (missing) checkpoint.
    const secondCalls: number[] = [];
    const second = await createCheckpointQueue<Event>({
      store,
      key: "bot",
      concurrency: 4,
      handler: store.exactlyOnce<Event>((event) => {
        secondCalls.push(event.sequence);
        insert.run(event.sequence);
      }),
    });
    for (const event of events(1, 25)) await second.push(event);
    await second.close();

    expect(firstCalls).toHaveLength(20);
    expect(secondCalls).toEqual([21, 22, 23, 24, 25]);
    const rows = database
      .prepare<[], { sequence: number }>("SELECT sequence FROM effects ORDER BY sequence")
      .all();
    expect(rows.map((row) => row.sequence)).toEqual(events(1, 25).map((event) => event.sequence));
    expect(await store.load("bot")).toBe(25);
    // The checkpoint covers every record, so none are left behind.
    const left = database
      .prepare<[], { count: number }>(
        "SELECT count(*) AS count FROM threadline_checkpoints_handled",
      )
      .get();
    expect(left?.count).toBe(0);
    await store.close();
    database.close();
  });

  it("a handler that throws rolls back its effects, and the retry applies them once", async () => {
    // Opened from a path: the store owns the database and exposes it for the effects.
    const store = createSqliteCheckpointStore({ database: join(directory, "rollback.db") });
    const database = store.database;
    database.exec("CREATE TABLE effects (sequence INTEGER NOT NULL)");
    const insert = database.prepare("INSERT INTO effects (sequence) VALUES (?)");
    const queue = await createCheckpointQueue<Event>({
      store,
      key: "bot",
      retry: { maxAttempts: 3, initialDelay: 0, jitter: false },
      handler: store.exactlyOnce<Event>((event, _database, context) => {
        insert.run(event.sequence);
        if (context.attempt < 3) throw new Error("fails after writing");
      }),
    });
    await queue.push({ sequence: 1 });
    await queue.close();
    const count = database
      .prepare<[], { count: number }>("SELECT count(*) AS count FROM effects")
      .get();
    expect(count?.count).toBe(1);
    await store.close();
    expect(database.open).toBe(false);
  });

  it("rejects an async handler by rolling it back with a typed error", async () => {
    const database = new Database(join(directory, "async.db"));
    const store = createSqliteCheckpointStore({ database });
    const queue = await createCheckpointQueue<Event>({
      store,
      key: "bot",
      retry: false,
      handler: store.exactlyOnce<Event>(async () => undefined),
    });
    await queue.push({ sequence: 1 });
    await expect(queue.done).rejects.toThrow(/exactlyOnce handler must be synchronous/);
    database.close();
  });
});

describe.skipIf(!services.postgres)("PostgreSQL exactlyOnce", () => {
  it("applies each event's database effects once across a crash, with concurrent handlers", async () => {
    const table = `exactly_once_${run}`;
    const effects = `effects_${run}`;
    const pool = new pg.Pool({ connectionString: postgresUrl, max: 6 });
    await pool.query(`CREATE TABLE "${effects}" (sequence BIGINT NOT NULL)`);
    try {
      const store = createPostgresCheckpointStore({ pool, table });
      const first = await createCheckpointQueue<Event>({
        store,
        key: "bot",
        concurrency: 4,
        flushIntervalMs: 60_000,
        handler: store.exactlyOnce<Event>(async (event, client) => {
          await client.query(`INSERT INTO "${effects}" (sequence) VALUES ($1)`, [event.sequence]);
        }),
      });
      for (const event of events(1, 30)) await first.push(event);
      await first.drain();
      expect(await store.load("bot")).toBeUndefined();

      const secondCalls: number[] = [];
      const second = await createCheckpointQueue<Event>({
        store,
        key: "bot",
        concurrency: 4,
        handler: store.exactlyOnce<Event>(async (event, client) => {
          secondCalls.push(event.sequence);
          await client.query(`INSERT INTO "${effects}" (sequence) VALUES ($1)`, [event.sequence]);
        }),
      });
      for (const event of events(1, 35)) await second.push(event);
      await second.close();
      expect(secondCalls.sort((a, b) => a - b)).toEqual([31, 32, 33, 34, 35]);
      const result = await pool.query<{ text: string }>(
        `SELECT sequence::text AS text FROM "${effects}" ORDER BY "${effects}".sequence`,
      );
      expect(result.rows.map((row) => Number(row.text))).toEqual(
        events(1, 35).map((event) => event.sequence),
      );
      expect(await store.load("bot")).toBe(35);
    } finally {
      await pool.query(`DROP TABLE IF EXISTS "${effects}", "${table}", "${table}_handled"`);
      await pool.end();
    }
  });
});
