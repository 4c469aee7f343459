import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { ValidationError } from "../errors/error-classes.js";
import { createRetryPolicy } from "./retry-options.js";

describe("unary retry policy", () => {
  it("defaults to 4 attempts; false disables retries", () => {
    expect(createRetryPolicy(undefined).maxAttempts).toBe(4);
    expect(createRetryPolicy(false).maxAttempts).toBe(1);
  });

  it("the one backoff's equal jitter: every delay lies in [d/2, d] for d = min(maxDelay, initialDelay * multiplier^(retry-1))", () => {
    fc.assert(
      fc.property(
        fc.integer({ min: 0, max: 1000 }),
        fc.integer({ min: 0, max: 10_000 }),
        fc.integer({ min: 1, max: 30 }),
        fc.double({ min: 0, max: 1, maxExcluded: true, noNaN: true }),
        (initialDelay, maxDelay, retry, draw) => {
          const policy = createRetryPolicy({ initialDelay, maxDelay });
          const delay = policy.delay(retry, () => draw);
          const nominal = Math.min(maxDelay, initialDelay * 2 ** (retry - 1));
          expect(delay).toBeGreaterThanOrEqual(0);
          expect(delay).toBeGreaterThanOrEqual(nominal / 2);
          expect(delay).toBeLessThanOrEqual(nominal);
        },
      ),
    );
  });

  it("rejects bad values with what is allowed", () => {
    expect(() => createRetryPolicy({ maxAttempts: 0 })).toThrow(
      "retry.maxAttempts must be an integer >= 1; received 0",
    );
    expect(() => createRetryPolicy({ initialDelay: -5 })).toThrow(ValidationError);
    expect(() => createRetryPolicy({ multiplier: 0 })).toThrow(ValidationError);
    expect(() => createRetryPolicy({ maxDelay: -1 })).toThrow(
      "retry.maxDelay must be a finite number >= 0; received -1",
    );
  });
});
