import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { createCheckpointQueue } from "./checkpoint-queue.js";
import type { CheckpointStore } from "./checkpoint-store.js";
import { HandlerFailedError } from "./errors.js";
import { createMemoryCheckpointStore } from "./memory-checkpoint-store.js";

interface TestEvent {
  readonly sequence: number;
  readonly source: "catch-up" | "live" | "duplicate";
}

/** How a handler behaves for one sequence. */
interface Behaviour {
  /** 0 sync, 1-3 that many microtask turns, 4 a macrotask. */
  readonly latency: number;
  /** Failures before the first success. */
  readonly transientFailures: number;
  /** Never succeeds: goes to the dead-letter callback. */
  readonly poison: boolean;
}

interface Plan {
  readonly count: number;
  readonly concurrency: number;
  readonly window: number;
  readonly ordered: boolean;
  readonly maxUnsavedEvents: number;
  readonly liveStart: number;
  readonly duplicates: readonly number[];
  readonly behaviours: readonly Behaviour[];
  readonly yields: readonly number[];
  /** Pushes after which each crashing lifetime dies. */
  readonly crashes: readonly number[];
}

const planArbitrary: fc.Arbitrary<Plan> = fc
  .record({
    count: fc.integer({ min: 1, max: 60 }),
    concurrency: fc.integer({ min: 1, max: 6 }),
    windowExtra: fc.integer({ min: 0, max: 12 }),
    ordered: fc.boolean(),
    maxUnsavedEvents: fc.integer({ min: 1, max: 8 }),
    liveStartFraction: fc.double({ min: 0, max: 1, noNaN: true }),
    duplicateFractions: fc.array(fc.double({ min: 0, max: 0.999, noNaN: true }), {
      maxLength: 20,
    }),
    behaviours: fc.array(
      fc.record({
        latency: fc.integer({ min: 0, max: 4 }),
        transientFailures: fc.oneof(
          { weight: 4, arbitrary: fc.constant(0) },
          { weight: 1, arbitrary: fc.integer({ min: 1, max: 2 }) },
        ),
        poison: fc.integer({ min: 0, max: 12 }).map((value) => value === 0),
      }),
      { minLength: 60, maxLength: 60 },
    ),
    yields: fc.array(fc.integer({ min: 0, max: 4 }), { minLength: 32, maxLength: 32 }),
    crashes: fc.array(fc.integer({ min: 0, max: 120 }), { maxLength: 3 }),
  })
  .map((raw) => ({
    count: raw.count,
    concurrency: raw.concurrency,
    window: raw.concurrency + raw.windowExtra,
    ordered: raw.ordered,
    maxUnsavedEvents: raw.maxUnsavedEvents,
    liveStart: 1 + Math.floor(raw.liveStartFraction * raw.count),
    duplicates: raw.duplicateFractions.map((fraction) => 1 + Math.floor(fraction * raw.count)),
    behaviours: raw.behaviours,
    yields: raw.yields,
    crashes: raw.crashes,
  }));

async function pause(kind: number): Promise<void> {
  if (kind === 0) return;
  if (kind === 4) {
    await new Promise((resolve) => setTimeout(resolve, 0));
    return;
  }
  for (let turn = 0; turn < kind; turn++) await Promise.resolve();
}

/** The facts every lifetime records so the invariants can be checked afterwards. */
interface World {
  readonly plan: Plan;
  readonly persistent: CheckpointStore;
  /** Sequences completed (handled or dead-lettered) in any lifetime. */
  readonly completed: Set<number>;
  storedHistory: number[];
}

