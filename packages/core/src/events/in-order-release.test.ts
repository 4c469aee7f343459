import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { createInOrderRelease } from "./in-order-release.js";

describe("in-order release", () => {
  it("any interleaving with repeats of a contiguous run releases each sequence once, in order", () => {
    fc.assert(
      fc.property(
        fc.integer({ min: 0, max: 50 }),
        fc.integer({ min: 0, max: 40 }),
        fc.array(fc.nat(), { maxLength: 80 }),
        fc.array(fc.nat(), { maxLength: 80 }),
        (after, count, order, repeats) => {
          const sequences = Array.from({ length: count }, (_, index) => after + 1 + index);
          // Every sequence at least once, some repeated (old ones too), in a random order.
          const offered = [
            ...sequences,
            ...repeats.map((pick) => after + 1 - 3 + (pick % (count + 3))),
          ];
          const shuffled = offered
            .map((sequence, index) => ({ sequence, key: order[index] ?? index }))
            .sort((left, right) => left.key - right.key)
            .map(({ sequence }) => ({ sequence }));
          const delivered: number[] = [];
          const release = createInOrderRelease(after, (event) => delivered.push(event.sequence));
          for (const event of shuffled) {
            release.offer(event);
            // Invariant after every step: a strictly increasing, contiguous prefix.
            expect(delivered).toEqual(sequences.slice(0, delivered.length));
          }
          expect(delivered).toEqual(sequences);
          expect(release.holding).toBe(0);
          expect(release.last).toBe(after + count);
        },
      ),
    );
  });

  it("holds events behind a hole until it closes", () => {
    const delivered: number[] = [];
    const release = createInOrderRelease<{ sequence: number }>(4, (event) =>
      delivered.push(event.sequence),
    );
    release.offer({ sequence: 7 });
    release.offer({ sequence: 6 });
    expect(delivered).toEqual([]);
    expect(release.holding).toBe(2);
    release.offer({ sequence: 5 });
    expect(delivered).toEqual([5, 6, 7]);
    expect(release.holding).toBe(0);
  });

  it("starting from nothing accepts the first event, and advanceTo moves past an empty log", () => {
    const delivered: number[] = [];
    const release = createInOrderRelease<{ sequence: number }>(undefined, (event) =>
      delivered.push(event.sequence),
    );
    release.advanceTo(10);
    release.offer({ sequence: 12 });
    release.offer({ sequence: 9 });
    release.offer({ sequence: 11 });
    expect(delivered).toEqual([11, 12]);
  });
});
