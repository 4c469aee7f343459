import { ThreadlineError, type ThreadlineErrorOptions } from "./threadline-error.js";

/** Options of a {@link ValidationError}: which argument was wrong and what is allowed. */
export interface ValidationErrorOptions extends ThreadlineErrorOptions {
  /** Name of the offending argument or option, e.g. `"lastHandledSequence"`. */
  readonly field?: string;
  /** What would have been accepted, e.g. `"a non-negative safe integer"`. */
  readonly allowed?: string;
  /** A short rendering of what was received. */
  readonly received?: unknown;
}

/**
 * An argument was invalid (client-side checks, or the server's INVALID_ARGUMENT /
 * FAILED_PRECONDITION). Never retryable: the same call fails the same way.
 */
export class ValidationError extends ThreadlineError {
  static override readonly kind: string = "ValidationError";
  // A literal name keeps each class structurally distinct, so `X.is` narrows both ways.
  override readonly name = "ValidationError";
  /** Name of the offending argument, when known. */
  readonly field: string | undefined;
  /** What is allowed, when known. */
  readonly allowed: string | undefined;
  /** What was received, when known. */
  readonly received: unknown;

  constructor(message: string, options: ValidationErrorOptions = {}) {
    super(message, {
      ...options,
      code: options.code ?? "INVALID_ARGUMENT",
      retryable: false,
      context: {
        ...(options.field === undefined ? {} : { field: options.field }),
        ...(options.allowed === undefined ? {} : { allowed: options.allowed }),
        ...options.context,
      },
    });
    this.field = options.field;
    this.allowed = options.allowed;
    this.received = options.received;
  }
}

/** The chat, message, poll or other resource does not exist or is not visible (NOT_FOUND). */
export class NotFoundError extends ThreadlineError {
  static override readonly kind: string = "NotFoundError";
  override readonly name = "NotFoundError";
  constructor(message: string, options: ThreadlineErrorOptions = {}) {
    super(message, { ...options, code: options.code ?? "NOT_FOUND", retryable: false });
  }
}

/**
 * The token was missing, invalid or lacks permission (UNAUTHENTICATED /
 * PERMISSION_DENIED). Never retried: the same token fails the same way.
 */
export class AuthenticationError extends ThreadlineError {
  static override readonly kind: string = "AuthenticationError";
  override readonly name = "AuthenticationError";
  constructor(message: string, options: ThreadlineErrorOptions = {}) {
    super(message, { ...options, code: options.code ?? "UNAUTHENTICATED", retryable: false });
  }
}

/**
 * A rate limit, quota or buffer was exhausted (RESOURCE_EXHAUSTED). A live stream whose
 * consumer fell too far behind ends with this error and code `SUBSCRIBER_TOO_SLOW`.
 */
export class RateLimitError extends ThreadlineError {
  static override readonly kind: string = "RateLimitError";
  override readonly name = "RateLimitError";
  constructor(message: string, options: ThreadlineErrorOptions = {}) {
    super(message, { ...options, code: options.code ?? "RESOURCE_EXHAUSTED" });
  }
}

/**
 * The server could not be reached, the deadline passed, or a stream went silent
 * (UNAVAILABLE, DEADLINE_EXCEEDED, `STREAM_STALLED`). Usually retryable.
 */
export class ConnectionError extends ThreadlineError {
  static override readonly kind: string = "ConnectionError";
  override readonly name = "ConnectionError";
  constructor(message: string, options: ThreadlineErrorOptions = {}) {
    super(message, {
      ...options,
      code: options.code ?? "UNAVAILABLE",
      retryable: options.retryable ?? true,
    });
  }
}

/** The write conflicts with an earlier one, e.g. an idempotency key reused for different parameters. */
export class ConflictError extends ThreadlineError {
  static override readonly kind: string = "ConflictError";
  override readonly name = "ConflictError";
  constructor(message: string, options: ThreadlineErrorOptions = {}) {
    super(message, { ...options, code: options.code ?? "ALREADY_EXISTS", retryable: false });
  }
}

