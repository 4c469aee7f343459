import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { Metadata } from "@grpc/grpc-js";
import fc from "fast-check";
import { pino } from "pino";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import type { Account } from "../src/auth/account.js";
import { authenticate } from "../src/auth/authenticate.js";
import {
  type AuthenticatedAccounts,
  createAuthenticatedAccounts,
  tokenRevalidationMs,
} from "../src/auth/authenticated-accounts.js";
import { rotateAccountTokens } from "../src/domain/account-tokens.js";
import { runWrite } from "../src/domain/write-operations.js";
import { ServerError } from "../src/errors/server-error.js";
import { openPostgresStore, type PostgresStore } from "../src/storage/postgres/postgres-store.js";
import { openSqliteStore, type SqliteStore } from "../src/storage/sqlite-store.js";
import { authTestExecute, plannedRevocationFailure } from "./support/auth-test-writes.js";
import {
  createScratchDatabase,
  postgresReachable,
  type ScratchDatabase,
} from "./support/postgres-scratch.js";
import { type StoreMode, storeModes } from "./support/test-store.js";

const authWriterThread = new URL("./support/auth-test-writer-thread.ts", import.meta.url);

function openStore(path: string, mode: StoreMode): SqliteStore {
  return openSqliteStore({
    path,
    logger: pino({ enabled: false }),
    execute: authTestExecute,
    ...(mode === "writer-thread" ? { writerThread: { module: authWriterThread } } : {}),
  });
}

function bearer(token: string): Metadata {
  const metadata = new Metadata();
  metadata.set("authorization", `Bearer ${token}`);
  return metadata;
}

/** What authenticate settles with: the account, or the error it threw or rejected with. */
async function outcomeOf(run: () => Account | Promise<Account>): Promise<Account | unknown> {
  try {
    return await run();
  } catch (error) {
    return error;
  }
}

const refused = {
  errorCode: "UNAUTHENTICATED",
  message: "the bearer token is not valid on this server",
};

/** A token cache on a clock the test moves by hand. */
function manualClockCache(): { cache: AuthenticatedAccounts; advance(ms: number): void } {
  let now = 1_000_000;
  return {
    cache: createAuthenticatedAccounts({ maxAgeMs: tokenRevalidationMs, now: () => now }),
    advance: (ms) => {
      now += ms;
    },
  };
}

