import { invalidArgument } from "../errors/invalid-argument.js";
import { createDelaySchedule } from "../reconnect/backoff-policy.js";

/** How unary calls retry retryable failures. Every field is optional. */
export interface RetryOptions {
  /** Attempts in total, the first included. Default 4; 1 disables retries. */
  readonly maxAttempts?: number;
  /** Nominal delay before the first retry, in ms (the wait is half of it to all of it). Default 100. */
  readonly initialDelay?: number;
  /** Cap on the delay, in ms; no wait is longer. Default 5000. */
  readonly maxDelay?: number;
  /** Growth of the delay per retry. Default 2. */
  readonly multiplier?: number;
}

/** Retry settings with the defaults filled in. */
export interface RetryPolicy {
  readonly maxAttempts: number;
  /**
   * Delay before retry number `retry` (1-based), from the SDK's one backoff: equal
   * jitter in `[d/2, d]` for `d = min(maxDelay, initialDelay * multiplier^(retry-1))`.
   */
  delay(retry: number, random?: () => number): number;
}

/**
 * Validates retry options (`false` disables retries) and fills in the defaults.
 * Throws ValidationError for out-of-range values.
 *
 * @internal not covered by semver
 */
export function createRetryPolicy(options: RetryOptions | false | undefined): RetryPolicy {
  if (options === false) return { maxAttempts: 1, delay: () => 0 };
  const settings = options ?? {};
  const maxAttempts = settings.maxAttempts ?? 4;
  if (typeof maxAttempts !== "number" || !Number.isInteger(maxAttempts) || maxAttempts < 1) {
    throw invalidArgument("retry.maxAttempts", "an integer >= 1", maxAttempts);
  }
  const schedule = createDelaySchedule(settings, {
    field: "retry",
    initialDelay: 100,
    maxDelay: 5000,
    multiplier: 2,
  });
  return { maxAttempts, delay: schedule.delay };
}
