import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import fc from "fast-check";
import { pino } from "pino";
import { describe, expect, it } from "vitest";
import { openSqliteStore, type SqliteStore } from "../src/storage/sqlite-store.js";
import { messageEvent } from "./support/append-events.js";

interface WriteSpec {
  /** Account of each event the write appends. */
  readonly accounts: readonly number[];
  /** Throw after appending this many events (undefined: succeed). */
  readonly failAfter: number | undefined;
  /** Yield to the event loop before submitting, so writes spread over several batches. */
  readonly yieldFirst: boolean;
}

const writeSpec: fc.Arbitrary<WriteSpec> = fc.record({
  accounts: fc.array(fc.integer({ min: 1, max: 4 }), { maxLength: 5 }),
  failAfter: fc.option(fc.nat({ max: 5 }), { nil: undefined }),
  yieldFirst: fc.boolean(),
});

class PlannedFailure extends Error {}

function logOf(store: SqliteStore): Map<number, { sequence: number; chat: string }[]> {
  const rows = store.read((db) =>
    db
      .prepare<[], { account_id: number; sequence: number; chat_guid: string }>(
        "SELECT account_id, sequence, chat_guid FROM event_log ORDER BY account_id, sequence",
      )
      .all(),
  );
  const byAccount = new Map<number, { sequence: number; chat: string }[]>();
  for (const row of rows) {
    const list = byAccount.get(row.account_id) ?? [];
    list.push({ sequence: row.sequence, chat: row.chat_guid });
    byAccount.set(row.account_id, list);
  }
  return byAccount;
}

function headsOf(store: SqliteStore): Map<number, number> {
  const rows = store.read((db) =>
    db.prepare<[], { account_id: number; head_sequence: number }>("SELECT * FROM log_heads").all(),
  );
  return new Map(rows.map((row) => [row.account_id, row.head_sequence]));
}