describe.each(storeModes)("authenticate remembers tokens that worked, briefly (%s)", (mode) => {
  let directory: string;
  let path: string;
  let store: SqliteStore;
  let accountId: number;
  let token: string;

  beforeEach(async () => {
    directory = await mkdtemp(join(tmpdir(), "threadline-auth-cache-"));
    path = join(directory, "data.db");
    store = openStore(path, mode);
    const created = await runWrite(store, "accounts.create", { addresses: ["alice@example.com"] });
    accountId = created.account.id;
    token = created.token;
  });

  afterEach(async () => {
    await store.close();
    await rm(directory, { recursive: true, force: true });
  });

  it("the same token authenticates as the same account on every call, the repeat without a lookup", async () => {
    const first = await authenticate(bearer(token), store);
    const second = authenticate(bearer(token), store);
    expect(first).toEqual({
      id: accountId,
      addresses: ["alice@example.com"],
      primaryAddress: "alice@example.com",
    });
    // Answered from memory: synchronously, not a promise of a database read.
    expect(second).not.toBeInstanceOf(Promise);
    expect(second).toEqual(first);
  });

  it("a token rotated through another store on the same file (the accounts CLI, another process) fails once the revalidation age has passed", async () => {
    const { cache, advance } = manualClockCache();
    expect(await outcomeOf(() => authenticate(bearer(token), store, cache))).toMatchObject({
      id: accountId,
    });
    const other = openStore(path, "main-thread");
    let replacement: string;
    try {
      const rotated = await rotateAccountTokens(other, "alice@example.com");
      replacement = rotated?.token ?? "";
      expect(rotated).toMatchObject({ account: { id: accountId }, revoked: 1 });
      // The other store's own cache forgets at once.
      expect(await outcomeOf(() => authenticate(bearer(token), other))).toMatchObject(refused);
    } finally {
      await other.close();
    }
    // This process has no news of the rotation: the entry is trusted for its bounded age…
    advance(tokenRevalidationMs - 1);
    expect(await outcomeOf(() => authenticate(bearer(token), store, cache))).toMatchObject({
      id: accountId,
    });
    // …and not a moment longer.
    advance(1);
    const error = await outcomeOf(() => authenticate(bearer(token), store, cache));
    expect(error).toBeInstanceOf(ServerError);
    expect(error).toMatchObject(refused);
    expect(await outcomeOf(() => authenticate(bearer(replacement), store, cache))).toMatchObject({
      id: accountId,
    });
  });

  it("a token rotated through this process's own store fails on the very next call", async () => {
    expect(await outcomeOf(() => authenticate(bearer(token), store))).toMatchObject({
      id: accountId,
    });
    const rotated = await rotateAccountTokens(store, "alice@example.com");
    expect(await outcomeOf(() => authenticate(bearer(token), store))).toMatchObject(refused);
    expect(await outcomeOf(() => authenticate(bearer(rotated?.token ?? ""), store))).toMatchObject({
      id: accountId,
    });
  });

  it("a revocation that rolled back leaves the token working", async () => {
    expect(await outcomeOf(() => authenticate(bearer(token), store))).toMatchObject({
      id: accountId,
    });
    await expect(
      store.run({ operation: "test.rotateTokensThenFail", input: { accountId } }),
    ).rejects.toThrow(plannedRevocationFailure);
    expect(await outcomeOf(() => authenticate(bearer(token), store))).toMatchObject({
      id: accountId,
    });
    expect((await store.repositories.accounts.list())[0]?.tokenCount).toBe(1);
  });

  it("an unknown token is refused every time, also after a valid one was remembered", async () => {
    expect(await outcomeOf(() => authenticate(bearer(token), store))).toMatchObject({
      id: accountId,
    });
    const unknown = `${token.slice(0, -1)}${token.endsWith("A") ? "B" : "A"}`;
    for (let attempt = 0; attempt < 3; attempt += 1) {
      expect(await outcomeOf(() => authenticate(bearer(unknown), store))).toMatchObject(refused);
    }
  });

  it("a rotation for an address without an account changes nothing", async () => {
    expect(await rotateAccountTokens(store, "nobody@example.com")).toBeNull();
    expect(await outcomeOf(() => authenticate(bearer(token), store))).toMatchObject({
      id: accountId,
    });
  });
});

const postgres = await postgresReachable();

describe.runIf(postgres)(
  "the token cache over two PostgreSQL stores on one database (two server processes)",
  () => {
    let database: ScratchDatabase;
    let first: PostgresStore;
    let second: PostgresStore;
    const openStore = () =>
      openPostgresStore({
        url: database.url,
        logger: pino({ enabled: false }),
        execute: authTestExecute,
        live: false,
        poolSize: 2,
      });

    beforeEach(async () => {
      database = await createScratchDatabase();
      first = await openStore();
      second = await openStore();
    });

    afterEach(async () => {
      await first?.close();
      await second?.close();
      await database?.drop();
    });

    it("a token rotated through the other store fails here once the revalidation age has passed, there at once", async () => {
      const { account, token } = await runWrite(first, "accounts.create", {
        addresses: ["alice@example.com"],
      });
      const { cache, advance } = manualClockCache();
      expect(await outcomeOf(() => authenticate(bearer(token), first, cache))).toMatchObject({
        id: account.id,
      });
      expect(await outcomeOf(() => authenticate(bearer(token), second))).toMatchObject({
        id: account.id,
      });
      const rotated = await rotateAccountTokens(second, "alice@example.com");
      expect(rotated).toMatchObject({ account: { id: account.id }, revoked: 1 });
      expect(await outcomeOf(() => authenticate(bearer(token), second))).toMatchObject(refused);
      advance(tokenRevalidationMs - 1);
      expect(await outcomeOf(() => authenticate(bearer(token), first, cache))).toMatchObject({
        id: account.id,
      });
      advance(1);
      expect(await outcomeOf(() => authenticate(bearer(token), first, cache))).toMatchObject(
        refused,
      );
      expect(
        await outcomeOf(() => authenticate(bearer(rotated?.token ?? ""), first, cache)),
      ).toMatchObject({ id: account.id });
    });

    it("a revocation that rolled back leaves the token working", async () => {
      const { account, token } = await runWrite(first, "accounts.create", {
        addresses: ["bob@example.com"],
      });
      await expect(
        first.run({ operation: "test.rotateTokensThenFail", input: { accountId: account.id } }),
      ).rejects.toThrow(plannedRevocationFailure);
      expect(await outcomeOf(() => authenticate(bearer(token), second))).toMatchObject({
        id: account.id,
      });
    });
  },
);

