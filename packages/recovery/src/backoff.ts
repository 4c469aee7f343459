import { invalidArgument } from "./errors.js";
import { assertNonNegativeNumber, assertPositiveInteger } from "./validation.js";

/**
 * Exponential backoff: attempt n waits `initialDelayMs * multiplier^(n-1)`, capped
 * at `maxDelayMs`, with full jitter over the upper half so retries of many
 * clients spread out.
 */
export interface BackoffOptions {
  /** Delay before the first retry. */
  readonly initialDelayMs?: number;
  /** Growth factor between retries; at least 1. */
  readonly multiplier?: number;
  /** Upper bound for a single delay. */
  readonly maxDelayMs?: number;
  /** Randomise each delay between half and all of its value. Default true. */
  readonly jitter?: boolean;
}

/** @internal not covered by semver */
export interface ResolvedBackoff {
  readonly initialDelayMs: number;
  readonly multiplier: number;
  readonly maxDelayMs: number;
  readonly jitter: boolean;
}

/** @internal not covered by semver */
export function resolveBackoff(
  field: string,
  options: BackoffOptions | undefined,
  defaults: ResolvedBackoff,
): ResolvedBackoff {
  const initialDelayMs = options?.initialDelayMs ?? defaults.initialDelayMs;
  const multiplier = options?.multiplier ?? defaults.multiplier;
  const maxDelayMs = options?.maxDelayMs ?? defaults.maxDelayMs;
  const jitter = options?.jitter ?? defaults.jitter;
  assertNonNegativeNumber(`${field}.initialDelayMs`, initialDelayMs);
  assertNonNegativeNumber(`${field}.maxDelayMs`, maxDelayMs);
  if (typeof multiplier !== "number" || !Number.isFinite(multiplier) || multiplier < 1) {
    throw invalidArgument(`${field}.multiplier`, "a finite number >= 1", multiplier);
  }
  if (typeof jitter !== "boolean") {
    throw invalidArgument(`${field}.jitter`, "a boolean", jitter);
  }
  return { initialDelayMs, multiplier, maxDelayMs, jitter };
}

/** @internal not covered by semver */
export function backoffDelay(policy: ResolvedBackoff, attempt: number): number {
  const exponent = Math.max(0, attempt - 1);
  const raw = Math.min(policy.maxDelayMs, policy.initialDelayMs * policy.multiplier ** exponent);
  return policy.jitter ? raw / 2 + Math.random() * (raw / 2) : raw;
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