describe("group commit", () => {
  it("a failing write rolls back alone; sequences stay contiguous per account, also after reopening", async () => {
    const directory = await mkdtemp(join(tmpdir(), "threadline-commit-"));
    let run = 0;
    try {
      await fc.assert(
        fc.asyncProperty(fc.array(writeSpec, { minLength: 1, maxLength: 25 }), async (writes) => {
          run += 1;
          const path = join(directory, `run-${run}.db`);
          const open = () => openSqliteStore({ path, logger: pino({ enabled: false }) });
          let store = open();
          try {
            const submitted: Promise<PromiseSettledResult<readonly number[]>>[] = [];
            for (const [index, spec] of writes.entries()) {
              if (spec.yieldFirst) await new Promise((resolve) => setImmediate(resolve));
              const write = store.write((context) => {
                const sequences: number[] = [];
                for (const [position, accountId] of spec.accounts.entries()) {
                  if (spec.failAfter === position) throw new PlannedFailure(`write ${index}`);
                  sequences.push(
                    context.appendEvent(
                      accountId,
                      messageEvent(`any;-;w${index}-${position}@x.com`),
                    ),
                  );
                }
                if (spec.failAfter !== undefined && spec.failAfter >= spec.accounts.length) {
                  throw new PlannedFailure(`write ${index}`);
                }
                return sequences;
              });
              // Settle at once: a rejection must be observed before the next yield.
              submitted.push(
                write.then(
                  (value) => ({ status: "fulfilled", value }) as const,
                  (reason: unknown) => ({ status: "rejected", reason }) as const,
                ),
              );
            }
            const outcomes = await Promise.all(submitted);

            // The model: successful writes in submission order, each event numbered per account.
            const expected = new Map<number, { sequence: number; chat: string }[]>();
            for (const [index, spec] of writes.entries()) {
              const outcome = outcomes[index];
              const fails = spec.failAfter !== undefined;
              if (fails) {
                expect(outcome?.status).toBe("rejected");
                if (outcome?.status === "rejected") {
                  expect(outcome.reason).toBeInstanceOf(PlannedFailure);
                  expect(outcome.reason).toHaveProperty("message", `write ${index}`);
                }
                continue;
              }
              expect(outcome?.status).toBe("fulfilled");
              const sequences: number[] = [];
              for (const [position, accountId] of spec.accounts.entries()) {
                const list = expected.get(accountId) ?? [];
                list.push({ sequence: list.length + 1, chat: `any;-;w${index}-${position}@x.com` });
                expected.set(accountId, list);
                sequences.push(list.length);
              }
              if (outcome?.status === "fulfilled") expect(outcome.value).toEqual(sequences);
            }
            const expectedHeads = new Map(
              [...expected].map(([account, list]) => [account, list.length]),
            );
            expect(logOf(store)).toEqual(expected);
            expect(headsOf(store)).toEqual(expectedHeads);

            await store.close();
            store = open();
            expect(logOf(store)).toEqual(expected);
            expect(headsOf(store)).toEqual(expectedHeads);
          } finally {
            await store.close();
          }
        }),
        { numRuns: 40 },
      );
    } finally {
      await rm(directory, { recursive: true, force: true });
    }
  });

  it("two stores on one file never give two events the same sequence", async () => {
    const directory = await mkdtemp(join(tmpdir(), "threadline-commit-"));
    const path = join(directory, "shared.db");
    const first = openSqliteStore({ path, logger: pino({ enabled: false }) });
    const second = openSqliteStore({ path, logger: pino({ enabled: false }) });
    try {
      const writes: Promise<number>[] = [];
      for (let index = 0; index < 40; index += 1) {
        const store = index % 3 === 0 ? second : first;
        writes.push(
          store.write((context) => context.appendEvent(1, messageEvent(`any;-;e${index}@x.com`))),
        );
        if (index % 7 === 0) await Promise.all(writes);
      }
      const sequences = await Promise.all(writes);
      expect([...sequences].sort((a, b) => a - b)).toEqual(
        Array.from({ length: 40 }, (_, index) => index + 1),
      );
      expect(
        logOf(first)
          .get(1)
          ?.map((row) => row.sequence),
      ).toEqual(Array.from({ length: 40 }, (_, index) => index + 1));
    } finally {
      await first.close();
      await second.close();
      await rm(directory, { recursive: true, force: true });
    }
  });

  it("rejects a write that returns a promise and stores nothing of it", async () => {
    const directory = await mkdtemp(join(tmpdir(), "threadline-commit-"));
    const store = openSqliteStore({
      path: join(directory, "t.db"),
      logger: pino({ enabled: false }),
    });
    try {
      const asyncWrite = store.write(async (context) => {
        context.appendEvent(1, messageEvent("any;-;a@x.com"));
      });
      const good = store.write((context) => context.appendEvent(1, messageEvent("any;-;b@x.com")));
      await expect(asyncWrite).rejects.toThrow("must be synchronous");
      await expect(good).resolves.toBe(1);
      expect(logOf(store).get(1)).toEqual([{ sequence: 1, chat: "any;-;b@x.com" }]);
    } finally {
      await store.close();
      await rm(directory, { recursive: true, force: true });
    }
  });

  it("commits writes queued before close and rejects writes after it", async () => {
    const directory = await mkdtemp(join(tmpdir(), "threadline-commit-"));
    const path = join(directory, "t.db");
    const store = openSqliteStore({ path, logger: pino({ enabled: false }) });
    try {
      const pending = store.write((context) =>
        context.appendEvent(7, messageEvent("any;-;a@x.com")),
      );
      const closed = store.close();
      await expect(pending).resolves.toBe(1);
      await closed;
      await expect(store.write(() => 1)).rejects.toThrow("the store is closed");
      const reopened = openSqliteStore({ path, logger: pino({ enabled: false }) });
      expect(headsOf(reopened).get(7)).toBe(1);
      await reopened.close();
    } finally {
      await rm(directory, { recursive: true, force: true });
    }
  });

  it("a write that appends, touches the database and then throws leaves neither rows nor events", async () => {
    const directory = await mkdtemp(join(tmpdir(), "threadline-commit-"));
    const store = openSqliteStore({
      path: join(directory, "t.db"),
      logger: pino({ enabled: false }),
    });
    try {
      await store.write((context) => {
        context.db.exec("CREATE TABLE notes (text TEXT NOT NULL)");
      });
      const note = (context: Parameters<Parameters<SqliteStore["write"]>[0]>[0], text: string) =>
        context.db.prepare("INSERT INTO notes (text) VALUES (?)").run(text);
      const before = store.write((context) =>
        context.appendEvent(1, messageEvent("any;-;a@x.com")),
      );
      const appendsFirst = store.write((context) => {
        context.appendEvent(1, messageEvent("any;-;b@x.com"));
        context.appendEvent(2, messageEvent("any;-;b@x.com"));
        note(context, "appends first");
        context.appendEvent(1, messageEvent("any;-;b@x.com"));
        throw new PlannedFailure("appends first");
      });
      const touchesFirst = store.write((context) => {
        note(context, "touches first");
        context.appendEvent(2, messageEvent("any;-;c@x.com"));
        throw new PlannedFailure("touches first");
      });
      const after = store.write((context) => {
        note(context, "kept");
        return [
          context.appendEvent(1, messageEvent("any;-;d@x.com")),
          context.appendEvent(2, messageEvent("any;-;d@x.com")),
        ];
      });
      await expect(before).resolves.toBe(1);
      await expect(appendsFirst).rejects.toThrow("appends first");
      await expect(touchesFirst).rejects.toThrow("touches first");
      await expect(after).resolves.toEqual([2, 1]);
      expect(logOf(store)).toEqual(
        new Map([
          [
            1,
            [
              { sequence: 1, chat: "any;-;a@x.com" },
              { sequence: 2, chat: "any;-;d@x.com" },
            ],
          ],
          [2, [{ sequence: 1, chat: "any;-;d@x.com" }]],
        ]),
      );
      expect(headsOf(store)).toEqual(
        new Map([
          [1, 2],
          [2, 1],
        ]),
      );
      expect(
        store.read((db) => db.prepare<[], { text: string }>("SELECT text FROM notes").all()),
      ).toEqual([{ text: "kept" }]);
    } finally {
      await store.close();
      await rm(directory, { recursive: true, force: true });
    }
  });
});
