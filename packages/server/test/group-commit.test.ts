import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import fc from "fast-check";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { ServerError } from "../src/errors/server-error.js";
import type { LoggedEvent } from "../src/storage/repositories/event-log-repository.js";
import type { SqliteStore } from "../src/storage/sqlite-store.js";
import { openTestStore, type StoreMode, storeModes } from "./support/test-store.js";
import type { TestAppendInput, TestFailInput } from "./support/test-writes.js";

interface WriteSpec {
  /** Account of each event the write appends. */
  readonly accounts: readonly number[];
  /** Throw after appending this many events (undefined: succeed). */
  readonly failAfter: number | undefined;
  /** Also insert a row into a table (the write then runs under its own SAVEPOINT). */
  readonly touchesTable: boolean;
  /** Yield to the event loop before submitting, so writes spread over several batches. */
  readonly yieldFirst: boolean;
}

const writeSpec: fc.Arbitrary<WriteSpec> = fc.record({
  accounts: fc.array(fc.integer({ min: 1, max: 4 }), { maxLength: 5 }),
  failAfter: fc.option(fc.nat({ max: 5 }), { nil: undefined }),
  touchesTable: fc.boolean(),
  yieldFirst: fc.boolean(),
});

function chatOf(write: number, position: number): string {
  return `any;-;w${write}-${position}@x.com`;
}

function appendInput(index: number, spec: WriteSpec): TestAppendInput {
  return {
    appends: spec.accounts.map((accountId, position) => ({
      accountId,
      chatGuid: chatOf(index, position),
    })),
    ...(spec.failAfter === undefined ? {} : { failAfter: spec.failAfter }),
    ...(spec.touchesTable ? { note: `write ${index}` } : {}),
    result: { write: index },
  };
}

type Log = Map<number, { sequence: number; chat: string }[]>;

