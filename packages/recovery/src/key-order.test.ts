import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { CompletionWindow } from "./completion-window.js";
import { KeyOrder } from "./key-order.js";

type Key = string | number | undefined;

/** A window and its key order driven the way the checkpoint queue drives them. */
function harness(capacity: number, checkpoint = 0) {
  const window = new CompletionWindow<{ sequence: number }>(capacity, checkpoint);
  const released: number[] = [];
  const running = new Set<number>();
  const order = new KeyOrder(window, (sequence) => {
    // The key order marks a sequence ready in the window before it releases it.
    if (window.isHeld(sequence)) throw new Error(`${sequence} was released while still held`);
    released.push(sequence);
    running.add(sequence);
  });
  const advance = (sequence: number): void => {
    if (sequence === window.checkpoint + 1 && window.advance()) order.releaseArrived();
  };
  return {
    window,
    released,
    running,
    arrive(sequence: number, key: Key): void {
      window.hold(sequence, { sequence });
      order.hold(sequence, key);
      order.releaseArrived();
    },
    skip(sequence: number): void {
      window.skip(sequence);
      order.releaseArrived();
      advance(sequence);
    },
    finish(sequence: number): void {
      if (!running.delete(sequence)) throw new Error(`${sequence} is not running`);
      window.start(sequence);
      window.complete(sequence);
      order.finished(sequence);
      advance(sequence);
    },
  };
}

describe("KeyOrder", () => {
  it("releases nothing until every lower sequence has arrived", () => {
    const queue = harness(8);
    queue.arrive(3, "a");
    queue.arrive(2, "b");
    expect(queue.released).toEqual([]);
    queue.arrive(1, "c");
    expect(queue.released).toEqual([1, 2, 3]);
  });

  it("runs one key's events one at a time in sequence order, other keys in parallel", () => {
    const queue = harness(8);
    queue.arrive(1, "a");
    queue.arrive(2, "a");
    queue.arrive(3, "b");
    queue.arrive(4, "a");
    expect(queue.released).toEqual([1, 3]);
    queue.finish(3);
    expect(queue.released).toEqual([1, 3]);
    queue.finish(1);
    expect(queue.released).toEqual([1, 3, 2]);
    queue.finish(2);
    expect(queue.released).toEqual([1, 3, 2, 4]);
    queue.finish(4);
    expect(queue.window.checkpoint).toBe(4);
  });

  it("an event without a key waits only for its predecessors to arrive", () => {
    const queue = harness(8);
    queue.arrive(1, "a");
    queue.arrive(2, undefined);
    queue.arrive(3, undefined);
    expect(queue.released).toEqual([1, 2, 3]);
  });

  it("a skipped sequence counts as arrived and unblocks the ones above it", () => {
    const queue = harness(8);
    queue.arrive(2, "a");
    expect(queue.released).toEqual([]);
    queue.skip(1);
    expect(queue.released).toEqual([2]);
  });

  it("numbers and strings are different keys", () => {
    const queue = harness(8);
    queue.arrive(1, 1);
    queue.arrive(2, "1");
    expect(queue.released).toEqual([1, 2]);
  });

  it("a key's order survives the checkpoint moving past a whole window many times", () => {
    const queue = harness(4, 100);
    for (let sequence = 101; sequence <= 400; sequence++) {
      queue.arrive(sequence, "only");
      expect([...queue.running]).toEqual([sequence]);
      queue.finish(sequence);
    }
    expect(queue.released).toEqual(Array.from({ length: 300 }, (_, index) => 101 + index));
    expect(queue.window.checkpoint).toBe(400);
  });

  it("for any arrivals, skips and completion order: one running event per key, in sequence order, after all lower arrived", () => {
    const planArbitrary = fc.record({
      capacity: fc.integer({ min: 1, max: 12 }),
      keys: fc.array(
        fc.option(fc.constantFrom<string | number>("a", "b", "c", 7), { nil: undefined }),
        {
          minLength: 1,
          maxLength: 50,
        },
      ),
      skips: fc.array(fc.boolean(), { minLength: 50, maxLength: 50 }),
      choices: fc.array(fc.nat(), { minLength: 1, maxLength: 200 }),
    });
    fc.assert(
      fc.property(planArbitrary, ({ capacity, keys, skips, choices }) => {
        const queue = harness(capacity);
        const count = keys.length;
        const arrived = new Set<number>();
        const skipped = new Set<number>();
        const finished = new Set<number>();
        const seenReleases = new Set<number>();
        let step = 0;
        while (finished.size + skipped.size < count) {
          const actions: { kind: "arrive" | "finish"; sequence: number }[] = [];
          for (let sequence = 1; sequence <= count; sequence++) {
            if (!arrived.has(sequence) && queue.window.fits(sequence)) {
              actions.push({ kind: "arrive", sequence });
            }
          }
          for (const sequence of queue.running) actions.push({ kind: "finish", sequence });
          const action = actions[(choices[step++ % choices.length] ?? 0) % actions.length];
          if (action === undefined) throw new Error("nothing can happen: the order deadlocked");
          const before = queue.released.length;
          if (action.kind === "arrive") {
            arrived.add(action.sequence);
            if (skips[action.sequence - 1]) {
              skipped.add(action.sequence);
              queue.skip(action.sequence);
            } else {
              queue.arrive(action.sequence, keys[action.sequence - 1]);
            }
          } else {
            finished.add(action.sequence);
            queue.finish(action.sequence);
          }
          for (const sequence of queue.released.slice(before)) {
            expect(seenReleases.has(sequence)).toBe(false);
            seenReleases.add(sequence);
            expect(skipped.has(sequence)).toBe(false);
            for (let lower = 1; lower < sequence; lower++) expect(arrived.has(lower)).toBe(true);
            const key = keys[sequence - 1];
            if (key === undefined) continue;
            for (let lower = 1; lower < sequence; lower++) {
              if (keys[lower - 1] === key && !skipped.has(lower)) {
                expect(finished.has(lower)).toBe(true);
              }
            }
          }
          const runningKeys = [...queue.running]
            .map((sequence) => keys[sequence - 1])
            .filter((key) => key !== undefined);
          expect(new Set(runningKeys).size).toBe(runningKeys.length);
        }
        expect(seenReleases.size).toBe(count - skipped.size);
        expect(queue.window.checkpoint).toBe(count);
      }),
      { numRuns: 300 },
    );
  });
});
