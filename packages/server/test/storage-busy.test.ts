import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { status } from "@grpc/grpc-js";
import { ChatServiceDefinition } from "@threadline/protocol";
import BetterSqlite3 from "better-sqlite3";
import fc from "fast-check";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { ServerError } from "../src/errors/server-error.js";
import type { SqliteStore } from "../src/storage/sqlite-store.js";
import { startTestServer } from "../src/testing.js";
import { createRawClient, rejectionOf, trailer } from "./support/grpc-client.js";
import { openTestStore, type StoreMode, storeModes } from "./support/test-store.js";
import type { TestAppendInput } from "./support/test-writes.js";

/** Appends one event per account given, as one named write (failing after them when asked). */
function append(
  store: SqliteStore,
  accountId: number | readonly number[],
  chatGuid: (position: number) => string,
  options: { readonly fails?: boolean; readonly result?: unknown } = {},
): Promise<unknown> {
  const accounts = typeof accountId === "number" ? [accountId] : accountId;
  const input: TestAppendInput = {
    appends: accounts.map((account, position) => ({
      accountId: account,
      chatGuid: chatGuid(position),
    })),
    ...(options.fails === true ? { failAfter: accounts.length } : {}),
    ...(options.result === undefined ? {} : { result: options.result }),
  };
  return store.run({ operation: "test.append", input });
}

function eventCount(store: SqliteStore): number {
  return store.read(
    (db) =>
      db.prepare<[], { count: number }>("SELECT COUNT(*) AS count FROM event_log").get()?.count ??
      0,
  );
}

/** Resolves after the event loop has gone round `turns` times. */
async function loopTurns(turns: number): Promise<void> {
  for (let turn = 0; turn < turns; turn += 1) {
    await new Promise((resolve) => setTimeout(resolve, 1));
  }
}

describe.each(storeModes)(
  "a data file whose write lock another process holds (%s)",
  (mode: StoreMode) => {
    let directory: string;
    let path: string;
    let other: BetterSqlite3.Database;

    beforeEach(async () => {
      directory = await mkdtemp(join(tmpdir(), "threadline-busy-"));
      path = join(directory, "data.db");
      // Create and migrate the file first, then a second connection like another process.
      const setup = openTestStore(path, mode);
      await setup.close();
      other = new BetterSqlite3(path);
    });

    afterEach(async () => {
      if (other.inTransaction) other.exec("ROLLBACK");
      other.close();
      await rm(directory, { recursive: true, force: true });
    });

    it("refuses a write that waited past the busy timeout with a retryable UNAVAILABLE, without stopping the event loop, and stores nothing of it", async () => {
      const store = openTestStore(path, mode, { busyTimeoutMs: 200 });
      try {
        other.exec("BEGIN IMMEDIATE");
        let settled = false;
        const write = append(store, 1, () => "any;-;a@x.com");
        write.then(
          () => {
            settled = true;
          },
          () => {
            settled = true;
          },
        );
        // While the write waits for the lock, timers fire and reads answer.
        await loopTurns(3);
        expect(settled).toBe(false);
        expect(eventCount(store)).toBe(0);

        const error = await write.then(
          () => undefined,
          (failure: unknown) => failure,
        );
        expect(error).toBeInstanceOf(ServerError);
        expect(error).toMatchObject({ errorCode: "UNAVAILABLE", retryable: true });
        expect((error as Error).message).toContain("locked by another process");
        expect((error as Error).message).toContain("retry the same call later");

        other.exec("ROLLBACK");
        expect(eventCount(store)).toBe(0);
        // Once the lock is released the same write succeeds.
        await expect(append(store, 1, () => "any;-;a@x.com", { result: "stored" })).resolves.toBe(
          "stored",
        );
        expect(eventCount(store)).toBe(1);
      } finally {
        await store.close();
      }
    });

    it("commits writes that wait for the lock, in the order they were made, once it is released in time", async () => {
      const store = openTestStore(path, mode, { busyTimeoutMs: 60_000 });
      try {
        other.exec("BEGIN IMMEDIATE");
        const settled: number[] = [];
        const writes = [0, 1, 2].map((index) =>
          append(store, 7, () => `any;-;w${index}@x.com`, { result: index }).then((value) => {
            settled.push(index);
            return value;
          }),
        );
        await loopTurns(5);
        expect(settled).toEqual([]);
        // A write made later, while the first ones still wait, joins them.
        writes.push(append(store, 7, () => "any;-;late@x.com", { result: 3 }));
        other.exec("COMMIT");
        expect(await Promise.all(writes)).toEqual([0, 1, 2, 3]);
        expect(settled).toEqual([0, 1, 2]);
        const chats = store.read((db) =>
          db
            .prepare<[], { chat_guid: string }>(
              "SELECT chat_guid FROM event_log WHERE account_id = 7 ORDER BY sequence",
            )
            .all()
            .map((row) => row.chat_guid),
        );
        expect(chats).toEqual([
          "any;-;w0@x.com",
          "any;-;w1@x.com",
          "any;-;w2@x.com",
          "any;-;late@x.com",
        ]);
      } finally {
        await store.close();
      }
    });

    it("close() waits for a held lock, then commits the queued writes before the file closes", async () => {
      const store = openTestStore(path, mode, { busyTimeoutMs: 60_000 });
      other.exec("BEGIN IMMEDIATE");
      const write = append(store, 3, () => "any;-;c@x.com", { result: "after the lock" });
      const closing = store.close();
      await loopTurns(3);
      other.exec("COMMIT");
      await closing;
      await expect(write).resolves.toBe("after the lock");
      const reopened = openTestStore(path, mode);
      try {
        expect(eventCount(reopened)).toBe(1);
      } finally {
        await reopened.close();
      }
    });
  },
);

