import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { Metadata } from "@grpc/grpc-js";
import Database from "better-sqlite3";
import { pino } from "pino";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { openSqliteStore, type SqliteStore } from "../storage/sqlite-store.js";
import { insertAccount, insertToken } from "./account-directory.js";
import { authenticate } from "./authenticate.js";

let directory: string;
let path: string;
let store: SqliteStore;

beforeEach(async () => {
  directory = await mkdtemp(join(tmpdir(), "threadline-authenticate-"));
  path = join(directory, "threadline.db");
  store = openSqliteStore({ path, logger: pino({ enabled: false }) });
});

afterEach(async () => {
  await store.close();
  await rm(directory, { recursive: true, force: true });
});

function bearer(token: string): Metadata {
  const metadata = new Metadata();
  metadata.set("authorization", `Bearer ${token}`);
  return metadata;
}

function createAccount(address: string): Promise<{ id: number; token: string }> {
  return store.write((context) => {
    const account = insertAccount(context.db, [address], context.now);
    return { id: account.id, token: insertToken(context.db, account.id, context.now) };
  });
}

describe("authenticate", () => {
  it("rejects a token on the next call once another process deleted it", async () => {
    const { token } = await createAccount("alice@example.com");
    expect(authenticate(bearer(token), store).primaryAddress).toBe("alice@example.com");
    const otherProcess = new Database(path);
    try {
      otherProcess.prepare("DELETE FROM tokens").run();
    } finally {
      otherProcess.close();
    }
    expect(() => authenticate(bearer(token), store)).toThrow(/bearer token is not valid/);
  });

  it("rejects a token on the next call once the server's own connection deleted it", async () => {
    const { token } = await createAccount("alice@example.com");
    const other = await createAccount("bob@example.com");
    authenticate(bearer(token), store);
    authenticate(bearer(other.token), store);
    await store.write((context) => {
      context.db.prepare("DELETE FROM tokens WHERE account_id <> ?").run(other.id);
    });
    expect(() => authenticate(bearer(token), store)).toThrow(/bearer token is not valid/);
    expect(authenticate(bearer(other.token), store).primaryAddress).toBe("bob@example.com");
  });

  it("sees an address added to the account on the next call", async () => {
    const { id, token } = await createAccount("alice@example.com");
    expect(authenticate(bearer(token), store).addresses).toEqual(["alice@example.com"]);
    await store.write((context) => {
      context.db
        .prepare("INSERT INTO account_addresses (address, account_id, position) VALUES (?, ?, 1)")
        .run("+14155550100", id);
    });
    expect(authenticate(bearer(token), store).addresses).toEqual([
      "alice@example.com",
      "+14155550100",
    ]);
  });

  it("accepts a token issued after the first calls", async () => {
    const { id, token } = await createAccount("alice@example.com");
    authenticate(bearer(token), store);
    const second = await store.write((context) => insertToken(context.db, id, context.now));
    expect(authenticate(bearer(second), store).id).toBe(id);
  });
});
