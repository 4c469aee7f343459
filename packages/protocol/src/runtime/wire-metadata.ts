/**
 * The parts of the Threadline wire contract that live in gRPC metadata rather than in
 * `proto/`: the header names both sides read and write, and the stable error codes a
 * server puts in the `error-code` trailer. Hand-written, not generated: protobuf has
 * no way to declare metadata.
 */

/** Metadata keys (lower case, as gRPC requires). */
export const metadataKeys = {
  /** Request header: `Bearer <token>`. */
  authorization: "authorization",
  /** Request header on mutating calls: one key per logical write, reused on retries. */
  idempotencyKey: "x-idempotency-key",
  /** Failure trailer: one of {@link serverErrorCodes}. */
  errorCode: "error-code",
  /** Failure trailer: `"true"` when repeating the same call may succeed. */
  retryable: "x-retryable",
  /** Failure trailer with SEQUENCE_NOT_RETAINED: the oldest sequence still retained. */
  oldestRetainedSequence: "oldest-retained-sequence",
  /** Failure trailer with CURSOR_AHEAD_OF_HEAD: the head of the caller's log. */
  headSequence: "head-sequence",
  /** Failure trailer with CURSOR_AHEAD_OF_HEAD: the `after_sequence` the caller sent. */
  afterSequence: "after-sequence",
} as const;

/**
 * Every code a Threadline server sends in the `error-code` trailer. A client must
 * still accept codes it does not know: a newer server may add some.
 */
export const serverErrorCodes = [
  "INVALID_ARGUMENT",
  "NOT_FOUND",
  "UNAUTHENTICATED",
  "PERMISSION_DENIED",
  "ALREADY_EXISTS",
  "IDEMPOTENCY_KEY_REUSED",
  "FAILED_PRECONDITION",
  "SEQUENCE_NOT_RETAINED",
  "CURSOR_AHEAD_OF_HEAD",
  "RESOURCE_EXHAUSTED",
  "SUBSCRIBER_TOO_SLOW",
  "PAYLOAD_TOO_LARGE",
  "STORAGE_FULL",
  "UNIMPLEMENTED",
  "UNAVAILABLE",
  "INTERNAL",
] as const;

/** One of {@link serverErrorCodes}. */
export type ServerErrorCode = (typeof serverErrorCodes)[number];
