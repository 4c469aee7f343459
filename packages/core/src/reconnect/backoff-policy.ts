import { invalidArgument } from "../errors/invalid-argument.js";

/** How a resumable stream reconnects. Every field is optional. */
export interface ReconnectOptions {
  /** Delay before the first reconnect, in ms. Default 1000. */
  readonly initialDelay?: number;
  /** Consecutive failed attempts before giving up. Default `Infinity`. */
  readonly maxAttempts?: number;
  /** Cap on the delay between attempts, in ms. Default 30000. */
  readonly maxDelay?: number;
  /** Factor applied to the delay after each failed attempt. Default 2. */
  readonly multiplier?: number;
  /** Called before each reconnect attempt, with its number (1, 2, ...). */
  readonly onReconnect?: (attempt: number) => void;
}

/** The reconnect schedule with every default filled in. */
export interface BackoffPolicy {
  readonly initialDelay: number;
  readonly maxAttempts: number;
  readonly maxDelay: number;
  readonly multiplier: number;
  /**
   * Delay before attempt `attempt` (1-based): `min(maxDelay, initialDelay *
   * multiplier^(attempt-1))`, then full jitter (a uniform draw from [0, capped]) applied
   * after the cap so concurrent clients spread out instead of reconnecting together.
   */
  delay(attempt: number, random?: () => number): number;
  /** The capped delay before jitter, for the same attempt. */
  ceiling(attempt: number): number;
}

function positive(field: string, value: number | undefined, fallback: number): number {
  if (value === undefined) return fallback;
  if (typeof value !== "number" || !Number.isFinite(value) || value < 0) {
    throw invalidArgument(field, "a finite number >= 0", value);
  }
  return value;
}

/**
 * Validates reconnect options and fills in the defaults (initialDelay 1000,
 * maxAttempts Infinity, maxDelay 30000, multiplier 2). Throws ValidationError for a
 * negative or non-finite delay, a multiplier below 1, or maxAttempts that is neither
 * a non-negative integer nor Infinity.
 */
export function createBackoffPolicy(options: ReconnectOptions = {}): BackoffPolicy {
  const initialDelay = positive("reconnect.initialDelay", options.initialDelay, 1000);
  const maxDelay = positive("reconnect.maxDelay", options.maxDelay, 30_000);
  const multiplier = options.multiplier ?? 2;
  if (typeof multiplier !== "number" || !Number.isFinite(multiplier) || multiplier < 1) {
    throw invalidArgument("reconnect.multiplier", "a finite number >= 1", multiplier);
  }
  const maxAttempts = options.maxAttempts ?? Number.POSITIVE_INFINITY;
  if (
    typeof maxAttempts !== "number" ||
    !(
      maxAttempts === Number.POSITIVE_INFINITY ||
      (Number.isInteger(maxAttempts) && maxAttempts >= 0)
    )
  ) {
    throw invalidArgument(
      "reconnect.maxAttempts",
      "a non-negative integer or Infinity",
      maxAttempts,
    );
  }
  if (options.onReconnect !== undefined && typeof options.onReconnect !== "function") {
    throw invalidArgument("reconnect.onReconnect", "a function", options.onReconnect);
  }
  const ceiling = (attempt: number): number => {
    const exponent = Math.max(0, attempt - 1);
    // Stop multiplying once past the cap so a huge attempt count cannot overflow to NaN.
    let delay = initialDelay;
    for (let step = 0; step < exponent && delay < maxDelay; step++) delay *= multiplier;
    return Math.min(maxDelay, delay);
  };
  return {
    initialDelay,
    maxAttempts,
    maxDelay,
    multiplier,
    ceiling,
    delay(attempt, random = Math.random) {
      return Math.floor(ceiling(attempt) * random());
    },
  };
}

/**
 * Counts consecutive failed attempts for one stream. `succeeded()` after a healthy
 * connection resets the schedule to `initialDelay`.
 *
 * @internal not covered by semver
 */
export interface BackoffState {
  /** Number of the next attempt (1-based), or `undefined` once maxAttempts is spent. */
  nextAttempt(): number | undefined;
  /** Delay to wait before the attempt `nextAttempt()` returned. */
  delayFor(attempt: number): number;
  succeeded(): void;
}

/** @internal not covered by semver */
export function createBackoffState(
  policy: BackoffPolicy,
  random: () => number = Math.random,
): BackoffState {
  let failures = 0;
  return {
    nextAttempt() {
      if (failures >= policy.maxAttempts) return undefined;
      failures += 1;
      return failures;
    },
    delayFor(attempt) {
      return policy.delay(attempt, random);
    },
    succeeded() {
      failures = 0;
    },
  };
}
