import { randomBytes } from "node:crypto";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { ValidationError } from "@threadline/core";
import { Redis } from "ioredis";
import pg from "pg";
import { afterAll, describe, expect, it } from "vitest";
import type { CheckpointStore } from "../src/checkpoint-store.js";
import { CheckpointStoreError } from "../src/errors.js";
import { createFileCheckpointStore } from "../src/file-checkpoint-store.js";
import { createMemoryCheckpointStore } from "../src/memory-checkpoint-store.js";
import { createPostgresCheckpointStore } from "../src/postgres-checkpoint-store.js";
import { createRedisCheckpointStore } from "../src/redis-checkpoint-store.js";
import { createSqliteCheckpointStore } from "../src/sqlite-checkpoint-store.js";
import { postgresUrl, redisUrl, serviceAvailability } from "./services.js";

interface Adapter {
  readonly name: string;
  readonly available: boolean;
  /** Opens a store on the same backing data every time it is called. */
  readonly open: () => CheckpointStore & { close?: () => Promise<void> };
  readonly durable: boolean;
  readonly cleanup: () => Promise<void>;
}

const run = randomBytes(4).toString("hex");
const services = await serviceAvailability();
const directory = mkdtempSync(join(tmpdir(), "threadline-recovery-contract-"));
const memory = createMemoryCheckpointStore();
const pgTable = `contract_${run}`;
const redisPrefix = `threadline:contract:${run}:`;

const adapters: Adapter[] = [
  {
    name: "memory",
    available: true,
    open: () => memory,
    durable: false,
    cleanup: async () => undefined,
  },
  {
    name: "file",
    available: true,
    open: () => createFileCheckpointStore({ directory: join(directory, "files") }),
    durable: true,
    cleanup: async () => undefined,
  },
  {
    name: "sqlite",
    available: true,
    open: () => createSqliteCheckpointStore({ database: join(directory, "checkpoints.db") }),
    durable: true,
    cleanup: async () => undefined,
  },
  {
    name: "postgres",
    available: services.postgres,
    open: () => createPostgresCheckpointStore({ pool: postgresUrl, table: pgTable }),
    durable: true,
    cleanup: async () => {
      const client = new pg.Client({ connectionString: postgresUrl });
      await client.connect();
      await client.query(`DROP TABLE IF EXISTS "${pgTable}", "${pgTable}_handled"`);
      await client.end();
    },
  },
  {
    name: "redis",
    available: services.redis,
    open: () => createRedisCheckpointStore({ client: redisUrl, prefix: redisPrefix }),
    durable: true,
    cleanup: async () => {
      const client = new Redis(redisUrl);
      const keys = await client.keys(`${redisPrefix}*`);
      if (keys.length > 0) await client.del(...keys);
      await client.quit();
    },
  },
];

afterAll(async () => {
  for (const adapter of adapters) if (adapter.available) await adapter.cleanup();
  rmSync(directory, { recursive: true, force: true });
});

for (const adapter of adapters) {
  describe.skipIf(!adapter.available)(`${adapter.name} checkpoint store contract`, () => {
    let counter = 0;
    const freshKey = (): string => `${adapter.name}-${run}-${++counter}`;

    async function withStore<T>(task: (store: CheckpointStore) => Promise<T>): Promise<T> {
      const store = adapter.open();
      try {
        return await task(store);
      } finally {
        if (store !== memory) await store.close?.();
      }
    }

    it("load returns undefined for a key that was never saved", async () => {
      await withStore(async (store) => {
        expect(await store.load(freshKey())).toBeUndefined();
      });
    });

    it("a saved value is loaded back, including zero and the largest safe integer", async () => {
      await withStore(async (store) => {
        const zero = freshKey();
        await store.save(zero, 0);
        expect(await store.load(zero)).toBe(0);
        const large = freshKey();
        await store.save(large, Number.MAX_SAFE_INTEGER);
        expect(await store.load(large)).toBe(Number.MAX_SAFE_INTEGER);
      });
    });

    it("a save never lowers the stored value", async () => {
      await withStore(async (store) => {
        const key = freshKey();
        await store.save(key, 10);
        await store.save(key, 3);
        await store.save(key, 10);
        expect(await store.load(key)).toBe(10);
        await store.save(key, 11);
        expect(await store.load(key)).toBe(11);
      });
    });

    it("racing saves leave the highest value", async () => {
      await withStore(async (store) => {
        const key = freshKey();
        const values = Array.from({ length: 40 }, (_, index) => index + 1);
        values.sort(() => Math.random() - 0.5);
        await Promise.all(values.map((value) => store.save(key, value)));
        expect(await store.load(key)).toBe(40);
      });
    });

    // The file store coordinates saves within one store instance only (documented), so
    // this contract applies to the others.
    const sharedAcrossInstances = adapter.name !== "file";
    if (sharedAcrossInstances)
      it("racing saves from two store instances leave the highest value", async () => {
        const key = freshKey();
        const first = adapter.open();
        const second = adapter.open();
        try {
          await Promise.all(
            Array.from({ length: 30 }, (_, index) =>
              (index % 2 === 0 ? first : second).save(key, 30 - index),
            ),
          );
          expect(await first.load(key)).toBe(30);
          expect(await second.load(key)).toBe(30);
        } finally {
          if (first !== memory) await first.close?.();
          if (second !== memory) await second.close?.();
        }
      });

    it("keys are independent, whatever characters they contain", async () => {
      await withStore(async (store) => {
        const plain = freshKey();
        const odd = `${freshKey()}:any;+;chat/../ü "quoted" 'single'`;
        await store.save(plain, 1);
        await store.save(odd, 2);
        expect(await store.load(plain)).toBe(1);
        expect(await store.load(odd)).toBe(2);
      });
    });

    // The memory store is not durable by design; the others must survive a reopen.
    if (adapter.durable)
      it("a saved value survives reopening the store", async () => {
        const key = freshKey();
        await withStore((store) => store.save(key, 77));
        expect(await withStore((store) => store.load(key))).toBe(77);
      });

    it("rejects a bad key or sequence with a ValidationError", async () => {
      await withStore(async (store) => {
        await expect(store.save(freshKey(), -1)).rejects.toThrow(
          "sequence must be a non-negative safe integer; received -1",
        );
        await expect(store.save(freshKey(), 1.5)).rejects.toBeInstanceOf(ValidationError);
        await expect(store.save(freshKey(), Number.NaN)).rejects.toBeInstanceOf(ValidationError);
        await expect(store.load("")).rejects.toThrow(
          'key must be a non-empty string of at most 512 characters; received ""',
        );
      });
    });
  });
}

describe("file checkpoint store", () => {
  it("leaves no temporary files behind after many saves", async () => {
    const { readdir } = await import("node:fs/promises");
    const target = join(directory, "no-temporaries");
    const store = createFileCheckpointStore({ directory: target });
    await Promise.all(Array.from({ length: 20 }, (_, index) => store.save("k", index + 1)));
    const names = await readdir(target);
    expect(names).toHaveLength(1);
    expect(names[0]).toMatch(/\.checkpoint$/);
    expect(await store.load("k")).toBe(20);
  });

  it("refuses a corrupted file with a CheckpointStoreError instead of guessing", async () => {
    const { readdir, writeFile } = await import("node:fs/promises");
    const target = join(directory, "corrupted");
    const store = createFileCheckpointStore({ directory: target });
    await store.save("k", 5);
    const [name] = await readdir(target);
    await writeFile(join(target, name ?? ""), "not json");
    await expect(store.load("k")).rejects.toBeInstanceOf(CheckpointStoreError);
  });
});
