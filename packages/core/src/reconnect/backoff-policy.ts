import { invalidArgument } from "../errors/invalid-argument.js";

/** How a resumable stream reconnects. Every field is optional. */
export interface ReconnectOptions {
  /**
   * Delay before the first reconnect, in ms. Default 1000. With jitter the first
   * reconnect comes between half of it and all of it (500 to 1000 ms by default).
   */
  readonly initialDelay?: number;
  /** Consecutive failed attempts before giving up. Default `Infinity`. */
  readonly maxAttempts?: number;
  /** Cap on the delay between attempts, in ms; no delay is ever longer. Default 30000. */
  readonly maxDelay?: number;
  /** Factor applied to the delay after each failed attempt. Default 2. */
  readonly multiplier?: number;
  /** Called before each reconnect attempt, with its number (1, 2, ...). */
  readonly onReconnect?: (attempt: number) => void;
}

/**
 * An exponential delay schedule with equal jitter, the one backoff of the SDK (stream
 * reconnects and unary retries both use it).
 */
export interface DelaySchedule {
  readonly initialDelay: number;
  readonly maxDelay: number;
  readonly multiplier: number;
  /**
   * The nominal delay before attempt `attempt` (1-based):
   * `min(maxDelay, initialDelay * multiplier^(attempt-1))`.
   */
  ceiling(attempt: number): number;
  /**
   * The delay to wait before attempt `attempt`: equal jitter, a uniform draw from
   * `[ceiling / 2, ceiling]`. It never falls below half the nominal delay (so
   * `initialDelay` keeps its meaning) and never exceeds `maxDelay`; the spread keeps
   * many clients from reconnecting in step. `random` returns a number in [0, 1).
   */
  delay(attempt: number, random?: () => number): number;
}

/** The reconnect schedule with every default filled in. */
export interface BackoffPolicy extends DelaySchedule {
  readonly maxAttempts: number;
}

/** Defaults of a {@link DelaySchedule}, and the option prefix its errors name. */
interface ScheduleDefaults {
  readonly field: string;
  readonly initialDelay: number;
  readonly maxDelay: number;
  readonly multiplier: number;
}

function nonNegative(field: string, value: unknown, fallback: number): number {
  if (value === undefined) return fallback;
  if (typeof value !== "number" || !Number.isFinite(value) || value < 0) {
    throw invalidArgument(field, "a finite number >= 0", value);
  }
  return value;
}

/**
 * Validates the delay fields of `options` (`initialDelay`, `maxDelay`, `multiplier`),
 * fills in `defaults`, and returns the schedule. Throws ValidationError naming
 * `<defaults.field>.<option>` for a negative or non-finite delay or a multiplier below 1.
 *
 * @internal not covered by semver
 */
export function createDelaySchedule(
  options: {
    readonly initialDelay?: unknown;
    readonly maxDelay?: unknown;
    readonly multiplier?: unknown;
  },
  defaults: ScheduleDefaults,
): DelaySchedule {
  const initialDelay = nonNegative(
    `${defaults.field}.initialDelay`,
    options.initialDelay,
    defaults.initialDelay,
  );
  const maxDelay = nonNegative(`${defaults.field}.maxDelay`, options.maxDelay, defaults.maxDelay);
  const multiplier = options.multiplier ?? defaults.multiplier;
  if (typeof multiplier !== "number" || !Number.isFinite(multiplier) || multiplier < 1) {
    throw invalidArgument(`${defaults.field}.multiplier`, "a finite number >= 1", multiplier);
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
    maxDelay,
    multiplier,
    ceiling,
    delay(attempt, random = Math.random) {
      const nominal = ceiling(attempt);
      const draw = random();
      // A draw outside [0, 1) (a faulty random source) is clamped, so the bounds hold.
      const unit = draw >= 0 && draw < 1 ? draw : draw >= 1 ? 1 : 0;
      return nominal / 2 + (nominal / 2) * unit;
    },
  };
}

/**
 * Validates reconnect options and fills in the defaults (initialDelay 1000,
 * maxAttempts Infinity, maxDelay 30000, multiplier 2). Delays follow
 * {@link DelaySchedule.delay}: each lies in `[d/2, d]` for the nominal delay `d`, never
 * above `maxDelay`. Throws ValidationError for a negative or non-finite delay, a
 * multiplier below 1, maxAttempts that is neither a non-negative integer nor Infinity,
 * or an onReconnect that is not a function.
 */
export function createBackoffPolicy(options: ReconnectOptions = {}): BackoffPolicy {
  const schedule = createDelaySchedule(options, {
    field: "reconnect",
    initialDelay: 1000,
    maxDelay: 30_000,
    multiplier: 2,
  });
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
  return { ...schedule, maxAttempts };
}

/**
 * Counts consecutive failed attempts for one stream. Resetting after a healthy
 * connection is the caller's decision: `reset()` starts the schedule again from
 * `initialDelay`.
 *
 * @internal not covered by semver
 */
export interface BackoffState {
  /** Number of the next attempt (1-based), or `undefined` once maxAttempts is spent. */
  nextAttempt(): number | undefined;
  /** Delay to wait before the attempt `nextAttempt()` returned. */
  delayFor(attempt: number): number;
  /** Forgets the failures so far: the next attempt is number 1 again. */
  reset(): void;
  /** The same as {@link BackoffState.reset}, named for when it is called. */
  succeeded(): void;
}

/** @internal not covered by semver */
export function createBackoffState(
  policy: BackoffPolicy,
  random: () => number = Math.random,
): BackoffState {
  let failures = 0;
  const reset = (): void => {
    failures = 0;
  };
  return {
    nextAttempt() {
      if (failures >= policy.maxAttempts) return undefined;
      failures += 1;
      return failures;
    },
    delayFor(attempt) {
      return policy.delay(attempt, random);
    },
    reset,
    succeeded: reset,
  };
}
