import { status as GrpcStatus, Metadata, type ServiceError } from "@grpc/grpc-js";
import { metadataKeys, type ServerErrorCode } from "@threadline/protocol";

/**
 * Stable, machine-readable failure codes sent in the `error-code` trailer. The SDK
 * maps them (with the gRPC status) onto its typed errors.
 */
export type ErrorCode = ServerErrorCode;

/**
 * A failure that a handler throws on purpose. Handlers convert it into a gRPC status
 * with `error-code` and `x-retryable` trailers; any other thrown value becomes
 * INTERNAL (not retryable) and is logged.
 */
export class RpcError extends Error {
  override readonly name = "RpcError";

  constructor(
    readonly status: GrpcStatus,
    readonly errorCode: ErrorCode,
    message: string,
    readonly retryable = false,
    readonly details: Readonly<Record<string, string>> = {},
  ) {
    super(message);
  }

  /** The grpc-js error object to pass to a callback or `call.destroy`. */
  toServiceError(): Partial<ServiceError> {
    const metadata = new Metadata();
    metadata.set(metadataKeys.errorCode, this.errorCode);
    metadata.set(metadataKeys.retryable, String(this.retryable));
    for (const [key, value] of Object.entries(this.details)) metadata.set(key, value);
    return { code: this.status, details: this.message, metadata };
  }
}

/** INVALID_ARGUMENT: the message says what was wrong and what is allowed. */
export function invalidArgument(message: string, details?: Record<string, string>): RpcError {
  return new RpcError(GrpcStatus.INVALID_ARGUMENT, "INVALID_ARGUMENT", message, false, details);
}

/** NOT_FOUND. Also used for things that exist but the caller may not see. */
export function notFound(message: string): RpcError {
  return new RpcError(GrpcStatus.NOT_FOUND, "NOT_FOUND", message);
}