async function runLifetime(world: World, crashAfter: number | undefined): Promise<void> {
  const { plan, persistent, completed } = world;
  let alive = true;
  const loaded = (await persistent.load("k")) ?? 0;
  const invoked = new Map<number, number>();
  const succeeded = new Set<number>();
  const runningSequences = new Set<number>();
  const runningKeys = new Set<number>();
  let running = 0;
  const violations: string[] = [];

  // A crashed process's late writes never reach the store.
  const store: CheckpointStore = {
    load: (key) => persistent.load(key),
    async save(key, sequence) {
      if (!alive) return;
      const stored = (await persistent.load(key)) ?? 0;
      if (sequence <= stored) violations.push(`save(${sequence}) does not move past ${stored}`);
      for (let below = 1; below <= sequence; below++) {
        if (!completed.has(below)) violations.push(`save(${sequence}) passes unfinished ${below}`);
      }
      await persistent.save(key, sequence);
      world.storedHistory.push(sequence);
    },
  };

  const queue = await createCheckpointQueue<TestEvent>({
    store,
    key: "k",
    concurrency: plan.concurrency,
    window: plan.window,
    maxUnsavedEvents: plan.maxUnsavedEvents,
    flushIntervalMs: 1,
    retry: { maxAttempts: 3, initialDelay: 0, maxDelay: 1, jitter: false },
    ...(plan.ordered ? { orderBy: (event: TestEvent) => event.sequence % 3 } : {}),
    deadLetter: async (failure) => {
      await pause(1);
      if (alive) completed.add(failure.event.sequence);
    },
    handler: async (event, context) => {
      const { sequence } = event;
      if (!alive) return new Promise<void>(() => undefined);
      if (sequence <= loaded) violations.push(`${sequence} at or below loaded ${loaded} handled`);
      if (succeeded.has(sequence)) violations.push(`${sequence} invoked after it succeeded`);
      if (runningSequences.has(sequence)) violations.push(`${sequence} invoked twice at once`);
      if (plan.ordered) {
        if (runningKeys.has(sequence % 3)) violations.push(`key ${sequence % 3} ran concurrently`);
        for (let below = sequence - 3; below > loaded; below -= 3) {
          if (!succeeded.has(below) && !completed.has(below)) {
            violations.push(`${sequence} started before ${below} of the same key`);
          }
        }
        runningKeys.add(sequence % 3);
      }
      invoked.set(sequence, (invoked.get(sequence) ?? 0) + 1);
      runningSequences.add(sequence);
      running++;
      if (running > plan.concurrency) violations.push(`running ${running} > ${plan.concurrency}`);
      const behaviour = plan.behaviours[sequence - 1];
      try {
        await pause(behaviour?.latency ?? 0);
        if (behaviour?.poison || context.attempt <= (behaviour?.transientFailures ?? 0)) {
          throw new Error(`failure of ${sequence} on attempt ${context.attempt}`);
        }
        if (alive) {
          succeeded.add(sequence);
          completed.add(sequence);
        }
      } finally {
        running--;
        runningSequences.delete(sequence);
        runningKeys.delete(sequence % 3);
      }
    },
  });

  let pushes = 0;
  let yieldIndex = 0;
  let crash = (): void => undefined;
  const crashing = new Promise<void>((resolve) => {
    crash = resolve;
  });
  const crashed = (): boolean => crashAfter !== undefined && pushes >= crashAfter;
  const feed = async (events: TestEvent[]): Promise<void> => {
    for (const event of events) {
      if (crashed()) {
        crash();
        return;
      }
      pushes++;
      await queue.push(event);
      if (queue.progress().inFlight > plan.window) violations.push("window overflow");
      await pause(plan.yields[yieldIndex++ % plan.yields.length] ?? 0);
    }
  };
  const range = (from: number, to: number): TestEvent[] =>
    Array.from({ length: Math.max(0, to - from + 1) }, (_, index) => ({
      sequence: from + index,
      source: "catch-up" as const,
    }));
  // Catch-up resumes after the stored checkpoint; live and duplicates are not so polite.
  // A crash abandons the sources mid-flight: a push may still be waiting for room.
  await Promise.race([
    crashing,
    Promise.all([
      feed(range(loaded + 1, plan.count)),
      feed(range(plan.liveStart, plan.count).map((event) => ({ ...event, source: "live" }))),
      feed(plan.duplicates.map((sequence) => ({ sequence, source: "duplicate" }))),
    ]),
  ]);

  if (crashed()) {
    alive = false;
  } else {
    await queue.close();
    alive = false;
  }
  expect(violations).toEqual([]);
  for (const [sequence, count] of invoked) {
    expect(count, `invocations of ${sequence}`).toBeLessThanOrEqual(3);
  }
}

