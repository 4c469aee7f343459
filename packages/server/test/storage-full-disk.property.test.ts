import { rmSync } from "node:fs";
import { join } from "node:path";
import fc from "fast-check";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { ServerError } from "../src/errors/server-error.js";
import { openSmallDisk, type SmallDisk } from "./support/small-disk.js";
import { openTestStore, type StoreMode, storeModes } from "./support/test-store.js";

/** One write: which account, how many events, how big each is. */
const writeArbitrary = fc.record({
  accountId: fc.constantFrom(1, 2),
  events: fc.integer({ min: 1, max: 4 }),
  bytes: fc.integer({ min: 0, max: 6000 }),
});

/** A round: the disk state it runs in, and writes issued together (one or more group commits). */
const roundArbitrary = fc.record({
  full: fc.boolean(),
  writes: fc.array(writeArbitrary, { minLength: 1, maxLength: 12 }),
});

interface StoredRow {
  readonly account_id: number;
  readonly sequence: number;
  readonly chat_guid: string;
}

describe.each(storeModes)(
  "a full disk, for any mix of writes (%s, property)",
  (mode: StoreMode) => {
    let disk: SmallDisk;
    beforeAll(() => {
      disk = openSmallDisk();
    });
    afterAll(() => disk?.dispose());

    it("keeps every acknowledged write whole and once, stores nothing of a STORAGE_FULL one, and keeps sequences contiguous", async () => {
      let run = 0;
      let refused = 0;
      let acceptedWhileFull = 0;
      await fc.assert(
        fc.asyncProperty(
          fc.array(roundArbitrary, { minLength: 1, maxLength: 6 }),
          async (rounds) => {
            run += 1;
            const path = join(disk.directory, `property-${mode}-${run}.db`);
            const store = openTestStore(path, mode);
            const acknowledged = new Map<string, number>();
            let id = 0;
            try {
              for (const round of rounds) {
                if (round.full) disk.fill(store.database);
                else disk.free(store.database);
                const outcomes = await Promise.allSettled(
                  round.writes.map((write) => {
                    id += 1;
                    const chatGuid = `any;-;w${id}@example.com`;
                    return store
                      .run({
                        operation: "test.append",
                        input: {
                          appends: Array.from({ length: write.events }, (_, index) => ({
                            accountId: write.accountId,
                            chatGuid,
                            text: `${index} ${"z".repeat(write.bytes)}`,
                          })),
                        },
                      })
                      .then(() => acknowledged.set(chatGuid, write.events));
                  }),
                );
                for (const outcome of outcomes) {
                  if (outcome.status === "fulfilled" && round.full) acceptedWhileFull += 1;
                  if (outcome.status === "rejected") {
                    refused += 1;
                    // The only failure a full disk may cause is the typed, retryable one.
                    expect(outcome.reason).toBeInstanceOf(ServerError);
                    expect(outcome.reason).toMatchObject({
                      errorCode: "STORAGE_FULL",
                      retryable: true,
                    });
                  }
                }
              }
              disk.free(store.database);
            } finally {
              disk.free(store.database);
              await store.close();
            }
            // Reopened from the file: exactly the acknowledged writes, each whole, once.
            const reopened = openTestStore(path, mode);
            try {
              const rows = reopened.read((database) =>
                database
                  .prepare<[], StoredRow>(
                    "SELECT account_id, sequence, chat_guid FROM event_log ORDER BY account_id, sequence",
                  )
                  .all(),
              );
              const counted = new Map<string, number>();
              for (const row of rows)
                counted.set(row.chat_guid, (counted.get(row.chat_guid) ?? 0) + 1);
              expect(counted).toEqual(acknowledged);
              for (const accountId of [1, 2]) {
                const sequences = rows
                  .filter((row) => row.account_id === accountId)
                  .map((row) => row.sequence);
                expect(sequences).toEqual(sequences.map((_, index) => index + 1));
              }
            } finally {
              await reopened.close();
              for (const suffix of ["", "-wal", "-shm"])
                rmSync(`${path}${suffix}`, { force: true });
            }
          },
        ),
        { numRuns: 25 },
      );
      // The property saw the disk full for real: writes were refused.
      expect(refused).toBeGreaterThan(0);
      console.info(
        `full-disk property on ${disk.kind}: ${refused} writes refused, ${acceptedWhileFull} fitted in while full`,
      );
    }, 120_000);

    it("a failure that ends SQLite's transaction mid-batch (as SQLite may on a full disk or I/O error) fails the whole batch, and none of it is stored", async () => {
      const path = join(disk.directory, `ended-transaction-${mode}.db`);
      const store = openTestStore(path, mode);
      try {
        const append = (chatGuid: string) =>
          store.run({ operation: "test.append", input: { appends: [{ accountId: 1, chatGuid }] } });
        await append("any;-;before@example.com");
        // Three writes queued together run in one batch; the middle one ends the
        // transaction the way SQLite does itself after some failures.
        const outcomes = await Promise.allSettled([
          append("any;-;first@example.com"),
          store.run({ operation: "test.endTransaction", input: null }),
          append("any;-;third@example.com"),
        ]);
        expect(outcomes.map((outcome) => outcome.status)).toEqual([
          "rejected",
          "rejected",
          "rejected",
        ]);
        const stored = store.read((database) =>
          database.prepare<[], { chat_guid: string }>("SELECT chat_guid FROM event_log").all(),
        );
        expect(stored.map((row) => row.chat_guid)).toEqual(["any;-;before@example.com"]);
        await append("any;-;after@example.com");
        const sequences = store.read((database) =>
          database
            .prepare<[], { sequence: number }>("SELECT sequence FROM event_log ORDER BY sequence")
            .all(),
        );
        expect(sequences.map((row) => row.sequence)).toEqual([1, 2]);
      } finally {
        await store.close();
      }
    });
  },
);
