import { invalidArgument } from "../errors/invalid-argument.js";

/** How unary calls retry retryable failures. Every field is optional. */
export interface RetryOptions {
  /** Attempts in total, the first included. Default 4; 1 disables retries. */
  readonly maxAttempts?: number;
  /** Delay ceiling before the first retry, in ms. Default 100. */
  readonly initialDelay?: number;
  /** Cap on the delay ceiling, in ms. Default 5000. */
  readonly maxDelay?: number;
  /** Growth of the ceiling per retry. Default 2. */
  readonly multiplier?: number;
}

/** Retry settings with the defaults filled in. */
export interface RetryPolicy {
  readonly maxAttempts: number;
  /** Full-jitter delay before retry number `retry` (1-based): uniform in [0, ceiling]. */
  delay(retry: number, random?: () => number): number;
}

function nonNegative(field: string, value: number | undefined, fallback: number): number {
  if (value === undefined) return fallback;
  if (typeof value !== "number" || !Number.isFinite(value) || value < 0) {
    throw invalidArgument(field, "a finite number >= 0", value);
  }
  return value;
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
  const initialDelay = nonNegative("retry.initialDelay", settings.initialDelay, 100);
  const maxDelay = nonNegative("retry.maxDelay", settings.maxDelay, 5000);
  const multiplier = settings.multiplier ?? 2;
  if (typeof multiplier !== "number" || !Number.isFinite(multiplier) || multiplier < 1) {
    throw invalidArgument("retry.multiplier", "a finite number >= 1", multiplier);
  }
  return {
    maxAttempts,
    delay(retry, random = Math.random) {
      const ceiling = Math.min(maxDelay, initialDelay * multiplier ** Math.max(0, retry - 1));
      return Math.floor(random() * ceiling);
    },
  };
}
