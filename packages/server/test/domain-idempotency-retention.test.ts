import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { ChatServiceDefinition } from "@threadline/protocol";
import { pino } from "pino";
import { afterEach, beforeEach, describe, expect, it, vi } from "vitest";
import {
  idempotencyClaim,
  idempotencyKeyRetentionMs,
  runIdempotently,
} from "../src/domain/idempotency.js";
import { openSqliteStore, type SqliteStore } from "../src/storage/sqlite-store.js";

let directory: string;
let store: SqliteStore;
/** What the keyed write answers when its body runs (the body only runs for a new key). */
let answer: () => { count: number };

beforeEach(async () => {
  vi.useFakeTimers({ toFake: ["Date"] });
  vi.setSystemTime(new Date("2026-01-01T00:00:00Z"));
  directory = await mkdtemp(join(tmpdir(), "threadline-idempotency-"));
  store = openSqliteStore({
    path: join(directory, "threadline.db"),
    logger: pino({ enabled: false }),
    // Main-thread mode: the write's body is this test's closure, run under a real claim.
    execute: (context, request) => {
      if (request.idempotency === undefined) throw new Error("the test writes are keyed");
      return runIdempotently(context, request.idempotency, async () => answer());
    },
  });
});

/** One keyed GetChatCount-shaped write through the store's group commit. */
function keyedWrite(accountId: number, key: string, request: { includeArchived?: boolean }) {
  return store.run({
    operation: "test.keyed",
    input: null,
    idempotency: idempotencyClaim({
      method: ChatServiceDefinition.getChatCount,
      request,
      accountId,
      key,
    }),
  }) as Promise<{ count: number }>;
}

afterEach(async () => {
  vi.useRealTimers();
  await store.close();
  await rm(directory, { recursive: true, force: true });
});

describe("idempotency key retention", () => {
  it("replays a key for at least 24 hours and forgets it after 48", async () => {
    let runs = 0;
    answer = () => {
      runs += 1;
      return { count: runs };
    };
    const write = () => keyedWrite(1, "key-1", { includeArchived: true });
    expect((await write()).count).toBe(1);
    vi.setSystemTime(Date.now() + idempotencyKeyRetentionMs - 1);
    expect((await write()).count).toBe(1);
    expect(runs).toBe(1);
    vi.setSystemTime(Date.now() + idempotencyKeyRetentionMs + 2);
    // The first write after 48 hours prunes the expired key, then runs as a new write.
    expect((await write()).count).toBe(2);
    expect(runs).toBe(2);
  });

  it("keeps keys of different accounts apart", async () => {
    const write = (accountId: number, count: number) => {
      answer = () => ({ count });
      return keyedWrite(accountId, "shared", {});
    };
    expect((await write(1, 10)).count).toBe(10);
    expect((await write(2, 20)).count).toBe(20);
    expect((await write(1, 30)).count).toBe(10);
  });
});
