import pg from "pg";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { PgQueryable } from "../src/storage/postgres/pg-queryable.js";
import {
  createScratchDatabase,
  postgresReachable,
  type ScratchDatabase,
} from "./support/postgres-scratch.js";
import {
  contiguityProblems,
  openRecordingStore,
  type RecordingStore,
  storedEvents,
  type TestAppendInput,
  type TestKeyedInput,
  type TestKeyPairInput,
} from "./support/postgres-test-writes.js";

const reachable = await postgresReachable();

/** Holds half of the batches open between their head update and COMMIT for up to 4 ms. */
async function sleepBeforeSomeCommits(sql: PgQueryable): Promise<void> {
  if (Math.random() < 0.5) return;
  await sql.query("SELECT pg_sleep($1)", [Math.random() * 0.004]);
}

function pick<T>(items: readonly T[]): T {
  const item = items[Math.floor(Math.random() * items.length)];
  if (item === undefined) throw new Error("pick from an empty list");
  return item;
}

describe.runIf(reachable)("two PostgreSQL stores on one database", () => {
  let database: ScratchDatabase;
  let first: RecordingStore;
  let second: RecordingStore;
  beforeAll(async () => {
    database = await createScratchDatabase();
    first = await openRecordingStore(database.url, {
      poolSize: 4,
      beforeCommit: sleepBeforeSomeCommits,
    });
    second = await openRecordingStore(database.url, {
      poolSize: 4,
      beforeCommit: sleepBeforeSomeCommits,
    });
  });
  afterAll(async () => {
    await first?.store.close();
    await second?.store.close();
    await database?.drop();
  });

  it("commit order is sequence order: catch-up readers from random cursors never skip, and both stores publish every event once, in order", async () => {
    const accounts = [1, 2, 3];
    const writersDone = { value: false };
    const acknowledged: TestAppendInput[] = [];
    const writers = Array.from({ length: 16 }, async (_, writer) => {
      for (let round = 0; round < 15; round += 1) {
        const input: TestAppendInput = {
          id: `w${writer}-r${round}`,
          accounts: Array.from({ length: 1 + Math.floor(Math.random() * 3) }, () => pick(accounts)),
          failure: Math.random() < 0.1 ? "throw" : "none",
        };
        const store = pick([first, second]).store;
        try {
          await store.run({ operation: "test.append", input });
          acknowledged.push(input);
        } catch (error) {
          if (input.failure === "none") throw error;
        }
      }
    });

    // Readers: from a random cursor at or below the highest sequence seen, everything
    // visible after it must start right after it and have no hole.
    const readerClient = new pg.Pool({ connectionString: database.url, max: 4 });
    const skips: string[] = [];
    let reads = 0;
    const highestSeen = new Map<number, number>();
    const readers = Array.from({ length: 4 }, async () => {
      while (!writersDone.value) {
        const accountId = pick(accounts);
        const cursor = Math.floor(Math.random() * ((highestSeen.get(accountId) ?? 0) + 1));
        const { rows } = await readerClient.query<{ sequence: string }>(
          "SELECT sequence FROM event_log WHERE account_id = $1 AND sequence > $2 ORDER BY sequence",
          [accountId, cursor],
        );
        reads += 1;
        rows.forEach((row, index) => {
          if (Number(row.sequence) !== cursor + 1 + index) {
            skips.push(
              `account ${accountId} after ${cursor}: position ${index} is ${row.sequence}`,
            );
          }
        });
        const last = rows.at(-1);
        if (last !== undefined) highestSeen.set(accountId, Number(last.sequence));
      }
    });
    try {
      await Promise.all(writers);
    } finally {
      writersDone.value = true;
      await Promise.all(readers);
      await readerClient.end();
    }
    expect(reads).toBeGreaterThan(0);
    expect(skips).toEqual([]);

    const stored = await storedEvents(database.url, accounts);
    expect(contiguityProblems(stored)).toEqual([]);
    const expectedEvents = acknowledged.reduce((sum, input) => sum + input.accounts.length, 0);
    expect(stored.length).toBe(expectedEvents);
    for (const input of acknowledged) {
      const mine = stored.filter((event) => event.chatGuid === input.id);
      expect(mine.map((event) => event.accountId).sort()).toEqual([...input.accounts].sort());
    }

    await first.store.liveIdle();
    await second.store.liveIdle();
    for (const recording of [first, second]) {
      const published = recording.published.filter((event) => accounts.includes(event.accountId));
      expect(contiguityProblems(published)).toEqual([]);
      // The same events, with the same content, as stored.
      expect(
        [...published]
          .sort((left, right) => left.accountId - right.accountId || left.sequence - right.sequence)
          .map((event) => ({
            accountId: event.accountId,
            sequence: event.sequence,
            chatGuid: event.chatGuid,
          })),
      ).toEqual(stored);
      const perAccount = accounts.map(
        (accountId) => published.filter((event) => event.accountId === accountId).length,
      );
      expect(perAccount).toEqual(
        accounts.map((accountId) => stored.filter((event) => event.accountId === accountId).length),
      );
    }
  });

  it("the same idempotency key written through both stores at once is stored once, and both get the first response", async () => {
    for (let round = 0; round < 5; round += 1) {
      const key = `shared-key-${round}`;
      const run = (recording: RecordingStore, writer: string) =>
        recording.store.run({
          operation: "test.keyed",
          input: { key, accountId: 50, writer, holdMs: 30 } satisfies TestKeyedInput,
          idempotency: { accountId: 50, key, fingerprint: "test", methodPath: "/test" },
        });
      const results = await Promise.all([run(first, "first"), run(second, "second")]);
      const winner = results.find((result) => String(result).startsWith("first:"));
      expect(winner).toBeDefined();
      const name = String(winner).slice("first:".length);
      expect([...results].sort()).toEqual([`first:${name}`, `stored:${name}`]);
      const events = (await storedEvents(database.url, [50])).filter(
        (event) => event.chatGuid === key,
      );
      expect(events).toHaveLength(1);
    }
  });

  it("a batch that deadlocks with another store's batch is run again, and both writes succeed", async () => {
    const run = (recording: RecordingStore, keys: [string, string]) =>
      recording.store.run({
        operation: "test.keyPair",
        input: { accountId: 60, keys, holdMs: 100 } satisfies TestKeyPairInput,
        // Keyed: the rerun may meet a key the other batch stores meanwhile, and a keyed
        // write that loses that race runs once more and finds it.
        idempotency: { accountId: 60, key: keys[0], fingerprint: "pair", methodPath: "/test" },
      });
    const deadlocks = async () => {
      const client = new pg.Client({ connectionString: database.url });
      await client.connect();
      try {
        const { rows } = await client.query<{ deadlocks: string }>(
          "SELECT deadlocks FROM pg_stat_database WHERE datname = current_database()",
        );
        return Number(rows[0]?.deadlocks ?? 0);
      } finally {
        await client.end();
      }
    };
    const deadlocksBefore = await deadlocks();
    // Opposite orders: each batch holds one key the other one waits for. PostgreSQL
    // breaks the cycle (after deadlock_timeout) by failing one of them with 40P01.
    const [stored, storedOther] = await Promise.all([
      run(first, ["pair-x", "pair-y"]),
      run(second, ["pair-y", "pair-x"]),
    ]);
    // Each key is stored once: by whichever batch got it first, the rerun finds it.
    expect(Number(stored) + Number(storedOther)).toBe(2);
    const events = await storedEvents(database.url, [60]);
    expect(events.map((event) => event.sequence)).toEqual([1, 2]);
    // The deadlock really happened (the statistics arrive a moment after the commit).
    for (let attempt = 0; attempt < 50 && (await deadlocks()) === deadlocksBefore; attempt += 1) {
      await new Promise((resolve) => setTimeout(resolve, 100));
    }
    expect(await deadlocks()).toBeGreaterThan(deadlocksBefore);
  });
});
