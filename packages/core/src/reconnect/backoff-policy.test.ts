import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { ValidationError } from "../errors/error-classes.js";
import { createBackoffPolicy, createBackoffState } from "./backoff-policy.js";

describe("reconnect backoff policy", () => {
  it("defaults to initialDelay 1000, maxAttempts Infinity, maxDelay 30000, multiplier 2", () => {
    const policy = createBackoffPolicy();
    expect(policy).toMatchObject({
      initialDelay: 1000,
      maxAttempts: Number.POSITIVE_INFINITY,
      maxDelay: 30_000,
      multiplier: 2,
    });
    expect([1, 2, 3, 4, 5, 6, 7].map((attempt) => policy.ceiling(attempt))).toEqual([
      1000, 2000, 4000, 8000, 16_000, 30_000, 30_000,
    ]);
  });

  it("applies jitter after the cap: a draw near 1 gives the cap, a draw of 0 half of it", () => {
    const policy = createBackoffPolicy({ initialDelay: 500, maxDelay: 3000, multiplier: 3 });
    expect(policy.delay(10, () => 0.999_999)).toBeLessThanOrEqual(3000);
    expect(policy.delay(10, () => 0.999_999)).toBeGreaterThan(2990);
    expect(policy.delay(10, () => 0)).toBe(1500);
  });

  it("the first reconnect waits between half of initialDelay and all of it", () => {
    const policy = createBackoffPolicy({ initialDelay: 400 });
    expect(policy.delay(1, () => 0)).toBe(200);
    expect(policy.delay(1, () => 0.5)).toBe(300);
    expect(policy.delay(1, () => 0.999_999)).toBeLessThan(400);
  });

  it("equal jitter: every delay lies in [d/2, d] for d = min(maxDelay, initialDelay * multiplier^(attempt-1)), never above maxDelay", () => {
    fc.assert(
      fc.property(
        fc.integer({ min: 0, max: 10_000 }),
        fc.integer({ min: 0, max: 100_000 }),
        fc.double({ min: 1, max: 10, noNaN: true }),
        fc.integer({ min: 1, max: 10_000 }),
        fc.double({ min: 0, max: 1, maxExcluded: true, noNaN: true }),
        (initialDelay, maxDelay, multiplier, attempt, draw) => {
          const policy = createBackoffPolicy({ initialDelay, maxDelay, multiplier });
          // 0 * Infinity is NaN: a zero initial delay stays zero however many attempts.
          const growth = initialDelay === 0 ? 0 : initialDelay * multiplier ** (attempt - 1);
          const nominal = Math.min(maxDelay, growth);
          const delay = policy.delay(attempt, () => draw);
          expect(Number.isFinite(delay)).toBe(true);
          // A relative tolerance for the float rounding of the repeated multiplication.
          const slack = nominal * 1e-9;
          expect(delay).toBeGreaterThanOrEqual(nominal / 2 - slack);
          expect(delay).toBeLessThanOrEqual(nominal + slack);
          expect(delay).toBeLessThanOrEqual(maxDelay);
          expect(policy.ceiling(attempt)).toBeLessThanOrEqual(maxDelay);
        },
      ),
    );
  });

  it("a faulty random source cannot push a delay outside [d/2, d]", () => {
    fc.assert(
      fc.property(
        fc.integer({ min: 1, max: 50 }),
        fc.oneof(fc.double(), fc.constantFrom(-1, 1, 2, Number.NaN, Number.POSITIVE_INFINITY)),
        (attempt, draw) => {
          const policy = createBackoffPolicy();
          const nominal = policy.ceiling(attempt);
          const delay = policy.delay(attempt, () => draw);
          expect(delay).toBeGreaterThanOrEqual(nominal / 2);
          expect(delay).toBeLessThanOrEqual(nominal);
        },
      ),
    );
  });

  it("ceilings never decrease with the attempt number", () => {
    fc.assert(
      fc.property(
        fc.integer({ min: 1, max: 5000 }),
        fc.integer({ min: 1, max: 60_000 }),
        fc.double({ min: 1, max: 4, noNaN: true }),
        (initialDelay, maxDelay, multiplier) => {
          const policy = createBackoffPolicy({ initialDelay, maxDelay, multiplier });
          for (let attempt = 1; attempt < 40; attempt++) {
            expect(policy.ceiling(attempt + 1)).toBeGreaterThanOrEqual(policy.ceiling(attempt));
          }
        },
      ),
    );
  });

  it("state counts consecutive failures, stops at maxAttempts, and resets after success", () => {
    fc.assert(
      fc.property(
        fc.integer({ min: 0, max: 8 }),
        fc.array(fc.boolean(), { maxLength: 60 }),
        (maxAttempts, outcomes) => {
          const state = createBackoffState(createBackoffPolicy({ maxAttempts }), () => 0.5);
          let consecutive = 0;
          for (const healthy of outcomes) {
            if (healthy) {
              state.succeeded();
              consecutive = 0;
              continue;
            }
            const attempt = state.nextAttempt();
            if (consecutive >= maxAttempts) {
              expect(attempt).toBeUndefined();
            } else {
              consecutive += 1;
              expect(attempt).toBe(consecutive);
            }
          }
        },
      ),
    );
  });

  it("after a reset the next delay is drawn from initialDelay again", () => {
    const policy = createBackoffPolicy({ initialDelay: 1000, maxDelay: 30_000 });
    const state = createBackoffState(policy, () => 0.999_999);
    for (let index = 0; index < 5; index++) state.nextAttempt();
    state.succeeded();
    const attempt = state.nextAttempt();
    expect(attempt).toBe(1);
    expect(state.delayFor(attempt ?? 0)).toBeLessThanOrEqual(1000);
  });

  it("reset() starts the schedule again from initialDelay, like succeeded()", () => {
    const policy = createBackoffPolicy({ initialDelay: 1000, maxDelay: 30_000, maxAttempts: 3 });
    const state = createBackoffState(policy, () => 0);
    for (let index = 0; index < 3; index++) state.nextAttempt();
    expect(state.nextAttempt()).toBeUndefined();
    state.reset();
    const attempt = state.nextAttempt();
    expect(attempt).toBe(1);
    expect(state.delayFor(attempt ?? 0)).toBe(500);
  });

  it.each([
    [{ initialDelay: -1 }, "reconnect.initialDelay must be a finite number >= 0; received -1"],
    [{ maxDelay: Number.NaN }, "reconnect.maxDelay must be a finite number >= 0; received NaN"],
    [{ multiplier: 0.5 }, "reconnect.multiplier must be a finite number >= 1; received 0.5"],
    [
      { maxAttempts: 1.5 },
      "reconnect.maxAttempts must be a non-negative integer or Infinity; received 1.5",
    ],
  ])("rejects %o with a ValidationError that says what is allowed", (options, message) => {
    expect(() => createBackoffPolicy(options)).toThrow(ValidationError);
    expect(() => createBackoffPolicy(options)).toThrow(message);
  });
});
