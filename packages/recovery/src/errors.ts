import { ThreadlineError, type ThreadlineErrorOptions } from "@threadline/core";

/**
 * Base class of the errors specific to `@threadline/recovery`. It is a
 * `ThreadlineError`, so one `ThreadlineError.is(error)` check covers the whole SDK;
 * `RecoveryError.is` also works across duplicate installs. Invalid arguments throw
 * core's `ValidationError`.
 */
export class RecoveryError extends ThreadlineError {
  static override readonly kind: string = "RecoveryError";

  constructor(message: string, options: ThreadlineErrorOptions = {}) {
    super(message, options);
    this.name = "RecoveryError";
  }
}

/**
 * A handler kept failing after its retries and the queue halted on it (code
 * `HANDLER_FAILED`). The checkpoint stays below `sequence`; `cause` is the error
 * that decided it (the handler's last error, or the `onError`/`deadLetter` failure).
 */
export class HandlerFailedError extends RecoveryError {
  static override readonly kind: string = "HandlerFailedError";
  /** Sequence of the event whose handler failed. */
  readonly sequence: number;
  /** How many times the handler ran for that event. */
  readonly attempts: number;

  constructor(sequence: number, attempts: number, cause: unknown, reason?: string) {
    super(
      `handler failed for sequence ${sequence} after ${attempts} attempt(s)${reason ? ` (${reason})` : ""}: ${describeError(cause)}`,
      {
        code: "HANDLER_FAILED",
        retryable: false,
        cause,
        context: { sequence: String(sequence), attempts: String(attempts) },
      },
    );
    this.name = "HandlerFailedError";
    this.sequence = sequence;
    this.attempts = attempts;
  }
}

/** `push()` was called on a queue that is closing or closed (code `QUEUE_CLOSED`). */
export class QueueClosedError extends RecoveryError {
  static override readonly kind: string = "QueueClosedError";

  constructor(message: string) {
    super(message, { code: "QUEUE_CLOSED", retryable: false });
    this.name = "QueueClosedError";
  }
}

/**
 * A checkpoint store failed to load or save, or returned a value that is not a
 * checkpoint (code `CHECKPOINT_STORE_FAILED`). The queue retries saves before it
 * halts with this error.
 */
export class CheckpointStoreError extends RecoveryError {
  static override readonly kind: string = "CheckpointStoreError";

  constructor(message: string, options: { cause?: unknown } = {}) {
    super(message, { code: "CHECKPOINT_STORE_FAILED", retryable: true, cause: options.cause });
    this.name = "CheckpointStoreError";
  }
}

/**
 * Core's one invalid-argument rule, re-exported so the files of this package import it
 * from one place.
 *
 * @internal not covered by semver
 */
export { invalidArgument } from "@threadline/core";

function describe(value: unknown): string {
  if (typeof value === "string") return JSON.stringify(value);
  if (typeof value === "function") return "a function";
  if (typeof value === "bigint") return `${value}n`;
  if (value === null || typeof value !== "object") return String(value);
  if (Array.isArray(value)) return "an array";
  if (value instanceof Promise) return "a Promise";
  return "an object";
}

function describeError(error: unknown): string {
  return error instanceof Error ? error.message : describe(error);
}
