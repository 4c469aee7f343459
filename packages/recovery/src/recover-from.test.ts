import { TypedEventStream } from "@threadline/core";
import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { HandlerFailedError } from "./errors.js";
import { createMemoryCheckpointStore } from "./memory-checkpoint-store.js";
import { type ResumableSubscriptionSource, recoverFrom } from "./recover-from.js";

interface LogEvent {
  readonly sequence: number;
}

/**
 * A resumable subscription over an in-memory log of `count` events: after
 * `afterSequence` it yields the log in order, repeating the events listed in
 * `redeliver` (as a reconnecting subscription may around a hand-off), then waits open
 * until closed. Records each subscribe's starting point.
 */
function logSource(count: number, redeliver: readonly number[] = []) {
  const starts: number[] = [];
  let failWith: unknown;
  const source: ResumableSubscriptionSource<LogEvent> = {
    subscribe({ afterSequence }) {
      starts.push(afterSequence);
      async function* events(): AsyncGenerator<LogEvent> {
        for (let sequence = afterSequence + 1; sequence <= count; sequence++) {
          yield { sequence };
          for (const repeat of redeliver) if (repeat === sequence) yield { sequence };
        }
        if (failWith !== undefined) throw failWith;
        await new Promise(() => undefined);
      }
      return new TypedEventStream(events());
    },
  };
  return {
    source,
    starts,
    failNext(error: unknown) {
      failWith = error;
    },
  };
}

async function until(condition: () => boolean): Promise<void> {
  while (!condition()) await new Promise((resolve) => setTimeout(resolve, 1));
}

describe("recoverFrom", () => {
  it("subscribes after the stored checkpoint and handles every later event once", async () => {
    const store = createMemoryCheckpointStore({ bot: 3 });
    const { source, starts } = logSource(10);
    const handled: number[] = [];
    const recovery = await recoverFrom<LogEvent>({
      source,
      store,
      key: "bot",
      handler: (event) => {
        handled.push(event.sequence);
      },
    });
    await until(() => handled.length === 7);
    await recovery.close();
    expect(starts).toEqual([3]);
    expect(handled).toEqual([4, 5, 6, 7, 8, 9, 10]);
    expect(store.entries().get("bot")).toBe(10);
    await expect(recovery.done).resolves.toBeUndefined();
  });

  it("never handles a sequence twice in a process, whatever the source repeats (property)", async () => {
    await fc.assert(
      fc.asyncProperty(
        fc.integer({ min: 1, max: 40 }),
        fc.array(fc.integer({ min: 1, max: 40 }), { maxLength: 20 }),
        fc.integer({ min: 1, max: 4 }),
        fc.integer({ min: 0, max: 40 }),
        async (count, redeliver, concurrency, start) => {
          const initial = Math.min(start, count);
          const store = createMemoryCheckpointStore({ bot: initial });
          const { source } = logSource(count, redeliver);
          const handled: number[] = [];
          const recovery = await recoverFrom<LogEvent>({
            source,
            store,
            key: "bot",
            concurrency,
            handler: async (event) => {
              handled.push(event.sequence);
              await Promise.resolve();
            },
          });
          await until(() => recovery.progress().checkpoint === count);
          await recovery.close();
          const expected = Array.from(
            { length: count - initial },
            (_, index) => initial + index + 1,
          );
          expect([...handled].sort((a, b) => a - b)).toEqual(expected);
          expect(store.entries().get("bot")).toBe(count);
        },
      ),
      { numRuns: 60 },
    );
  });

  it("a handler failure halts it: done rejects and the checkpoint stays before the event", async () => {
    const store = createMemoryCheckpointStore();
    const { source } = logSource(5);
    const recovery = await recoverFrom<LogEvent>({
      source,
      store,
      key: "bot",
      retry: false,
      handler: (event) => {
        if (event.sequence === 3) throw new Error("cannot handle 3");
      },
    });
    await expect(recovery.done).rejects.toBeInstanceOf(HandlerFailedError);
    await expect(recovery.close()).rejects.toBeInstanceOf(HandlerFailedError);
    expect(store.entries().get("bot") ?? 0).toBeLessThanOrEqual(2);
  });

  it("a failure of the subscription itself ends it with that error", async () => {
    const store = createMemoryCheckpointStore();
    const { source, failNext } = logSource(2);
    const failure = new Error("bad credentials");
    failNext(failure);
    const recovery = await recoverFrom<LogEvent>({
      source,
      store,
      key: "bot",
      handler: () => undefined,
    });
    await expect(recovery.done).rejects.toBe(failure);
  });

  it("rejects a source without subscribe() before subscribing", async () => {
    await expect(
      recoverFrom<LogEvent>({
        // @ts-expect-error: checks the runtime guard
        source: {},
        store: createMemoryCheckpointStore(),
        key: "bot",
        handler: () => undefined,
      }),
    ).rejects.toThrow(/source must be a resumable subscription source/);
  });
});