function logOf(store: SqliteStore): Log {
  const rows = store.read((db) =>
    db
      .prepare<[], { account_id: number; sequence: number; chat_guid: string }>(
        "SELECT account_id, sequence, chat_guid FROM event_log ORDER BY account_id, sequence",
      )
      .all(),
  );
  const byAccount: Log = new Map();
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

function notesOf(store: SqliteStore): string[] {
  return store.read((db) =>
    db
      .prepare<[], { key: string }>(
        "SELECT key FROM idempotency_keys WHERE key LIKE 'note:%' ORDER BY id",
      )
      .all()
      .map((row) => row.key.slice("note:".length)),
  );
}

function settle<T>(promise: Promise<T>): Promise<PromiseSettledResult<T>> {
  return promise.then(
    (value) => ({ status: "fulfilled", value }) as const,
    (reason: unknown) => ({ status: "rejected", reason }) as const,
  );
}

let directory: string;
beforeEach(async () => {
  directory = await mkdtemp(join(tmpdir(), "threadline-commit-"));
});
afterEach(async () => {
  await rm(directory, { recursive: true, force: true });
});

describe.each(storeModes)("group commit (%s)", (mode: StoreMode) => {
  it("for any interleaving of succeeding and throwing writes across accounts: an acknowledged write is stored exactly once, a rejected one not at all, sequences are contiguous per account in the order writes were made, and live fan-out sees exactly the commits, in order (property)", async () => {
    let run = 0;
    await fc.assert(
      fc.asyncProperty(fc.array(writeSpec, { minLength: 1, maxLength: 25 }), async (writes) => {
        run += 1;
        const path = join(directory, `run-${run}.db`);
        const published: LoggedEvent[] = [];
        const open = () =>
          openTestStore(path, mode, { onCommit: (events) => published.push(...events) });
        let store = open();
        try {
          const submitted: Promise<PromiseSettledResult<unknown>>[] = [];
          for (const [index, spec] of writes.entries()) {
            if (spec.yieldFirst) await new Promise((resolve) => setImmediate(resolve));
            // Settle at once: a rejection must be observed before the next yield.
            submitted.push(
              settle(store.run({ operation: "test.append", input: appendInput(index, spec) })),
            );
          }
          const outcomes = await Promise.all(submitted);

          // The model: the acknowledged writes in the order made, each event numbered per account.
          const expected: Log = new Map();
          const expectedNotes: string[] = [];
          for (const [index, spec] of writes.entries()) {
            const outcome = outcomes[index];
            if (spec.failAfter !== undefined) {
              expect(outcome?.status).toBe("rejected");
              if (outcome?.status === "rejected") {
                expect(outcome.reason).toBeInstanceOf(Error);
                expect(outcome.reason).toMatchObject({
                  name: "PlannedFailure",
                  message: `planned failure at ${spec.failAfter}`,
                });
              }
              continue;
            }
            expect(outcome).toEqual({ status: "fulfilled", value: { write: index } });
            if (spec.touchesTable) expectedNotes.push(`write ${index}`);
            for (const [position, accountId] of spec.accounts.entries()) {
              const list = expected.get(accountId) ?? [];
              list.push({ sequence: list.length + 1, chat: chatOf(index, position) });
              expected.set(accountId, list);
            }
          }
          const expectedHeads = new Map(
            [...expected].map(([account, list]) => [account, list.length]),
          );
          expect(logOf(store)).toEqual(expected);
          expect(headsOf(store)).toEqual(expectedHeads);
          expect(notesOf(store)).toEqual(expectedNotes);
          // Published once per event, after its commit, in sequence order per account.
          const publishedByAccount: Log = new Map();
          for (const event of published) {
            const list = publishedByAccount.get(event.accountId) ?? [];
            list.push({ sequence: event.sequence, chat: event.chatGuid });
            publishedByAccount.set(event.accountId, list);
          }
          expect(publishedByAccount).toEqual(expected);

          // Reopened, the file holds the same: read back on this thread (a second writer
          // thread would only add its start-up, about a second under load, to every run).
          await store.close();
          store = openTestStore(path, "main-thread");
          expect(logOf(store)).toEqual(expected);
          expect(headsOf(store)).toEqual(expectedHeads);
        } finally {
          await store.close();
        }
      }),
      // A writer thread starts per run (it loads the domain from source under tsx).
      { numRuns: mode === "writer-thread" ? 15 : 40 },
    );
  }, 120_000);

  it("two stores on one file never give two events the same sequence", async () => {
    const path = join(directory, "shared.db");
    const first = openTestStore(path, mode);
    const second = openTestStore(path, mode);
    try {
      const writes: Promise<unknown>[] = [];
      for (let index = 0; index < 40; index += 1) {
        const store = index % 3 === 0 ? second : first;
        writes.push(
          store.run({
            operation: "test.append",
            input: { appends: [{ accountId: 1, chatGuid: chatOf(index, 0) }] },
          }),
        );
        if (index % 7 === 0) await Promise.all(writes);
      }
      await Promise.all(writes);
      const stored = logOf(first).get(1) ?? [];
      expect(stored.map((row) => row.sequence)).toEqual(
        Array.from({ length: 40 }, (_, index) => index + 1),
      );
      expect(new Set(stored.map((row) => row.chat)).size).toBe(40);
    } finally {
      await first.close();
      await second.close();
    }
  });

  it("a thrown ServerError reaches the caller with its code, message, retryable flag, field and trailers, and an ordinary error with its name and message; the batch's other writes commit", async () => {
    const store = openTestStore(join(directory, "errors.db"), mode);
    try {
      const failure: TestFailInput = {
        errorCode: "IDEMPOTENCY_KEY_REUSED",
        message: 'idempotency key "k" was already used for a different request',
        retryable: true,
        field: "client_message_id",
        trailers: { "head-sequence": "7" },
      };
      const [serverError, planned, good] = await Promise.all([
        settle(store.run({ operation: "test.fail", input: failure })),
        settle(
          store.run({
            operation: "test.append",
            input: { appends: [{ accountId: 1, chatGuid: chatOf(1, 0) }], failAfter: 1 },
          }),
        ),
        settle(
          store.run({
            operation: "test.append",
            input: { appends: [{ accountId: 1, chatGuid: chatOf(2, 0) }], result: "kept" },
          }),
        ),
      ]);
      expect(serverError.status).toBe("rejected");
      const reason = serverError.status === "rejected" ? serverError.reason : undefined;
      expect(reason).toBeInstanceOf(ServerError);
      expect(reason).toMatchObject({
        errorCode: "IDEMPOTENCY_KEY_REUSED",
        message: failure.message,
        retryable: true,
        field: "client_message_id",
        trailers: { field: "client_message_id", "head-sequence": "7" },
      });
      expect(planned.status).toBe("rejected");
      expect(planned.status === "rejected" ? planned.reason : undefined).toMatchObject({
        name: "PlannedFailure",
        message: "planned failure at 1",
      });
      expect(good).toEqual({ status: "fulfilled", value: "kept" });
      expect(logOf(store)).toEqual(new Map([[1, [{ sequence: 1, chat: chatOf(2, 0) }]]]));
    } finally {
      await store.close();
    }
  });

  it("an unknown write name is refused with a TypeError naming it, and nothing is stored", async () => {
    const store = openTestStore(join(directory, "unknown.db"), mode);
    try {
      await expect(store.run({ operation: "no.suchWrite", input: {} })).rejects.toThrow(
        new TypeError('no write operation is named "no.suchWrite"'),
      );
      expect(logOf(store)).toEqual(new Map());
    } finally {
      await store.close();
    }
  });

  it("an I/O error that ends the transaction fails the whole batch with the driver's code, stores none of it, and turns health unavailable until the next commit", async () => {
    const availability: boolean[] = [];
    const store = openTestStore(join(directory, "io-error.db"), mode, {
      onAvailabilityChange: (available) => availability.push(available),
    });
    try {
      const append = (write: number) =>
        store.run({
          operation: "test.append",
          input: { appends: [{ accountId: 1, chatGuid: chatOf(write, 0) }] },
        });
      await append(0);
      const outcomes = await Promise.all([
        settle(append(1)),
        settle(
          store.run({
            operation: "test.endTransaction",
            input: { code: "SQLITE_IOERR_WRITE", message: "disk I/O error" },
          }),
        ),
        settle(append(2)),
      ]);
      for (const outcome of outcomes) {
        expect(outcome.status).toBe("rejected");
        expect(outcome.status === "rejected" ? outcome.reason : undefined).toMatchObject({
          message: "disk I/O error",
          code: "SQLITE_IOERR_WRITE",
        });
      }
      expect(availability).toEqual([false]);
      await append(3);
      expect(availability).toEqual([false, true]);
      expect(
        logOf(store)
          .get(1)
          ?.map((row) => row.chat),
      ).toEqual([chatOf(0, 0), chatOf(3, 0)]);
    } finally {
      await store.close();
    }
  });

  it("commits writes queued before close and rejects writes after it", async () => {
    const path = join(directory, "t.db");
    const store = openTestStore(path, mode);
    const pending = store.run({
      operation: "test.append",
      input: { appends: [{ accountId: 7, chatGuid: chatOf(0, 0) }], result: "committed" },
    });
    const closed = store.close();
    await expect(pending).resolves.toBe("committed");
    await closed;
    await expect(store.run({ operation: "test.append", input: { appends: [] } })).rejects.toThrow(
      "the store is closed",
    );
    const reopened = openTestStore(path, mode);
    try {
      expect(headsOf(reopened).get(7)).toBe(1);
    } finally {
      await reopened.close();
    }
  });

  it("a write that appends, touches a table and then throws leaves neither rows nor events, and takes no sequence", async () => {
    const store = openTestStore(join(directory, "t.db"), mode);
    try {
      const outcomes = await Promise.all([
        settle(
          store.run({
            operation: "test.append",
            input: { appends: [{ accountId: 1, chatGuid: "any;-;a@x.com" }], note: "first" },
          }),
        ),
        settle(
          store.run({
            operation: "test.append",
            input: {
              appends: [
                { accountId: 1, chatGuid: "any;-;b@x.com" },
                { accountId: 2, chatGuid: "any;-;b@x.com" },
              ],
              note: "undone",
              failAfter: 2,
            },
          }),
        ),
        settle(
          store.run({
            operation: "test.append",
            input: {
              appends: [
                { accountId: 1, chatGuid: "any;-;d@x.com" },
                { accountId: 2, chatGuid: "any;-;d@x.com" },
              ],
              note: "kept",
            },
          }),
        ),
      ]);
      expect(outcomes.map((outcome) => outcome.status)).toEqual([
        "fulfilled",
        "rejected",
        "fulfilled",
      ]);
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
      expect(notesOf(store)).toEqual(["first", "kept"]);
    } finally {
      await store.close();
    }
  });
});

describe("group commit on the writer thread", () => {
  it("a write whose result cannot cross threads is committed, its caller is told so with a TypeError, and the rest of its batch settles normally", async () => {
    const store = openTestStore(join(directory, "unclonable.db"), "writer-thread");
    try {
      const [unclonable, good] = await Promise.all([
        settle(
          store.run({
            operation: "test.unclonableResult",
            input: { appends: [{ accountId: 1, chatGuid: chatOf(1, 0) }] },
          }),
        ),
        settle(
          store.run({
            operation: "test.append",
            input: { appends: [{ accountId: 1, chatGuid: chatOf(2, 0) }], result: [1, "two"] },
          }),
        ),
      ]);
      expect(unclonable.status).toBe("rejected");
      const reason = unclonable.status === "rejected" ? unclonable.reason : undefined;
      expect(reason).toBeInstanceOf(TypeError);
      expect((reason as Error).message).toContain("committed, but its result cannot be sent");
      expect(good).toEqual({ status: "fulfilled", value: [1, "two"] });
      expect(
        logOf(store)
          .get(1)
          ?.map((row) => row.chat),
      ).toEqual([chatOf(1, 0), chatOf(2, 0)]);
    } finally {
      await store.close();
    }
  });

  it("an input that cannot cross threads is refused with a TypeError before anything runs", async () => {
    const store = openTestStore(join(directory, "unclonable-input.db"), "writer-thread");
    try {
      const refused = store.run({
        operation: "test.append",
        input: { appends: [], result: () => 1 },
      });
      const good = store.run({
        operation: "test.append",
        input: { appends: [{ accountId: 3, chatGuid: chatOf(1, 0) }], result: "ok" },
      });
      await expect(refused).rejects.toThrow(TypeError);
      await expect(refused).rejects.toThrow("cannot be sent to SQLite's writer thread");
      await expect(good).resolves.toBe("ok");
      expect(logOf(store).get(3)?.length).toBe(1);
    } finally {
      await store.close();
    }
  });

  it("while the writer thread is held inside a batch's transaction, the main thread keeps turning and reads answer at once with the committed data only", async () => {
    const store = openTestStore(join(directory, "held.db"), "writer-thread");
    const gate = new Int32Array(new SharedArrayBuffer(8));
    try {
      await store.run({
        operation: "test.append",
        input: { appends: [{ accountId: 1, chatGuid: chatOf(0, 0) }] },
      });
      const held = store.run({
        operation: "test.holdThread",
        input: {
          gate: gate.buffer,
          append: { appends: [{ accountId: 1, chatGuid: chatOf(1, 0) }], result: "released" },
        },
      });
      let settled = false;
      void held.finally(() => {
        settled = true;
      });
      // Wait (on timers: the event loop turns) until the write is inside its transaction.
      while (Atomics.load(gate, 1) === 0) await new Promise((resolve) => setTimeout(resolve, 1));
      // The writer thread is blocked now; reads on this thread see the first commit only.
      for (let turn = 0; turn < 5; turn += 1) {
        expect(logOf(store)).toEqual(new Map([[1, [{ sequence: 1, chat: chatOf(0, 0) }]]]));
        expect(await store.repositories.idempotency.find(1, "no such key")).toBeUndefined();
        await new Promise((resolve) => setTimeout(resolve, 1));
      }
      expect(settled).toBe(false);
      Atomics.store(gate, 0, 1);
      Atomics.notify(gate, 0);
      await expect(held).resolves.toBe("released");
      expect(
        logOf(store)
          .get(1)
          ?.map((row) => row.chat),
      ).toEqual([chatOf(0, 0), chatOf(1, 0)]);
    } finally {
      // Released whatever happened, so close can commit and end the thread.
      Atomics.store(gate, 0, 1);
      Atomics.notify(gate, 0);
      await store.close();
    }
  });

  it("if the writer thread dies mid-batch, every unsettled write rejects saying so, health turns unavailable, later writes reject, nothing of the batch is stored, and close still resolves", async () => {
    const path = join(directory, "crash.db");
    const availability: boolean[] = [];
    const store = openTestStore(path, "writer-thread", {
      onAvailabilityChange: (available) => availability.push(available),
    });
    await store.run({
      operation: "test.append",
      input: { appends: [{ accountId: 1, chatGuid: chatOf(0, 0) }] },
    });
    const batch = [
      settle(
        store.run({
          operation: "test.append",
          input: { appends: [{ accountId: 1, chatGuid: chatOf(1, 0) }] },
        }),
      ),
      settle(store.run({ operation: "test.exitThread", input: null })),
      settle(
        store.run({
          operation: "test.append",
          input: { appends: [{ accountId: 1, chatGuid: chatOf(2, 0) }] },
        }),
      ),
    ];
    const outcomes = await Promise.all(batch);
    for (const outcome of outcomes) {
      expect(outcome.status).toBe("rejected");
      expect(outcome.status === "rejected" ? String(outcome.reason) : "").toContain(
        "SQLite's writer thread ended",
      );
    }
    expect(availability).toEqual([false]);
    await expect(store.run({ operation: "test.append", input: { appends: [] } })).rejects.toThrow(
      "SQLite's writer thread ended",
    );
    await store.close();
    const reopened = openTestStore(path, "main-thread");
    try {
      expect(logOf(reopened)).toEqual(new Map([[1, [{ sequence: 1, chat: chatOf(0, 0) }]]]));
    } finally {
      await reopened.close();
    }
  });

  it("a transitional closure write is refused with a TypeError that says to use a named write", async () => {
    const store = openTestStore(join(directory, "closure.db"), "writer-thread");
    try {
      expect(store.mode).toBe("writer-thread");
      await expect(store.write(() => 1)).rejects.toThrow(
        "store.write(closure) cannot run on SQLite's writer thread",
      );
    } finally {
      await store.close();
    }
  });

  it("an in-memory database always commits on the main thread (it exists once per connection)", async () => {
    const store = openTestStore(":memory:", "writer-thread");
    try {
      expect(store.mode).toBe("main-thread");
      await expect(
        store.run({
          operation: "test.append",
          input: { appends: [{ accountId: 1, chatGuid: chatOf(0, 0) }], result: "memory" },
        }),
      ).resolves.toBe("memory");
      expect(headsOf(store).get(1)).toBe(1);
    } finally {
      await store.close();
    }
  });
});
