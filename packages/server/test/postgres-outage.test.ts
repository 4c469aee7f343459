import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { ServerError } from "../src/errors/server-error.js";
import { startFreezableProxy } from "../src/testing/freezable-proxy.js";
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
  storedEvents,
  type TestAppendInput,
} from "./support/postgres-test-writes.js";

const reachable = await postgresReachable();

const pause = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

/** Calls `attempt` until it resolves; gives up (failing the test) after `tries`. */
async function eventually<T>(attempt: () => Promise<T>, tries = 200): Promise<T> {
  let last: unknown;
  for (let index = 0; index < tries; index += 1) {
    try {
      return await attempt();
    } catch (error) {
      last = error;
      await pause(100);
    }
  }
  throw last;
}

function append(id: string, accounts: number[]): { operation: string; input: TestAppendInput } {
  return { operation: "test.append", input: { id, accounts, failure: "none" } };
}

describe.runIf(reachable)("PostgreSQL outage", () => {
  let database: ScratchDatabase;
  let proxy: CuttableProxy;
  let behindProxy: RecordingStore;
  let direct: RecordingStore;
  beforeAll(async () => {
    database = await createScratchDatabase();
    proxy = await startCuttableProxy(new URL(postgresAdminUrl).host);
    behindProxy = await openRecordingStore(database.urlThrough(proxy.address), {
      poolSize: 2,
      connectTimeoutMs: 1000,
      pollIntervalMs: 200,
    });
    direct = await openRecordingStore(database.url, { poolSize: 2 });
  });
  afterAll(async () => {
    proxy?.restore();
    await behindProxy?.store.close();
    await direct?.store.close();
    await proxy?.close();
    await database?.drop();
  });

  it("writes and reads fail UNAVAILABLE (retryable) while the database is cut off, health follows, and the store recovers by itself with every event of the outage published once", async () => {
    await behindProxy.store.run(append("before", [7]));

    proxy.cut();
    const write = behindProxy.store.run(append("during", [7]));
    await expect(write).rejects.toBeInstanceOf(ServerError);
    await expect(write).rejects.toMatchObject({ errorCode: "UNAVAILABLE", retryable: true });
    const read = behindProxy.store.repositories.idempotency.find(7, "before");
    await expect(read).rejects.toMatchObject({ errorCode: "UNAVAILABLE", retryable: true });
    expect(behindProxy.availability).toEqual([false]);

    // Another process keeps writing meanwhile; its events must reach this store's live
    // subscribers after the outage, through the listener's catch-up or the poll.
    for (let index = 0; index < 5; index += 1) {
      await direct.store.run(append(`other-${index}`, [7, 8]));
    }

    proxy.restore();
    await eventually(() => behindProxy.store.run(append("after", [7])));
    await eventually(async () => {
      if (behindProxy.availability.at(-1) !== true) throw new Error("still NOT_SERVING");
    });
    expect(await behindProxy.store.repositories.idempotency.find(7, "before")).toBeDefined();

    const stored = await storedEvents(database.url, [7, 8]);
    expect(stored.map((event) => event.chatGuid)).not.toContain("during");
    await eventually(async () => {
      await behindProxy.store.liveIdle();
      const published = behindProxy.published.filter((event) => [7, 8].includes(event.accountId));
      if (published.length < stored.length) {
        throw new Error(`published ${published.length} of ${stored.length} events so far`);
      }
    });
    const published = behindProxy.published.filter((event) => [7, 8].includes(event.accountId));
    expect(contiguityProblems(published)).toEqual([]);
    expect(
      [...published]
        .sort((left, right) => left.accountId - right.accountId || left.sequence - right.sequence)
        .map((event) => ({
          accountId: event.accountId,
          sequence: event.sequence,
          chatGuid: event.chatGuid,
        })),
    ).toEqual(stored);
  });

  it("a store cannot open on an unreachable database: the error names it without its password", async () => {
    proxy.cut();
    try {
      const url = new URL(database.urlThrough(proxy.address));
      url.password = "secret-password";
      const opening = openRecordingStore(url.toString(), { connectTimeoutMs: 1000 });
      await expect(opening).rejects.toThrow(
        /cannot use the PostgreSQL database postgres:\/\/postgres:\*\*\*@127\.0\.0\.1:\d+\/threadline_p_/,
      );
      await expect(opening).rejects.not.toThrow(/secret-password/);
    } finally {
      proxy.restore();
    }
  });

  it("a connection that stops answering fails its write with UNAVAILABLE after queryTimeoutMs and is replaced", async () => {
    const frozen = await startFreezableProxy(new URL(postgresAdminUrl).host);
    const stalled = await openRecordingStore(database.urlThrough(frozen.address), {
      poolSize: 1,
      queryTimeoutMs: 500,
      connectTimeoutMs: 1000,
      live: false,
    });
    try {
      await stalled.store.run(append("stall-before", [9]));
      // The open connections go half-open: bytes stop, sockets stay (new ones work).
      frozen.freeze();
      const write = stalled.store.run(append("stall-during", [9]));
      await expect(write).rejects.toMatchObject({ errorCode: "UNAVAILABLE", retryable: true });
      await expect(write).rejects.toThrow(/Query read timeout/);
      await stalled.store.run(append("stall-after", [9]));
      const stored = await storedEvents(database.url, [9]);
      expect(stored.map((event) => event.chatGuid)).toEqual(["stall-before", "stall-after"]);
    } finally {
      frozen.thaw();
      await stalled.store.close();
      await frozen.close();
    }
  });

  it("closes during an outage: queued writes are refused UNAVAILABLE and close resolves", async () => {
    const closing = await openRecordingStore(database.urlThrough(proxy.address), {
      poolSize: 1,
      connectTimeoutMs: 500,
    });
    await closing.store.run(append("close-before", [12]));
    proxy.cut();
    try {
      const queued = [1, 2, 3].map((index) =>
        closing.store.run(append(`close-${index}`, [12])).then(
          () => "stored",
          (error: unknown) => error,
        ),
      );
      await closing.store.close();
      for (const outcome of await Promise.all(queued)) {
        expect(outcome).toMatchObject({ errorCode: "UNAVAILABLE", retryable: true });
      }
      expect(closing.availability.at(-1)).toBe(false);
    } finally {
      proxy.restore();
    }
  });
});