describe("checkpoint queue properties", () => {
  it("survives random interleavings, latencies, failures and crashes with every invariant intact", async () => {
    await fc.assert(
      fc.asyncProperty(planArbitrary, async (plan) => {
        const world: World = {
          plan,
          persistent: createMemoryCheckpointStore(),
          completed: new Set(),
          storedHistory: [],
        };
        for (const crashAfter of plan.crashes) await runLifetime(world, crashAfter);
        await runLifetime(world, undefined);

        // Every sequence was handled (or dead-lettered) at least once, and the final
        // checkpoint covers the whole log.
        for (let sequence = 1; sequence <= plan.count; sequence++) {
          expect(world.completed.has(sequence), `sequence ${sequence} completed`).toBe(true);
        }
        expect(await world.persistent.load("k")).toBe(plan.count);
        // The stored checkpoint never went backwards.
        for (let index = 1; index < world.storedHistory.length; index++) {
          expect(world.storedHistory[index]).toBeGreaterThan(world.storedHistory[index - 1] ?? 0);
        }
      }),
      { numRuns: 150 },
    );
  });

  it("halt leaves the checkpoint below the failed event, and a restart handles the rest", async () => {
    await fc.assert(
      fc.asyncProperty(
        fc.integer({ min: 2, max: 40 }),
        fc.integer({ min: 1, max: 5 }),
        fc.double({ min: 0, max: 0.999, noNaN: true }),
        fc.array(fc.integer({ min: 0, max: 4 }), { minLength: 40, maxLength: 40 }),
        async (count, concurrency, failedFraction, latencies) => {
          const failed = 1 + Math.floor(failedFraction * count);
          const persistent = createMemoryCheckpointStore();
          const firstLife = new Set<number>();
          const queue = await createCheckpointQueue<TestEvent>({
            store: persistent,
            key: "k",
            concurrency,
            retry: { maxAttempts: 2, initialDelay: 0, jitter: false },
            handler: async (event) => {
              await pause(latencies[event.sequence - 1] ?? 0);
              if (event.sequence === failed) throw new Error("permanent");
              firstLife.add(event.sequence);
            },
          });
          for (let sequence = 1; sequence <= count; sequence++) {
            const accepted = await queue.push({ sequence, source: "catch-up" }).then(
              () => true,
              () => false,
            );
            if (!accepted) break;
          }
          const error = await queue.done.then(
            () => undefined,
            (reason: unknown) => reason,
          );
          expect(error).toBeInstanceOf(HandlerFailedError);
          expect(error).toMatchObject({ sequence: failed });
          const stored = (await persistent.load("k")) ?? 0;
          expect(stored).toBeLessThan(failed);
          expect(stored).toBe(queue.checkpoint);
          for (let sequence = 1; sequence <= stored; sequence++) {
            expect(firstLife.has(sequence)).toBe(true);
          }

          const secondLife: number[] = [];
          const restarted = await createCheckpointQueue<TestEvent>({
            store: persistent,
            key: "k",
            concurrency,
            handler: (event) => {
              secondLife.push(event.sequence);
            },
          });
          for (let sequence = 1; sequence <= count; sequence++) {
            await restarted.push({ sequence, source: "catch-up" });
          }
          await restarted.close();
          expect(secondLife.every((sequence) => sequence > stored)).toBe(true);
          expect(secondLife).toContain(failed);
          for (let sequence = 1; sequence <= count; sequence++) {
            expect(firstLife.has(sequence) || secondLife.includes(sequence)).toBe(true);
          }
          expect(await persistent.load("k")).toBe(count);
        },
      ),
      { numRuns: 100 },
    );
  });
});
