import pg from "pg";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import {
  createScratchDatabase,
  postgresReachable,
  type ScratchDatabase,
} from "./support/postgres-scratch.js";
import {
  openRecordingStore,
  storedEvents,
  type TestAppendInput,
} from "./support/postgres-test-writes.js";

const reachable = await postgresReachable();

async function head(
  url: string,
  accountId: number,
): Promise<{ head: number; retainedFrom: number }> {
  const client = new pg.Client({ connectionString: url });
  await client.connect();
  try {
    const { rows } = await client.query<{ head_sequence: string; retained_from: string }>(
      "SELECT head_sequence, retained_from FROM log_heads WHERE account_id = $1",
      [accountId],
    );
    return { head: Number(rows[0]?.head_sequence), retainedFrom: Number(rows[0]?.retained_from) };
  } finally {
    await client.end();
  }
}

function append(id: string, accounts: number[]) {
  return {
    operation: "test.append",
    input: { id, accounts, failure: "none" } satisfies TestAppendInput,
  };
}

describe.runIf(reachable)("PostgreSQL retention", () => {
  let database: ScratchDatabase;
  beforeAll(async () => {
    database = await createScratchDatabase();
  });
  afterAll(async () => {
    await database?.drop();
  });

  it("keeps at most maxEvents of the newest events per account, and the head remembers where the rest starts", async () => {
    const recording = await openRecordingStore(database.url, { retention: { maxEvents: 3 } });
    try {
      // One batch with more events than the limit, then single writes.
      await recording.store.run(append("many", [1, 1, 1, 1, 1, 2]));
      expect(await head(database.url, 1)).toEqual({ head: 5, retainedFrom: 3 });
      await recording.store.run(append("one-more", [1]));
      expect(await head(database.url, 1)).toEqual({ head: 6, retainedFrom: 4 });
      const stored = await storedEvents(database.url, [1, 2]);
      expect(stored.map((event) => [event.accountId, event.sequence])).toEqual([
        [1, 4],
        [1, 5],
        [1, 6],
        [2, 1],
      ]);
      expect(await head(database.url, 2)).toEqual({ head: 1, retainedFrom: 1 });
    } finally {
      await recording.store.close();
    }
  });

  it("expireOldEvents deletes each account's events older than maxAgeMs as a prefix and keeps the head", async () => {
    const recording = await openRecordingStore(database.url, { retention: { maxAgeMs: 60_000 } });
    try {
      for (let index = 0; index < 4; index += 1)
        await recording.store.run(append(`aged-${index}`, [10, 11]));
      const client = new pg.Client({ connectionString: database.url });
      await client.connect();
      try {
        // Age the rows instead of waiting: sequences 1-3 of account 10, 1 of account 11.
        await client.query(
          "UPDATE event_log SET recorded_at = recorded_at - 120000 WHERE (account_id = 10 AND sequence <= 3) OR (account_id = 11 AND sequence = 1)",
        );
      } finally {
        await client.end();
      }
      expect(await recording.store.expireOldEvents()).toBe(4);
      expect(await head(database.url, 10)).toEqual({ head: 4, retainedFrom: 4 });
      expect(await head(database.url, 11)).toEqual({ head: 4, retainedFrom: 2 });
      const stored = await storedEvents(database.url, [10, 11]);
      expect(stored.map((event) => [event.accountId, event.sequence])).toEqual([
        [10, 4],
        [11, 2],
        [11, 3],
        [11, 4],
      ]);
      expect(await recording.store.expireOldEvents()).toBe(0);
    } finally {
      await recording.store.close();
    }
  });
});