describe("the token cache", () => {
  const account: Account = { id: 7, addresses: ["a@example.com"], primaryAddress: "a@example.com" };

  it("does not remember a lookup that started before a forget (a revocation raced it)", () => {
    const { cache } = manualClockCache();
    const generation = cache.generation;
    cache.forget();
    cache.remember("token", account, generation);
    expect(cache.lookup("token")).toBeUndefined();
    cache.remember("token", account, cache.generation);
    expect(cache.lookup("token")).toEqual(account);
  });

  it("treats an entry as stale when the clock went backwards", () => {
    let now = 5000;
    const cache = createAuthenticatedAccounts({ maxAgeMs: 1000, now: () => now });
    cache.remember("token", account, cache.generation);
    now = 4999;
    expect(cache.lookup("token")).toBeUndefined();
  });

  it("answers a token only if it was remembered after the last forget and less than the max age ago (property)", () => {
    type Step =
      | { readonly type: "remember"; readonly token: number; readonly stale: boolean }
      | { readonly type: "advance"; readonly ms: number }
      | { readonly type: "forget" }
      | { readonly type: "lookup"; readonly token: number };
    const token = fc.integer({ min: 0, max: 3 });
    const step: fc.Arbitrary<Step> = fc.oneof(
      fc.record({ type: fc.constant("remember" as const), token, stale: fc.boolean() }),
      fc.record({ type: fc.constant("advance" as const), ms: fc.integer({ min: 0, max: 700 }) }),
      fc.record({ type: fc.constant("forget" as const) }),
      fc.record({ type: fc.constant("lookup" as const), token }),
    );
    fc.assert(
      fc.property(
        fc.array(step, { maxLength: 60 }),
        fc.integer({ min: 1, max: 4 }),
        (steps, maxEntries) => {
          let now = 0;
          const maxAgeMs = 1000;
          const cache = createAuthenticatedAccounts({ maxAgeMs, now: () => now, maxEntries });
          // The model: when each token was remembered (and not forgotten since).
          let remembered = new Map<number, number>();
          for (const next of steps) {
            if (next.type === "remember") {
              // A stale remember carries the generation from before a forget in between.
              const generation = cache.generation;
              if (next.stale) {
                cache.forget();
                remembered = new Map();
              }
              cache.remember(`t${next.token}`, { ...account, id: next.token }, generation);
              if (!next.stale) {
                // A full cache starts again empty, even for a token it holds.
                if (remembered.size >= maxEntries) remembered = new Map();
                remembered.set(next.token, now);
              }
            } else if (next.type === "advance") {
              now += next.ms;
            } else if (next.type === "forget") {
              cache.forget();
              remembered = new Map();
            } else {
              const answer = cache.lookup(`t${next.token}`);
              const at = remembered.get(next.token);
              const fresh = at !== undefined && now - at < maxAgeMs;
              if (!fresh) remembered.delete(next.token);
              // Never an answer the model does not allow; always the right account when allowed.
              expect(answer).toEqual(fresh ? { ...account, id: next.token } : undefined);
            }
          }
        },
      ),
    );
  });
});