/** Options of a {@link SequenceNotRetainedError}. */
export interface SequenceNotRetainedErrorOptions extends ThreadlineErrorOptions {
  /** Oldest sequence the server still holds, when it said so. */
  readonly oldestRetainedSequence?: number;
}

/**
 * Catch-up asked for events older than the server's retention window
 * (FAILED_PRECONDITION, `SEQUENCE_NOT_RETAINED`). Those events are gone: resynchronise
 * from current state and resume from `oldestRetainedSequence - 1`.
 */
export class SequenceNotRetainedError extends ThreadlineError {
  static override readonly kind: string = "SequenceNotRetainedError";
  override readonly name = "SequenceNotRetainedError";
  /** Oldest sequence still retained, or `undefined` when the server did not say. */
  readonly oldestRetainedSequence: number | undefined;
  constructor(message: string, options: SequenceNotRetainedErrorOptions = {}) {
    super(message, { ...options, code: options.code ?? "SEQUENCE_NOT_RETAINED", retryable: false });
    this.oldestRetainedSequence = options.oldestRetainedSequence;
  }
}

/** Options of a {@link CursorAheadOfHeadError}. */
export interface CursorAheadOfHeadErrorOptions extends ThreadlineErrorOptions {
  /** The sequence the caller resumed after, when known. */
  readonly cursor?: number;
  /** The head of the server's log, when the server said it. */
  readonly head?: number;
}

/**
 * A cursor or checkpoint is above the head of the server's log (FAILED_PRECONDITION,
 * `CURSOR_AHEAD_OF_HEAD`). This log never issued it: a data file was restored from an
 * older backup, or the checkpoint belongs to another server or account. Replaying
 * nothing would silently drop the next events as already handled, so this never heals
 * by retrying: find out which events were lost, then resume from at most `head`.
 */
export class CursorAheadOfHeadError extends ThreadlineError {
  static override readonly kind: string = "CursorAheadOfHeadError";
  override readonly name = "CursorAheadOfHeadError";
  /** The sequence the caller resumed after, or `undefined` when unknown. */
  readonly cursor: number | undefined;
  /** The head of the server's log, or `undefined` when the server did not say. */
  readonly head: number | undefined;
  constructor(message: string, options: CursorAheadOfHeadErrorOptions = {}) {
    super(message, { ...options, code: options.code ?? "CURSOR_AHEAD_OF_HEAD", retryable: false });
    this.cursor = options.cursor;
    this.head = options.head;
  }
}

/** The server does not implement the method (UNIMPLEMENTED). */
export class UnimplementedError extends ThreadlineError {
  static override readonly kind: string = "UnimplementedError";
  override readonly name = "UnimplementedError";
  constructor(message: string, options: ThreadlineErrorOptions = {}) {
    super(message, { ...options, code: options.code ?? "UNIMPLEMENTED", retryable: false });
  }
}

/**
 * The server sent something this SDK cannot decode (malformed frame, a 64-bit number
 * above 2^53-1, a frame out of order). Not retryable: the same bytes fail again.
 */
export class ProtocolError extends ThreadlineError {
  static override readonly kind: string = "ProtocolError";
  override readonly name = "ProtocolError";
  constructor(message: string, options: ThreadlineErrorOptions = {}) {
    super(message, { ...options, code: options.code ?? "PROTOCOL_ERROR", retryable: false });
  }
}

/** The call was cancelled: by `close()`, an `AbortSignal`, or the client shutting down. */
export class CancelledError extends ThreadlineError {
  static override readonly kind: string = "CancelledError";
  override readonly name = "CancelledError";
  constructor(message: string, options: ThreadlineErrorOptions = {}) {
    super(message, { ...options, code: options.code ?? "CANCELLED", retryable: false });
  }
}

/** The server failed in a way the SDK cannot classify (INTERNAL, UNKNOWN, DATA_LOSS). */
export class ServerError extends ThreadlineError {
  static override readonly kind: string = "ServerError";
  override readonly name = "ServerError";
  constructor(message: string, options: ThreadlineErrorOptions = {}) {
    super(message, { ...options, code: options.code ?? "INTERNAL" });
  }
}
