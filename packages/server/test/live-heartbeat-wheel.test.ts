import fc from "fast-check";
import { afterEach, beforeEach, describe, expect, it, vi } from "vitest";
import { heartbeatSlots, joinHeartbeats } from "../src/live/heartbeat-wheel.js";

beforeEach(() => {
  vi.useFakeTimers();
});
afterEach(() => {
  vi.useRealTimers();
});

describe("joinHeartbeats", () => {
  it("beats each member once per interval, whenever it joined, until it leaves, on one timer", async () => {
    await fc.assert(
      fc.asyncProperty(
        fc.integer({ min: 16, max: 5000 }),
        fc.array(fc.integer({ min: 0, max: 20_000 }), { minLength: 1, maxLength: 30 }),
        fc.integer({ min: 1, max: 6 }),
        async (intervalMs, joinDelays, intervals) => {
          const timersBefore = vi.getTimerCount();
          const beats: number[][] = joinDelays.map(() => []);
          const leaves: (() => void)[] = [];
          const joinedAt: number[] = [];
          const start = Date.now();
          const sorted = [...joinDelays].sort((a, b) => a - b);
          for (const [member, delay] of sorted.entries()) {
            vi.advanceTimersByTime(start + delay - Date.now());
            joinedAt.push(Date.now());
            leaves.push(joinHeartbeats(intervalMs, () => beats[member]?.push(Date.now())));
          }
          // One timer serves every member of the interval.
          expect(vi.getTimerCount()).toBe(timersBefore + 1);
          vi.advanceTimersByTime(intervalMs * intervals + 1);
          const tick = intervalMs / heartbeatSlots(intervalMs);
          for (const [member, times] of beats.entries()) {
            const joined = joinedAt[member] ?? 0;
            const first = times[0];
            if (first === undefined) throw new Error(`member ${member} never beat`);
            // The first beat comes within one interval of joining...
            expect(first - joined).toBeGreaterThan(intervalMs - tick);
            expect(first - joined).toBeLessThanOrEqual(intervalMs);
            // ...and the next ones one interval apart.
            for (let index = 1; index < times.length; index += 1) {
              expect((times[index] ?? 0) - (times[index - 1] ?? 0)).toBe(intervalMs);
            }
          }
          for (const leave of leaves) leave();
          const counts = beats.map((times) => times.length);
          vi.advanceTimersByTime(intervalMs * 3);
          // Nobody beats after leaving, and the timer is gone with the last member.
          expect(beats.map((times) => times.length)).toEqual(counts);
          expect(vi.getTimerCount()).toBe(timersBefore);
        },
      ),
      { numRuns: 40 },
    );
  });

  it("cuts an interval into the most slots up to 16 that divide it", () => {
    expect([15_000, 1000, 100, 16, 17, 7, 1].map(heartbeatSlots)).toEqual([
      15, 10, 10, 16, 1, 7, 1,
    ]);
  });

  it("keeps members of different intervals apart, and leaving twice is harmless", () => {
    const fast: number[] = [];
    const slow: number[] = [];
    const leaveFast = joinHeartbeats(100, () => fast.push(Date.now()));
    const leaveSlow = joinHeartbeats(1000, () => slow.push(Date.now()));
    vi.advanceTimersByTime(1000);
    expect(fast).toHaveLength(10);
    expect(slow).toHaveLength(1);
    leaveFast();
    leaveFast();
    vi.advanceTimersByTime(1000);
    expect(fast).toHaveLength(10);
    expect(slow).toHaveLength(2);
    leaveSlow();
    expect(vi.getTimerCount()).toBe(0);
  });
});
