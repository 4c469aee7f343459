import { status as GrpcStatus, Metadata, type ServiceError } from "@grpc/grpc-js";
import { metadataKeys } from "@threadline/protocol";
import type { ErrorCode, ServerError } from "../errors/server-error.js";

/**
 * The one place a server error code becomes a gRPC status. Every code has an entry
 * (the compiler checks), so a new code cannot reach the wire without a status.
 */
const statusByCode: Readonly<Record<ErrorCode, GrpcStatus | ((error: ServerError) => GrpcStatus)>> =
  {
    INVALID_ARGUMENT: GrpcStatus.INVALID_ARGUMENT,
    NOT_FOUND: GrpcStatus.NOT_FOUND,
    UNAUTHENTICATED: GrpcStatus.UNAUTHENTICATED,
    PERMISSION_DENIED: GrpcStatus.PERMISSION_DENIED,
    ALREADY_EXISTS: GrpcStatus.ALREADY_EXISTS,
    // A reused key with a different request is a bad argument, not a conflict in state.
    IDEMPOTENCY_KEY_REUSED: GrpcStatus.INVALID_ARGUMENT,
    FAILED_PRECONDITION: GrpcStatus.FAILED_PRECONDITION,
    SEQUENCE_NOT_RETAINED: GrpcStatus.FAILED_PRECONDITION,
    CURSOR_AHEAD_OF_HEAD: GrpcStatus.FAILED_PRECONDITION,
    RESOURCE_EXHAUSTED: GrpcStatus.RESOURCE_EXHAUSTED,
    SUBSCRIBER_TOO_SLOW: GrpcStatus.RESOURCE_EXHAUSTED,
    // One field over its limit (an image) is a bad argument; a whole request over the
    // transport limit is RESOURCE_EXHAUSTED, as gRPC itself answers an oversized message.
    PAYLOAD_TOO_LARGE: (error) =>
      error.field === undefined ? GrpcStatus.RESOURCE_EXHAUSTED : GrpcStatus.INVALID_ARGUMENT,
    // UNAVAILABLE, not RESOURCE_EXHAUSTED: clients read the latter as a rate limit.
    STORAGE_FULL: GrpcStatus.UNAVAILABLE,
    UNIMPLEMENTED: GrpcStatus.UNIMPLEMENTED,
    UNAVAILABLE: GrpcStatus.UNAVAILABLE,
    INTERNAL: GrpcStatus.INTERNAL,
  };

/** The gRPC status a {@link ServerError} is sent with. */
export function grpcStatusOf(error: ServerError): GrpcStatus {
  const entry = statusByCode[error.errorCode];
  return typeof entry === "function" ? entry(error) : entry;
}

/** The grpc-js error object (status, message, trailers) to pass to a callback or `call.destroy`. */
export function serviceErrorOf(error: ServerError): Partial<ServiceError> {
  const metadata = new Metadata();
  metadata.set(metadataKeys.errorCode, error.errorCode);
  metadata.set(metadataKeys.retryable, String(error.retryable));
  for (const [key, value] of Object.entries(error.trailers)) metadata.set(key, value);
  return { code: grpcStatusOf(error), details: error.message, metadata };
}
