import { ValidationError } from "@threadline/core";
import { describe, expect, it } from "vitest";
import { createCheckpointQueue } from "./checkpoint-queue.js";
import type { CheckpointStore } from "./checkpoint-store.js";
import { CheckpointStoreError, HandlerFailedError, QueueClosedError } from "./errors.js";
import { createMemoryCheckpointStore } from "./memory-checkpoint-store.js";

interface TestEvent {
  readonly sequence: number;
  readonly chat?: string;
}

function recordingStore(initial?: number): CheckpointStore & { saves: number[] } {
  const inner = createMemoryCheckpointStore(initial === undefined ? {} : { k: initial });
  const saves: number[] = [];
  return {
    saves,
    load: (key) => inner.load(key),
    async save(key, sequence) {
      saves.push(sequence);
      await inner.save(key, sequence);
    },
  };
}

function deferred(): { promise: Promise<void>; resolve: () => void } {
  let resolve = (): void => undefined;
  const promise = new Promise<void>((settle) => {
    resolve = settle;
  });
  return { promise, resolve };
}

const noRetryDelay = { initialDelay: 0, maxDelay: 0, jitter: false } as const;

describe("createCheckpointQueue", () => {
  it("advances the checkpoint only over the contiguous prefix of completed sequences", async () => {
    const store = recordingStore();
    const gates = new Map<number, ReturnType<typeof deferred>>();
    for (const sequence of [1, 2, 3]) gates.set(sequence, deferred());
    const queue = await createCheckpointQueue<TestEvent>({
      store,
      key: "k",
      concurrency: 3,
      handler: (event) => gates.get(event.sequence)?.promise,
    });
    await queue.push({ sequence: 1 });
    await queue.push({ sequence: 2 });
    await queue.push({ sequence: 3 });
    gates.get(3)?.resolve();
    gates.get(2)?.resolve();
    await new Promise((resolve) => setTimeout(resolve, 5));
    expect(queue.checkpoint).toBe(0);
    gates.get(1)?.resolve();
    await queue.drain();
    expect(queue.checkpoint).toBe(3);
    await queue.close();
    expect(await store.load("k")).toBe(3);
  });

  it("drops duplicates, including everything at or below the loaded checkpoint", async () => {
    const store = createMemoryCheckpointStore({ k: 5 });
    const handled: number[] = [];
    const queue = await createCheckpointQueue<TestEvent>({
      store,
      key: "k",
      handler: (event) => {
        handled.push(event.sequence);
      },
    });
    for (const sequence of [3, 5, 6, 6, 7, 6, 4, 8, 7]) await queue.push({ sequence });
    await queue.close();
    expect(handled).toEqual([6, 7, 8]);
    expect(queue.progress().duplicatesDropped).toBe(6);
    expect(await store.load("k")).toBe(8);
  });

  it("never runs more handlers at once than the concurrency", async () => {
    let running = 0;
    let peak = 0;
    const queue = await createCheckpointQueue<TestEvent>({
      store: createMemoryCheckpointStore(),
      key: "k",
      concurrency: 4,
      handler: async () => {
        running++;
        peak = Math.max(peak, running);
        await new Promise((resolve) => setTimeout(resolve, 1));
        running--;
      },
    });
    for (let sequence = 1; sequence <= 50; sequence++) await queue.push({ sequence });
    await queue.close();
    expect(peak).toBe(4);
    expect(queue.progress().handled).toBe(50);
  });

  it("push waits while the sequence is beyond the window, so memory stays bounded", async () => {
    const gate = deferred();
    const queue = await createCheckpointQueue<TestEvent>({
      store: createMemoryCheckpointStore(),
      key: "k",
      concurrency: 2,
      window: 4,
      handler: (event) => (event.sequence === 1 ? gate.promise : undefined),
    });
    for (let sequence = 1; sequence <= 4; sequence++) await queue.push({ sequence });
    let admitted = false;
    const pending = queue.push({ sequence: 5 }).then(() => {
      admitted = true;
    });
    await new Promise((resolve) => setTimeout(resolve, 5));
    expect(admitted).toBe(false);
    expect(queue.progress().inFlight).toBe(4);
    expect(queue.progress().waitingPushes).toBe(1);
    gate.resolve();
    await pending;
    expect(admitted).toBe(true);
    await queue.close();
    expect(queue.checkpoint).toBe(5);
  });

  it("a gap filler is always admitted even when later events wait", async () => {
    const handled: number[] = [];
    const queue = await createCheckpointQueue<TestEvent>({
      store: createMemoryCheckpointStore(),
      key: "k",
      window: 3,
      handler: (event) => {
        handled.push(event.sequence);
      },
    });
    await queue.push({ sequence: 3 });
    await queue.push({ sequence: 2 });
    const blocked = queue.push({ sequence: 4 });
    await queue.push({ sequence: 1 });
    await blocked;
    await queue.close();
    expect(queue.checkpoint).toBe(4);
    expect([...handled].sort((a, b) => a - b)).toEqual([1, 2, 3, 4]);
  });

  it("orderBy runs one key's events in sequence order while other keys run in parallel", async () => {
    const log: string[] = [];
    let running = 0;
    let peak = 0;
    const queue = await createCheckpointQueue<TestEvent>({
      store: createMemoryCheckpointStore(),
      key: "k",
      concurrency: 8,
      orderBy: (event) => event.chat,
      handler: async (event) => {
        running++;
        peak = Math.max(peak, running);
        log.push(`start ${event.chat} ${event.sequence}`);
        await new Promise((resolve) => setTimeout(resolve, (event.sequence * 7) % 3));
        log.push(`end ${event.chat} ${event.sequence}`);
        running--;
      },
    });
    // Arrives out of order: 2 and 4 come before 1 and 3.
    const events = [
      { sequence: 2, chat: "a" },
      { sequence: 4, chat: "a" },
      { sequence: 1, chat: "a" },
      { sequence: 3, chat: "b" },
      { sequence: 5, chat: "b" },
      { sequence: 6, chat: "a" },
    ];
    for (const event of events) await queue.push(event);
    await queue.close();
    const chatA = log.filter((line) => line.includes(" a "));
    expect(chatA).toEqual([
      "start a 1",
      "end a 1",
      "start a 2",
      "end a 2",
      "start a 4",
      "end a 4",
      "start a 6",
      "end a 6",
    ]);
    expect(peak).toBeGreaterThan(1);
  });

  it("events the filter skips still count as complete", async () => {
    const handled: number[] = [];
    const queue = await createCheckpointQueue<TestEvent>({
      store: createMemoryCheckpointStore(),
      key: "k",
      filter: (event) => event.sequence % 2 === 0,
      handler: (event) => {
        handled.push(event.sequence);
      },
    });
    for (let sequence = 1; sequence <= 6; sequence++) await queue.push({ sequence });
    await queue.close();
    expect(handled).toEqual([2, 4, 6]);
    expect(queue.checkpoint).toBe(6);
    expect(queue.progress().skipped).toBe(3);
  });

  it("retries a failing handler with backoff before giving up", async () => {
    const attempts: number[] = [];
    const queue = await createCheckpointQueue<TestEvent>({
      store: createMemoryCheckpointStore(),
      key: "k",
      retry: { maxAttempts: 3, ...noRetryDelay },
      handler: (_event, context) => {
        attempts.push(context.attempt);
        if (context.attempt < 3) throw new Error("flaky");
      },
    });
    await queue.push({ sequence: 1 });
    await queue.close();
    expect(attempts).toEqual([1, 2, 3]);
    expect(queue.progress()).toMatchObject({ checkpoint: 1, handled: 1, retries: 2 });
  });

  it("halt keeps the checkpoint just before the failed event and surfaces the error", async () => {
    const store = recordingStore();
    const queue = await createCheckpointQueue<TestEvent>({
      store,
      key: "k",
      concurrency: 4,
      retry: { maxAttempts: 2, ...noRetryDelay },
      handler: (event) => {
        if (event.sequence === 4) throw new Error("boom");
      },
    });
    for (let sequence = 1; sequence <= 6; sequence++) await queue.push({ sequence });
    const error = await queue.done.then(
      () => undefined,
      (reason: unknown) => reason,
    );
    expect(error).toBeInstanceOf(HandlerFailedError);
    expect(error).toMatchObject({ sequence: 4, attempts: 2 });
    expect((error as HandlerFailedError).cause).toEqual(new Error("boom"));
    expect(queue.checkpoint).toBe(3);
    expect(await store.load("k")).toBe(3);
    await expect(queue.push({ sequence: 7 })).rejects.toBe(error);
    await expect(queue.close()).rejects.toBe(error);
    expect(queue.progress().status).toBe("halted");
  });

  it("dead-letter awaits the callback before the event counts as complete", async () => {
    const recorded: number[] = [];
    const gate = deferred();
    const queue = await createCheckpointQueue<TestEvent>({
      store: createMemoryCheckpointStore(),
      key: "k",
      retry: false,
      handler: (event) => {
        if (event.sequence === 2) throw new Error("poison");
      },
      deadLetter: async (failure) => {
        await gate.promise;
        recorded.push(failure.event.sequence);
      },
    });
    for (let sequence = 1; sequence <= 3; sequence++) await queue.push({ sequence });
    await new Promise((resolve) => setTimeout(resolve, 5));
    expect(queue.checkpoint).toBe(1);
    gate.resolve();
    await queue.close();
    expect(recorded).toEqual([2]);
    expect(queue.progress()).toMatchObject({ checkpoint: 3, deadLettered: 1, handled: 2 });
  });

  it("halts when the dead-letter callback itself fails", async () => {
    const queue = await createCheckpointQueue<TestEvent>({
      store: createMemoryCheckpointStore(),
      key: "k",
      retry: false,
      handler: () => {
        throw new Error("poison");
      },
      deadLetter: () => {
        throw new Error("dead-letter table is gone");
      },
    });
    await queue.push({ sequence: 1 });
    await expect(queue.done).rejects.toThrow(/deadLetter failed to record it/);
    expect(queue.checkpoint).toBe(0);
  });

  it("onError decides per failure", async () => {
    const recorded: number[] = [];
    const queue = await createCheckpointQueue<TestEvent>({
      store: createMemoryCheckpointStore(),
      key: "k",
      retry: false,
      handler: (event) => {
        if (event.sequence % 2 === 0) throw new Error(`bad ${event.sequence}`);
      },
      onError: (failure) => (failure.event.sequence < 4 ? "dead-letter" : "halt"),
      deadLetter: (failure) => {
        recorded.push(failure.event.sequence);
      },
    });
    // Pushes after the halt reject with the halt error; that is part of the contract.
    const pushes = [1, 2, 3, 4, 5].map((sequence) =>
      queue.push({ sequence }).catch(() => "rejected"),
    );
    await Promise.all(pushes);
    await expect(queue.done).rejects.toMatchObject({ sequence: 4 });
    expect(recorded).toEqual([2]);
    expect(queue.checkpoint).toBe(3);
  });

  it("coalesces checkpoint writes and flushes the last value on close", async () => {
    const store = recordingStore();
    const queue = await createCheckpointQueue<TestEvent>({
      store,
      key: "k",
      concurrency: 16,
      maxUnsavedEvents: 10_000,
      handler: () => undefined,
    });
    for (let sequence = 1; sequence <= 100_000; sequence++) await queue.push({ sequence });
    await queue.close();
    expect(store.saves.length).toBeLessThanOrEqual(100_000 / 10_000 + 2);
    expect(store.saves.at(-1)).toBe(100_000);
    for (let index = 1; index < store.saves.length; index++) {
      expect(store.saves[index]).toBeGreaterThan(store.saves[index - 1] ?? 0);
    }
  });

  it("saves a moved checkpoint on the idle timer without close()", async () => {
    const store = recordingStore();
    const queue = await createCheckpointQueue<TestEvent>({
      store,
      key: "k",
      flushIntervalMs: 1,
      handler: () => undefined,
    });
    await queue.push({ sequence: 1 });
    await queue.push({ sequence: 2 });
    await vi_waitFor(() => store.saves.length > 0);
    expect(store.saves).toEqual([2]);
    await queue.close();
  });

  it("a checkpoint store that keeps failing halts the queue with CheckpointStoreError", async () => {
    const store: CheckpointStore = {
      load: async () => undefined,
      save: async () => {
        throw new Error("disk full");
      },
    };
    const queue = await createCheckpointQueue<TestEvent>({
      store,
      key: "k",
      storeRetry: { maxAttempts: 2, ...noRetryDelay },
      handler: () => undefined,
    });
    await queue.push({ sequence: 1 });
    await expect(queue.close()).rejects.toBeInstanceOf(CheckpointStoreError);
  });

  it("rejects bad events and bad options with typed errors that say what is allowed", async () => {
    const store = createMemoryCheckpointStore();
    const queue = await createCheckpointQueue<TestEvent>({ store, key: "k", handler: () => {} });
    await expect(queue.push({ sequence: 0 })).rejects.toThrow(
      "event.sequence must be a positive safe integer; received 0",
    );
    await expect(queue.push({ sequence: 1.5 })).rejects.toBeInstanceOf(ValidationError);
    await queue.close();
    await expect(queue.push({ sequence: 1 })).rejects.toBeInstanceOf(QueueClosedError);

    const handler = (): void => undefined;
    await expect(createCheckpointQueue({ store, key: "", handler })).rejects.toThrow(
      'key must be a non-empty string of at most 512 characters; received ""',
    );
    await expect(
      createCheckpointQueue({ store, key: "k", handler, concurrency: 0 }),
    ).rejects.toThrow("concurrency must be an integer from 1 to 65536; received 0");
    await expect(
      createCheckpointQueue({ store, key: "k", handler, concurrency: 8, window: 4 }),
    ).rejects.toThrow("window must be at least concurrency (8); received 4");
    await expect(
      createCheckpointQueue({ store, key: "k", handler, onError: "dead-letter" }),
    ).rejects.toThrow(/deadLetter must be a function when onError is "dead-letter"/);
    await expect(
      createCheckpointQueue({ store, key: "k", handler, retry: { maxAttempts: -1 } }),
    ).rejects.toThrow("retry.maxAttempts must be a positive safe integer; received -1");
    await expect(
      createCheckpointQueue({
        store: { load: async () => -3, save: async () => {} },
        key: "k",
        handler,
      }),
    ).rejects.toBeInstanceOf(CheckpointStoreError);
  });
});

