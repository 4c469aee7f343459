import fc from "fast-check";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { type CuttableProxy, startCuttableProxy } from "./support/cuttable-proxy.js";
import {
  createScratchDatabase,
  postgresAdminUrl,
  postgresReachable,
  type ScratchDatabase,
} from "./support/postgres-scratch.js";
import {
  contiguityProblems,
  openRecordingStore,
  type RecordingStore,
  type StoredEvent,
  storedEvents,
  type TestAppendInput,
} from "./support/postgres-test-writes.js";

const reachable = await postgresReachable();

/** One step: writes queued at once on either store, or cutting / restoring B's database link. */
type Step =
  | {
      readonly kind: "writes";
      readonly writes: readonly { readonly onB: boolean; readonly accounts: readonly number[] }[];
    }
  | { readonly kind: "cut" }
  | { readonly kind: "restore" };

const stepArbitrary: fc.Arbitrary<Step> = fc.oneof(
  {
    weight: 6,
    arbitrary: fc.record({
      kind: fc.constant("writes" as const),
      writes: fc.array(
        fc.record({
          onB: fc.boolean(),
          accounts: fc.array(fc.integer({ min: 0, max: 2 }), { minLength: 1, maxLength: 3 }),
        }),
        { minLength: 1, maxLength: 6 },
      ),
    }),
  },
  { weight: 1, arbitrary: fc.constant({ kind: "cut" as const }) },
  { weight: 1, arbitrary: fc.constant({ kind: "restore" as const }) },
);

function sameEvents(
  published: RecordingStore["published"],
  accounts: readonly number[],
): StoredEvent[] {
  return published
    .filter((event) => accounts.includes(event.accountId))
    .map((event) => ({
      accountId: event.accountId,
      sequence: event.sequence,
      chatGuid: event.chatGuid,
    }))
    .sort((left, right) => left.accountId - right.accountId || left.sequence - right.sequence);
}

describe.runIf(reachable)("live fan-out across two PostgreSQL stores", () => {
  let database: ScratchDatabase;
  let proxy: CuttableProxy;
  let storeA: RecordingStore;
  let storeB: RecordingStore;
  beforeAll(async () => {
    database = await createScratchDatabase();
    proxy = await startCuttableProxy(new URL(postgresAdminUrl).host);
    storeA = await openRecordingStore(database.url, { poolSize: 2 });
    storeB = await openRecordingStore(database.urlThrough(proxy.address), {
      poolSize: 2,
      pollIntervalMs: 100,
      connectTimeoutMs: 500,
    });
  });
  afterAll(async () => {
    proxy?.restore();
    await storeA?.store.close();
    await storeB?.store.close();
    await proxy?.close();
    await database?.drop();
  });

  let runNumber = 0;

  it("whatever the interleaving of writes on both stores and lost links, each store publishes every event of every account once, in sequence order", async () => {
    await fc.assert(
      fc.asyncProperty(fc.array(stepArbitrary, { minLength: 1, maxLength: 8 }), async (steps) => {
        runNumber += 1;
        const base = runNumber * 10;
        const accounts = [base + 1, base + 2, base + 3];
        let written = 0;
        for (const step of steps) {
          if (step.kind === "cut") proxy.cut();
          else if (step.kind === "restore") proxy.restore();
          else {
            await Promise.allSettled(
              step.writes.map((write) => {
                written += 1;
                const input: TestAppendInput = {
                  id: `run${runNumber}-${written}`,
                  accounts: write.accounts.map((offset) => base + 1 + offset),
                  failure: "none",
                };
                // B's writes fail (UNAVAILABLE) while its link is cut; that is fine here.
                return (write.onB ? storeB : storeA).store.run({ operation: "test.append", input });
              }),
            );
          }
        }
        proxy.restore();
        const stored = await storedEvents(database.url, accounts);
        expect(contiguityProblems(stored)).toEqual([]);
        for (const recording of [storeA, storeB]) {
          // B catches up by itself (listener reconnect, backstop poll); wait for it.
          for (let attempt = 0; attempt < 100; attempt += 1) {
            await recording.store.liveIdle();
            if (sameEvents(recording.published, accounts).length >= stored.length) break;
            await new Promise((resolve) => setTimeout(resolve, 50));
          }
          const published = recording.published.filter((event) =>
            accounts.includes(event.accountId),
          );
          expect(contiguityProblems(published)).toEqual([]);
          expect(sameEvents(recording.published, accounts)).toEqual(stored);
        }
      }),
      { numRuns: 15 },
    );
  });
});
