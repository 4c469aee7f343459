import { createDelaySchedule, type DelaySchedule } from "@threadline/core";
import { invalidArgument } from "./errors.js";
import { assertPositiveInteger } from "./validation.js";

/**
 * Exponential backoff for handler retries and checkpoint saves, on core's one delay
 * schedule: attempt n waits `initialDelay * multiplier^(n-1)` ms, capped at `maxDelay`,
 * drawn from `[d/2, d]` (equal jitter) unless `jitter` is false. The names and the
 * jitter rule are those of the reconnect options.
 */
export interface BackoffOptions {
  /** Delay before the first retry, in ms. */
  readonly initialDelay?: number;
  /** Growth factor between retries; at least 1. */
  readonly multiplier?: number;
  /** Upper bound for a single delay, in ms. */
  readonly maxDelay?: number;
  /** Randomise each delay between half and all of its value. Default true. */
  readonly jitter?: boolean;
}

/** @internal not covered by semver */
export interface ResolvedBackoff {
  readonly schedule: DelaySchedule;
  readonly jitter: boolean;
}

/** @internal not covered by semver */
export interface BackoffDefaults {
  readonly initialDelay: number;
  readonly multiplier: number;
  readonly maxDelay: number;
  readonly jitter: boolean;
}

/** @internal not covered by semver */
export function resolveBackoff(
  field: string,
  options: BackoffOptions | undefined,
  defaults: BackoffDefaults,
): ResolvedBackoff {
  const schedule = createDelaySchedule(options ?? {}, { field, ...defaults });
  const jitter = options?.jitter ?? defaults.jitter;
  if (typeof jitter !== "boolean") {
    throw invalidArgument(`${field}.jitter`, "a boolean", jitter);
  }
  return { schedule, jitter };
}

/** @internal not covered by semver */
export function backoffDelay(policy: ResolvedBackoff, attempt: number): number {
  return policy.jitter ? policy.schedule.delay(attempt) : policy.schedule.ceiling(attempt);
}

/** @internal not covered by semver */
export function resolveMaxAttempts(field: string, value: unknown, fallback: number): number {
  const attempts = value ?? fallback;
  if (attempts === Number.POSITIVE_INFINITY) return attempts;
  assertPositiveInteger(field, attempts);
  return attempts;
}

/** @internal not covered by semver */
export function sleep(milliseconds: number, signal?: AbortSignal): Promise<void> {
  return new Promise((resolve) => {
    if (signal?.aborted) {
      resolve();
      return;
    }
    const timer = setTimeout(done, milliseconds);
    function done(): void {
      clearTimeout(timer);
      signal?.removeEventListener("abort", done);
      resolve();
    }
    signal?.addEventListener("abort", done, { once: true });
  });
}
