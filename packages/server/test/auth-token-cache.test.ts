import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { Metadata } from "@grpc/grpc-js";
import BetterSqlite3 from "better-sqlite3";
import { pino } from "pino";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { insertAccount, insertToken, replaceTokens } from "../src/auth/account-directory.js";
import { authenticate } from "../src/auth/authenticate.js";
import { ServerError } from "../src/errors/server-error.js";
import { openSqliteStore, type SqliteStore } from "../src/storage/sqlite-store.js";

function bearer(token: string): Metadata {
  const metadata = new Metadata();
  metadata.set("authorization", `Bearer ${token}`);
  return metadata;
}

function rejection(run: () => unknown): unknown {
  try {
    run();
  } catch (error) {
    return error;
  }
  return undefined;
}

describe("authenticate remembers tokens that worked, and forgets them when they may have changed", () => {
  let directory: string;
  let path: string;
  let store: SqliteStore;
  let accountId: number;
  let token: string;

  beforeEach(async () => {
    directory = await mkdtemp(join(tmpdir(), "threadline-auth-cache-"));
    path = join(directory, "data.db");
    store = openSqliteStore({ path, logger: pino({ enabled: false }) });
    ({ accountId, token } = await store.write((context) => {
      const account = insertAccount(context.db, ["alice@example.com"], context.now);
      return { accountId: account.id, token: insertToken(context.db, account.id, context.now) };
    }));
  });

  afterEach(async () => {
    await store.close();
    await rm(directory, { recursive: true, force: true });
  });

  it("the same token authenticates as the same account on every call", () => {
    const first = authenticate(bearer(token), store);
    const second = authenticate(bearer(token), store);
    expect(first).toEqual({
      id: accountId,
      addresses: ["alice@example.com"],
      primaryAddress: "alice@example.com",
    });
    expect(second).toEqual(first);
  });

  it("a token revoked by another connection (the accounts CLI, another process) fails on the next call", () => {
    expect(authenticate(bearer(token), store).id).toBe(accountId);
    const other = new BetterSqlite3(path);
    let replacement: string;
    try {
      replacement = other.transaction(() => replaceTokens(other, accountId, new Date()).token)();
    } finally {
      other.close();
    }
    const error = rejection(() => authenticate(bearer(token), store));
    expect(error).toBeInstanceOf(ServerError);
    expect(error).toMatchObject({
      errorCode: "UNAUTHENTICATED",
      message: "the bearer token is not valid on this server",
    });
    expect(authenticate(bearer(replacement), store).id).toBe(accountId);
  });

  it("a token revoked through this server's own store fails on the next call", async () => {
    expect(authenticate(bearer(token), store).id).toBe(accountId);
    const replacement = await store.write(
      (context) => replaceTokens(context.db, accountId, context.now).token,
    );
    expect(rejection(() => authenticate(bearer(token), store))).toMatchObject({
      errorCode: "UNAUTHENTICATED",
    });
    expect(authenticate(bearer(replacement), store).id).toBe(accountId);
  });

  it("a revocation that rolled back leaves the token working", async () => {
    expect(authenticate(bearer(token), store).id).toBe(accountId);
    const failed = store.write((context) => {
      replaceTokens(context.db, accountId, context.now);
      throw new Error("planned failure after revoking");
    });
    await expect(failed).rejects.toThrow("planned failure after revoking");
    expect(authenticate(bearer(token), store).id).toBe(accountId);
  });

  it("an unknown token is refused every time, also after a valid one was remembered", () => {
    expect(authenticate(bearer(token), store).id).toBe(accountId);
    const unknown = `${token.slice(0, -1)}${token.endsWith("A") ? "B" : "A"}`;
    for (let attempt = 0; attempt < 3; attempt += 1) {
      expect(rejection(() => authenticate(bearer(unknown), store))).toMatchObject({
        errorCode: "UNAUTHENTICATED",
      });
    }
  });
});
