import fc from "fast-check";
import pg from "pg";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { ServerError } from "../src/errors/server-error.js";
import { StoreClosedError } from "../src/storage/store-closed-error.js";
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
  storedKeys,
  type TestAppendInput,
} from "./support/postgres-test-writes.js";

const reachable = await postgresReachable();

describe.runIf(reachable)("PostgreSQL group commit", () => {
  let database: ScratchDatabase;
  let recording: RecordingStore;
  beforeAll(async () => {
    database = await createScratchDatabase();
    recording = await openRecordingStore(database.url, { poolSize: 3 });
  });
  afterAll(async () => {
    await recording?.store.close();
    await database?.drop();
  });

  const failureArbitrary = fc.constantFrom<TestAppendInput["failure"]>(
    "none",
    "none",
    "throw",
    "sql",
  );
  const writeArbitrary = fc.record({
    accounts: fc.array(fc.integer({ min: 0, max: 4 }), { minLength: 0, maxLength: 4 }),
    failure: failureArbitrary,
    // Writes of one wave are queued at once; a new wave starts when the last settled.
    wave: fc.integer({ min: 0, max: 3 }),
  });

  let runNumber = 0;

  it("stores every acknowledged write exactly once with contiguous sequences, and nothing of a rejected one", async () => {
    await fc.assert(
      fc.asyncProperty(
        fc.array(writeArbitrary, { minLength: 1, maxLength: 40 }),
        async (writes) => {
          runNumber += 1;
          // Fresh accounts for every run: their logs start empty.
          const base = runNumber * 10;
          const inputs: TestAppendInput[] = writes.map((write, index) => ({
            id: `run${runNumber}-write${index}`,
            accounts: write.accounts.map((offset) => base + 1 + offset),
            failure: write.failure,
          }));
          const outcomes: PromiseSettledResult<unknown>[] = new Array(inputs.length);
          for (let wave = 0; wave <= 3; wave += 1) {
            const indexes = writes.flatMap((write, index) => (write.wave === wave ? [index] : []));
            const settled = await Promise.allSettled(
              indexes.map((index) =>
                recording.store.run({ operation: "test.append", input: inputs[index] }),
              ),
            );
            settled.forEach((outcome, position) => {
              outcomes[indexes[position] ?? -1] = outcome;
            });
          }
          const accounts = [1, 2, 3, 4, 5].map((offset) => base + offset);
          const stored = await storedEvents(database.url, accounts);
          const keys = await storedKeys(
            database.url,
            inputs.map((input) => input.id),
          );
          inputs.forEach((input, index) => {
            const outcome = outcomes[index];
            const events = stored.filter((event) => event.chatGuid === input.id);
            if (input.failure === "none") {
              expect(outcome).toEqual({ status: "fulfilled", value: input.id });
              expect(events.map((event) => event.accountId).sort()).toEqual(
                [...input.accounts].sort(),
              );
              expect(keys.has(input.id)).toBe(true);
            } else {
              expect(outcome?.status).toBe("rejected");
              expect(events).toEqual([]);
              expect(keys.has(input.id)).toBe(false);
            }
          });
          expect(contiguityProblems(stored)).toEqual([]);
          await recording.store.liveIdle();
          const published = recording.published.filter((event) =>
            accounts.includes(event.accountId),
          );
          expect(contiguityProblems(published)).toEqual([]);
          expect(published.length).toBe(stored.length);
        },
      ),
      { numRuns: 25 },
    );
  });

  it("a write whose statement fails is rejected with the database's error, not as unavailable", async () => {
    const rejected = recording.store.run({
      operation: "test.append",
      input: { id: "bad-parameter", accounts: [900], failure: "sql" } satisfies TestAppendInput,
    });
    await expect(rejected).rejects.toMatchObject({ code: "22P02" });
    await expect(rejected).rejects.not.toBeInstanceOf(ServerError);
  });

  it("a write after close is refused with StoreClosedError, as on SQLite (the wire answers it UNAVAILABLE, retryable)", async () => {
    const other = await openRecordingStore(database.url, { poolSize: 1 });
    await other.store.close();
    const refused = other.store.run({
      operation: "test.append",
      input: { id: "after-close", accounts: [901], failure: "none" } satisfies TestAppendInput,
    });
    await expect(refused).rejects.toBeInstanceOf(StoreClosedError);
  });

  it("commits with synchronous_commit on even where the database's default is off", async () => {
    const admin = new pg.Client({ connectionString: database.url });
    await admin.connect();
    try {
      await admin.query(`ALTER DATABASE ${database.name} SET synchronous_commit = off`);
    } finally {
      await admin.end();
    }
    const seen: string[] = [];
    const other = await openRecordingStore(database.url, {
      poolSize: 1,
      beforeCommit: async (sql) => {
        const { rows } = await sql.query<{ synchronous_commit: string }>("SHOW synchronous_commit");
        seen.push(rows[0]?.synchronous_commit ?? "missing");
      },
    });
    try {
      await other.store.run({
        operation: "test.append",
        input: { id: "durable", accounts: [902], failure: "none" } satisfies TestAppendInput,
      });
      expect(seen).toEqual(["on"]);
    } finally {
      await other.store.close();
    }
  });
});