describe("a data file locked by another process, over gRPC", () => {
  it("over gRPC the refusal is UNAVAILABLE with x-retryable true, and the call works once the lock is gone", async () => {
    await using server = await startTestServer();
    const { token } = await server.accounts.create(["alice@example.com"]);
    const chats = createRawClient(server.address, ChatServiceDefinition, token);
    const locker = new BetterSqlite3(server.dataPath);
    try {
      locker.exec("BEGIN IMMEDIATE");
      const refused = await rejectionOf(
        chats.unary("createChat", { addresses: ["bob@example.com"] }),
      );
      expect(refused.code).toBe(status.UNAVAILABLE);
      expect(trailer(refused, "error-code")).toBe("UNAVAILABLE");
      expect(trailer(refused, "x-retryable")).toBe("true");
      expect(refused.details).toContain("locked by another process");
      locker.exec("ROLLBACK");
      await expect(
        chats.unary("createChat", { addresses: ["bob@example.com"] }),
      ).resolves.toMatchObject({ chat: { guid: expect.any(String) } });
    } finally {
      if (locker.inTransaction) locker.exec("ROLLBACK");
      locker.close();
      chats.close();
    }
  }, 20_000);
});

type Step =
  | { readonly kind: "write"; readonly accounts: readonly number[]; readonly fails: boolean }
  | { readonly kind: "lock" }
  | { readonly kind: "unlock" }
  | { readonly kind: "wait"; readonly turns: number };

const step: fc.Arbitrary<Step> = fc.oneof(
  {
    arbitrary: fc.record({
      kind: fc.constant("write" as const),
      accounts: fc.array(fc.integer({ min: 1, max: 3 }), { maxLength: 3 }),
      fails: fc.boolean(),
    }),
    weight: 4,
  },
  { arbitrary: fc.constant({ kind: "lock" as const }), weight: 1 },
  { arbitrary: fc.constant({ kind: "unlock" as const }), weight: 1 },
  {
    arbitrary: fc.record({
      kind: fc.constant("wait" as const),
      turns: fc.integer({ min: 1, max: 4 }),
    }),
    weight: 2,
  },
);

