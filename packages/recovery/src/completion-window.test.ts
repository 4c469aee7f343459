import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { CompletionWindow } from "./completion-window.js";

interface Item {
  readonly sequence: number;
}

function runAndComplete(window: CompletionWindow<Item>, sequence: number): void {
  window.hold(sequence, { sequence });
  window.markReady(sequence);
  window.start(sequence);
  window.complete(sequence);
}

describe("CompletionWindow", () => {
  it("moves the checkpoint only over the contiguous prefix of done sequences", () => {
    const window = new CompletionWindow<Item>(8, 10);
    runAndComplete(window, 13);
    runAndComplete(window, 12);
    expect(window.advance()).toBe(false);
    expect(window.checkpoint).toBe(10);
    expect(window.occupied).toBe(2);
    runAndComplete(window, 11);
    expect(window.advance()).toBe(true);
    expect(window.checkpoint).toBe(13);
    expect(window.occupied).toBe(0);
  });

  it("never passes a sequence that is held, ready, running or abandoned", () => {
    const window = new CompletionWindow<Item>(8, 0);
    window.hold(1, { sequence: 1 });
    runAndComplete(window, 2);
    expect(window.advance()).toBe(false);
    window.markReady(1);
    expect(window.advance()).toBe(false);
    expect(window.start(1)).toEqual({ sequence: 1 });
    expect(window.advance()).toBe(false);
    window.abandon(1);
    expect(window.advance()).toBe(false);
    expect(window.checkpoint).toBe(0);
    expect(window.arrived(1)).toBe(true);
  });

  it("admit takes a free slot ready to run, and refuses a sequence that already arrived", () => {
    const window = new CompletionWindow<Item>(4, 0);
    expect(window.admit(2, { sequence: 2 })).toBe(true);
    expect(window.arrived(2)).toBe(true);
    expect(window.isHeld(2)).toBe(false);
    expect(window.admit(2, { sequence: 2 })).toBe(false);
    window.hold(3, { sequence: 3 });
    expect(window.admit(3, { sequence: 3 })).toBe(false);
    window.skip(4);
    expect(window.admit(4, { sequence: 4 })).toBe(false);
    expect(window.occupied).toBe(3);
    expect(window.start(2)).toEqual({ sequence: 2 });
    expect(window.start(3)).toEqual({ sequence: 3 });
  });

  it("a skipped sequence is done at once and holds no event", () => {
    const window = new CompletionWindow<Item>(4, 0);
    window.skip(1);
    expect(window.start(1)).toBeUndefined();
    expect(window.advance()).toBe(true);
    expect(window.checkpoint).toBe(1);
    expect(window.arrived(1)).toBe(false);
  });

  it("fits only sequences up to checkpoint + capacity, and a passed slot serves the sequence a window later", () => {
    const window = new CompletionWindow<Item>(4, 0);
    expect(window.fits(4)).toBe(true);
    expect(window.fits(5)).toBe(false);
    runAndComplete(window, 1);
    window.advance();
    expect(window.fits(5)).toBe(true);
    // 5 shares a slot with 1; the slot was freed when the checkpoint passed 1.
    expect(window.arrived(5)).toBe(false);
    window.hold(5, { sequence: 5 });
    expect(window.arrived(5)).toBe(true);
    expect(window.isHeld(5)).toBe(true);
    expect(window.start(5)).toEqual({ sequence: 5 });
    expect(window.isHeld(5)).toBe(false);
  });

  it("releases an event once it completes or is abandoned", () => {
    const window = new CompletionWindow<Item>(4, 0);
    window.hold(2, { sequence: 2 });
    window.complete(2);
    expect(window.start(2)).toBeUndefined();
    window.hold(3, { sequence: 3 });
    window.abandon(3);
    expect(window.start(3)).toBeUndefined();
  });

  it("checkpoint is always the longest done prefix, for any order of arrivals, skips and completions", () => {
    const planArbitrary = fc
      .record({
        capacity: fc.integer({ min: 1, max: 16 }),
        start: fc.integer({ min: 0, max: 1_000 }),
        count: fc.integer({ min: 1, max: 60 }),
      })
      .chain(({ capacity, start, count }) =>
        fc.record({
          capacity: fc.constant(capacity),
          start: fc.constant(start),
          // Each step picks one of the arrived-but-unfinished or not-yet-arrived sequences.
          choices: fc.array(fc.nat(), { minLength: count * 2, maxLength: count * 2 }),
          skips: fc.array(fc.boolean(), { minLength: count, maxLength: count }),
          count: fc.constant(count),
        }),
      );
    fc.assert(
      fc.property(planArbitrary, ({ capacity, start, count, choices, skips }) => {
        const window = new CompletionWindow<Item>(capacity, start);
        const done = new Set<number>();
        const arrived = new Set<number>();
        let choice = 0;
        const last = start + count;
        while (done.size < count) {
          const candidates: number[] = [];
          for (let sequence = start + 1; sequence <= last; sequence++) {
            if (!done.has(sequence) && (arrived.has(sequence) || window.fits(sequence))) {
              candidates.push(sequence);
            }
          }
          const pick = choices[choice++ % choices.length] ?? 0;
          const sequence = candidates[pick % candidates.length];
          if (sequence === undefined) throw new Error("no candidate: the window would deadlock");
          if (!arrived.has(sequence)) {
            expect(window.arrived(sequence)).toBe(false);
            arrived.add(sequence);
            if (skips[sequence - start - 1]) {
              window.skip(sequence);
              done.add(sequence);
            } else if (sequence % 2 === 0) {
              expect(window.admit(sequence, { sequence })).toBe(true);
            } else {
              window.hold(sequence, { sequence });
            }
          } else {
            expect(window.start(sequence)).toEqual({ sequence });
            window.complete(sequence);
            done.add(sequence);
          }
          window.advance();
          let prefix = start;
          while (done.has(prefix + 1)) prefix++;
          expect(window.checkpoint).toBe(prefix);
          expect(window.occupied).toBe([...arrived].filter((s) => s > prefix).length);
        }
        expect(window.checkpoint).toBe(last);
        expect(window.occupied).toBe(0);
      }),
      { numRuns: 300 },
    );
  });
});
