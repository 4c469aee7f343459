import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { timeOrderedGuid } from "../src/storage/time-ordered-guid.js";

const layout = /^[0-9A-F]{8}-[0-9A-F]{4}-7[0-9A-F]{3}-[89AB][0-9A-F]{3}-[0-9A-F]{12}$/;

describe("timeOrderedGuid", () => {
  it("is an upper-case version 7 UUID whose first 48 bits are the time, sorting by time", () => {
    fc.assert(
      fc.property(
        fc.integer({ min: 0, max: 2 ** 48 - 1 }),
        fc.integer({ min: 0, max: 2 ** 48 - 1 }),
        (first, second) => {
          const a = timeOrderedGuid(first);
          const b = timeOrderedGuid(second);
          expect(a).toMatch(layout);
          expect(Number.parseInt(a.slice(0, 8) + a.slice(9, 13), 16)).toBe(first);
          if (first < second) expect(a < b).toBe(true);
          if (first > second) expect(a > b).toBe(true);
        },
      ),
    );
  });

  it("differs between GUIDs made in the same millisecond", () => {
    const now = Date.now();
    const guids = new Set(Array.from({ length: 10_000 }, () => timeOrderedGuid(now)));
    expect(guids.size).toBe(10_000);
  });

  it("refuses a time that is not a millisecond Unix time below 2^48", () => {
    for (const bad of [-1, 1.5, 2 ** 48, Number.NaN]) {
      expect(() => timeOrderedGuid(bad)).toThrow(
        `nowMs must be a Unix time in milliseconds below 2^48; received ${bad}`,
      );
    }
  });
});