describe.each(storeModes)(
  "writes while another connection takes and releases the write lock (%s, property)",
  (mode: StoreMode) => {
    it("acknowledged writes are stored once, in the order they were made, with contiguous sequences; refused ones leave nothing; only a short busy timeout refuses", async () => {
      const directory = await mkdtemp(join(tmpdir(), "threadline-busy-property-"));
      let run = 0;
      try {
        await fc.assert(
          fc.asyncProperty(
            fc.array(step, { minLength: 1, maxLength: 20 }),
            fc.constantFrom(3, 60_000),
            async (steps, busyTimeoutMs) => {
              run += 1;
              const path = join(directory, `run-${run}.db`);
              const store = openTestStore(path, mode, { busyTimeoutMs });
              const locker = new BetterSqlite3(path);
              try {
                const outcomes: Promise<{
                  index: number;
                  result: PromiseSettledResult<unknown>;
                }>[] = [];
                const specs = new Map<number, { accounts: readonly number[]; fails: boolean }>();
                for (const [index, next] of steps.entries()) {
                  if (next.kind === "lock" && !locker.inTransaction) locker.exec("BEGIN IMMEDIATE");
                  if (next.kind === "unlock" && locker.inTransaction) locker.exec("COMMIT");
                  if (next.kind === "wait") await loopTurns(next.turns);
                  if (next.kind !== "write") continue;
                  specs.set(index, next);
                  const write = append(
                    store,
                    next.accounts,
                    (position) => `any;-;w${index}-${position}@x.com`,
                    { fails: next.fails, result: index },
                  );
                  outcomes.push(
                    write.then(
                      (value) => ({ index, result: { status: "fulfilled", value } as const }),
                      (reason: unknown) => ({
                        index,
                        result: { status: "rejected", reason } as const,
                      }),
                    ),
                  );
                }
                if (locker.inTransaction) locker.exec("COMMIT");
                const settled = await Promise.all(outcomes);

                const expected = new Map<number, string[]>();
                for (const { index, result } of settled) {
                  const spec = specs.get(index);
                  if (spec === undefined) throw new Error(`no spec for write ${index}`);
                  if (result.status === "rejected") {
                    if (result.reason instanceof Error && result.reason.name === "PlannedFailure") {
                      expect(spec.fails).toBe(true);
                    } else {
                      expect(busyTimeoutMs).toBe(3);
                      expect(result.reason).toBeInstanceOf(ServerError);
                      expect(result.reason).toMatchObject({
                        errorCode: "UNAVAILABLE",
                        retryable: true,
                      });
                    }
                    continue;
                  }
                  expect(spec.fails).toBe(false);
                  expect(result.value).toBe(index);
                  for (const [position, accountId] of spec.accounts.entries()) {
                    const list = expected.get(accountId) ?? [];
                    list.push(`any;-;w${index}-${position}@x.com`);
                    expected.set(accountId, list);
                  }
                }
                // Everything still queued commits at close; what the file then holds is the truth.
                await store.close();
                const stored = new Map<number, string[]>();
                const rows = locker
                  .prepare<[], { account_id: number; sequence: number; chat_guid: string }>(
                    "SELECT account_id, sequence, chat_guid FROM event_log ORDER BY account_id, sequence",
                  )
                  .all();
                for (const row of rows) {
                  const list = stored.get(row.account_id) ?? [];
                  expect(row.sequence).toBe(list.length + 1);
                  list.push(row.chat_guid);
                  stored.set(row.account_id, list);
                }
                expect(stored).toEqual(expected);
              } finally {
                if (locker.inTransaction) locker.exec("ROLLBACK");
                locker.close();
                await store.close();
              }
            },
          ),
          { numRuns: 30 },
        );
      } finally {
        await rm(directory, { recursive: true, force: true });
      }
    }, 60_000);
  },
);