async function vi_waitFor(condition: () => boolean): Promise<void> {
  for (let tries = 0; tries < 1000 && !condition(); tries++) {
    await new Promise((resolve) => setTimeout(resolve, 2));
  }
}

describe("queue lifecycle", () => {
  it("consume() pushes an async source with backpressure and await using closes and saves", async () => {
    const store = createMemoryCheckpointStore();
    const handled: number[] = [];
    async function* source(): AsyncGenerator<TestEvent> {
      for (let sequence = 1; sequence <= 50; sequence++) yield { sequence };
    }
    {
      await using queue = await createCheckpointQueue<TestEvent>({
        store,
        key: "k",
        window: 4,
        concurrency: 2,
        handler: async (event) => {
          await new Promise((resolve) => setTimeout(resolve, 0));
          handled.push(event.sequence);
        },
      });
      await queue.consume(source());
      expect(queue.progress().inFlight).toBeLessThanOrEqual(4);
    }
    expect(handled).toHaveLength(50);
    expect(await store.load("k")).toBe(50);
  });

  it("reached() resolves once the checkpoint passes a sequence and rejects if the queue closes first", async () => {
    const queue = await createCheckpointQueue<TestEvent>({
      store: createMemoryCheckpointStore(),
      key: "k",
      handler: () => undefined,
    });
    const third = queue.reached(3);
    const never = queue.reached(10);
    for (let sequence = 1; sequence <= 3; sequence++) await queue.push({ sequence });
    await third;
    await queue.close();
    await expect(never).rejects.toBeInstanceOf(QueueClosedError);
  });
});
