import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import type { SqliteStore } from "../src/storage/sqlite-store.js";
import { openTestStore, type StoreMode, storeModes } from "./support/test-store.js";

function sequencesOf(store: SqliteStore, accountId: number): number[] {
  return store.read((db) =>
    db
      .prepare<[number], { sequence: number }>(
        "SELECT sequence FROM event_log WHERE account_id = ? ORDER BY sequence",
      )
      .all(accountId)
      .map((row) => row.sequence),
  );
}

const appendMany = (store: SqliteStore, accountId: number, count: number) =>
  store.run({
    operation: "test.append",
    input: {
      appends: Array.from({ length: count }, (_, index) => ({
        accountId,
        chatGuid: `any;-;bulk-${index}-${"x".repeat(200)}@x.com`,
      })),
    },
  });

describe.each(storeModes)("checkpoints on a background thread (%s)", (mode: StoreMode) => {
  let directory: string;
  let path: string;

  beforeEach(async () => {
    directory = await mkdtemp(join(tmpdir(), "threadline-checkpoint-"));
    path = join(directory, "data.db");
  });

  afterEach(async () => {
    await rm(directory, { recursive: true, force: true });
  });

  it("copies every committed frame back into the file off the event loop; the WAL then starts again and nothing is lost", async () => {
    // The timer is effectively off: the test asks for each checkpoint itself.
    const store = openTestStore(path, mode, {
      backgroundCheckpoint: { afterCommits: 1, intervalMs: 3_600_000 },
    });
    try {
      expect(store.checkpointInBackground()).toBeUndefined();
      await appendMany(store, 1, 2000);
      const first = await store.checkpointInBackground();
      expect(first).toBeDefined();
      expect(first?.busy).toBe(0);
      expect(first?.log).toBeGreaterThan(50);
      expect(first?.checkpointed).toBe(first?.log);

      // Everything was copied back, so the next write starts the WAL from its beginning.
      await appendMany(store, 1, 10);
      const second = await store.checkpointInBackground();
      expect(second?.checkpointed).toBe(second?.log);
      expect(second?.log).toBeLessThan(first?.log ?? 0);
      expect(sequencesOf(store, 1)).toEqual(Array.from({ length: 2010 }, (_, index) => index + 1));
    } finally {
      await store.close();
    }
    const reopened = openTestStore(path, mode, { backgroundCheckpoint: false });
    try {
      expect(sequencesOf(reopened, 1)).toEqual(
        Array.from({ length: 2010 }, (_, index) => index + 1),
      );
    } finally {
      await reopened.close();
    }
  });

  it("starts the thread only after enough commits, and never when turned off", async () => {
    const lazy = openTestStore(path, mode, { backgroundCheckpoint: { afterCommits: 3 } });
    const off = openTestStore(join(directory, "off.db"), mode, { backgroundCheckpoint: false });
    try {
      for (let commit = 1; commit <= 3; commit += 1) {
        expect(lazy.checkpointInBackground()).toBeUndefined();
        await appendMany(lazy, 1, 1);
        await appendMany(off, 1, 1);
      }
      const result = await lazy.checkpointInBackground();
      expect(result?.checkpointed).toBe(result?.log);
      expect(off.checkpointInBackground()).toBeUndefined();
    } finally {
      await lazy.close();
      await off.close();
    }
  });

  it("writes go on while the thread checkpoints on its timer", async () => {
    const store = openTestStore(path, mode, {
      backgroundCheckpoint: { afterCommits: 1, intervalMs: 1 },
    });
    try {
      const writes: Promise<unknown>[] = [];
      for (let round = 0; round < 50; round += 1) {
        writes.push(appendMany(store, 2, 20));
        await new Promise((resolve) => setTimeout(resolve, 1));
      }
      await Promise.all(writes);
      expect(sequencesOf(store, 2)).toEqual(Array.from({ length: 1000 }, (_, index) => index + 1));
    } finally {
      await store.close();
    }
    const reopened = openTestStore(path, mode, { backgroundCheckpoint: false });
    try {
      expect(sequencesOf(reopened, 2)).toEqual(
        Array.from({ length: 1000 }, (_, index) => index + 1),
      );
    } finally {
      await reopened.close();
    }
  });
});
