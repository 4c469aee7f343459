import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { status } from "@grpc/grpc-js";
import { ChatServiceDefinition } from "@threadline/protocol";
import BetterSqlite3 from "better-sqlite3";
import { pino } from "pino";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { ServerError } from "../src/errors/server-error.js";
import { openSqliteStore, type SqliteStore } from "../src/storage/sqlite-store.js";
import { startTestServer } from "../src/testing.js";
import { messageEvent } from "./support/append-events.js";
import { createRawClient, rejectionOf, trailer } from "./support/grpc-client.js";

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

describe("a data file whose write lock another process holds", () => {
  let directory: string;
  let path: string;
  let other: BetterSqlite3.Database;

  beforeEach(async () => {
    directory = await mkdtemp(join(tmpdir(), "threadline-busy-"));
    path = join(directory, "data.db");
    // Create and migrate the file first, then a second connection like another process.
    const setup = openSqliteStore({ path, logger: pino({ enabled: false }) });
    await setup.close();
    other = new BetterSqlite3(path);
  });

  afterEach(async () => {
    if (other.inTransaction) other.exec("ROLLBACK");
    other.close();
    await rm(directory, { recursive: true, force: true });
  });

  it("refuses a write that waited past the busy timeout with a retryable UNAVAILABLE, without stopping the event loop, and stores nothing of it", async () => {
    const store = openSqliteStore({ path, logger: pino({ enabled: false }), busyTimeoutMs: 200 });
    try {
      other.exec("BEGIN IMMEDIATE");
      let settled = false;
      const write = store.write((context) => context.appendEvent(1, messageEvent("any;-;a@x.com")));
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
      await expect(
        store.write((context) => context.appendEvent(1, messageEvent("any;-;a@x.com"))),
      ).resolves.toBe(1);
      expect(eventCount(store)).toBe(1);
    } finally {
      await store.close();
    }
  });

  it("commits writes that wait for the lock, in the order they were made, once it is released in time", async () => {
    const store = openSqliteStore({
      path,
      logger: pino({ enabled: false }),
      busyTimeoutMs: 60_000,
    });
    try {
      other.exec("BEGIN IMMEDIATE");
      const settled: number[] = [];
      const writes = [0, 1, 2].map((index) =>
        store
          .write((context) => context.appendEvent(7, messageEvent(`any;-;w${index}@x.com`)))
          .then((sequence) => {
            settled.push(index);
            return sequence;
          }),
      );
      await loopTurns(5);
      expect(settled).toEqual([]);
      // A write made later, while the first ones still wait, joins them.
      writes.push(
        store.write((context) => context.appendEvent(7, messageEvent("any;-;late@x.com"))),
      );
      other.exec("COMMIT");
      expect(await Promise.all(writes)).toEqual([1, 2, 3, 4]);
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
    const store = openSqliteStore({
      path,
      logger: pino({ enabled: false }),
      busyTimeoutMs: 60_000,
    });
    other.exec("BEGIN IMMEDIATE");
    const write = store.write((context) => context.appendEvent(3, messageEvent("any;-;c@x.com")));
    const closing = store.close();
    await loopTurns(3);
    other.exec("COMMIT");
    await closing;
    await expect(write).resolves.toBe(1);
    const reopened = openSqliteStore({ path, logger: pino({ enabled: false }) });
    try {
      expect(eventCount(reopened)).toBe(1);
    } finally {
      await reopened.close();
    }
  });

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
