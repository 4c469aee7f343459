import { status as GrpcStatus, type Metadata } from "@grpc/grpc-js";
import { metadataKeys } from "@threadline/protocol";
import {
  AuthenticationError,
  CancelledError,
  ConflictError,
  ConnectionError,
  CursorAheadOfHeadError,
  NotFoundError,
  ProtocolError,
  RateLimitError,
  SequenceNotRetainedError,
  ServerError,
  UnimplementedError,
  ValidationError,
} from "./error-classes.js";
import { ThreadlineError } from "./threadline-error.js";

/** The parts of a grpc-js `ServiceError` (or `StatusObject`) the mapping reads. */
export interface GrpcFailure {
  readonly code: number;
  readonly details?: string;
  readonly message?: string;
  readonly metadata?: Metadata;
}

// Trailers worth keeping in `context` for whoever reads the error.
const contextTrailers = [
  metadataKeys.errorCode,
  metadataKeys.retryable,
  metadataKeys.oldestRetainedSequence,
  metadataKeys.headSequence,
  metadataKeys.afterSequence,
  "x-request-id",
];

function trailer(metadata: Metadata | undefined, key: string): string | undefined {
  const value = metadata?.get(key)[0];
  if (value === undefined) return undefined;
  return typeof value === "string" ? value : value.toString("utf8");
}

/**
 * Whether a failure may succeed when repeated: the server's `x-retryable` trailer
 * decides when present; otherwise only UNAVAILABLE is (the request never reached a
 * handler, so repeating it cannot apply a write twice).
 */
export function isRetryableFailure(failure: GrpcFailure): boolean {
  const flag = trailer(failure.metadata, metadataKeys.retryable);
  if (flag === "true") return true;
  if (flag === "false") return false;
  return failure.code === GrpcStatus.UNAVAILABLE;
}

/** A sequence number carried in a trailer, or `undefined` when absent or malformed. */
function sequenceTrailer(value: string | undefined): number | undefined {
  if (value === undefined || !/^\d+$/.test(value)) return undefined;
  const sequence = Number(value);
  return Number.isSafeInteger(sequence) ? sequence : undefined;
}

function isGrpcFailure(value: unknown): value is GrpcFailure {
  return (
    typeof value === "object" &&
    value !== null &&
    typeof Reflect.get(value, "code") === "number" &&
    "metadata" in value
  );
}

/**
 * Turns a gRPC failure into the matching typed error (see the status mapping in
 * DESIGN.md). `operation` names the call, e.g. `"EventService.CatchUpEvents"`, so
 * the message says which call failed.
 */
export function errorFromGrpc(failure: GrpcFailure, operation: string): ThreadlineError {
  const code = failure.code;
  const serverCode = trailer(failure.metadata, metadataKeys.errorCode);
  const retryable = isRetryableFailure(failure);
  const context: Record<string, string> = { operation };
  for (const key of contextTrailers) {
    const value = trailer(failure.metadata, key);
    if (value !== undefined) context[key] = value;
  }
  const detail = failure.details ?? failure.message ?? "";
  const message = `${operation} failed: ${detail || GrpcStatus[code] || `gRPC status ${code}`}`;
  const base = {
    grpcCode: code,
    retryable,
    context,
    cause: failure,
    ...(serverCode === undefined ? {} : { code: serverCode }),
  };

  switch (code) {
    case GrpcStatus.INVALID_ARGUMENT:
      if (serverCode === "IDEMPOTENCY_KEY_REUSED") return new ConflictError(message, base);
      return new ValidationError(message, base);
    case GrpcStatus.FAILED_PRECONDITION:
      if (serverCode === "SEQUENCE_NOT_RETAINED") {
        const oldest = Number(context[metadataKeys.oldestRetainedSequence]);
        return new SequenceNotRetainedError(message, {
          ...base,
          ...(Number.isSafeInteger(oldest) && oldest >= 0
            ? { oldestRetainedSequence: oldest }
            : {}),
        });
      }
      if (serverCode === "CURSOR_AHEAD_OF_HEAD") {
        const cursor = sequenceTrailer(context[metadataKeys.afterSequence]);
        const head = sequenceTrailer(context[metadataKeys.headSequence]);
        return new CursorAheadOfHeadError(message, {
          ...base,
          ...(cursor === undefined ? {} : { cursor }),
          ...(head === undefined ? {} : { head }),
        });
      }
      return new ValidationError(message, { ...base, code: serverCode ?? "FAILED_PRECONDITION" });
    case GrpcStatus.OUT_OF_RANGE:
      return new ValidationError(message, { ...base, code: serverCode ?? "OUT_OF_RANGE" });
    case GrpcStatus.NOT_FOUND:
      return new NotFoundError(message, base);
    case GrpcStatus.UNAUTHENTICATED:
      return new AuthenticationError(refusedTokenMessage(operation, detail), base);
    case GrpcStatus.PERMISSION_DENIED:
      return new AuthenticationError(message, { ...base, code: serverCode ?? "PERMISSION_DENIED" });
    case GrpcStatus.RESOURCE_EXHAUSTED:
      return new RateLimitError(message, base);
    case GrpcStatus.UNAVAILABLE:
      return new ConnectionError(message, base);
    case GrpcStatus.DEADLINE_EXCEEDED:
      return new ConnectionError(message, { ...base, code: serverCode ?? "DEADLINE_EXCEEDED" });
    case GrpcStatus.ALREADY_EXISTS:
    case GrpcStatus.ABORTED:
      return new ConflictError(message, base);
    case GrpcStatus.UNIMPLEMENTED:
      return new UnimplementedError(message, base);
    case GrpcStatus.CANCELLED:
      return new CancelledError(message, base);
    default:
      return new ServerError(message, base);
  }
}

/** An UNAUTHENTICATED message: what was refused, the likely cause, then the server's words. */
function refusedTokenMessage(operation: string, detail: string): string {
  return `${operation} was refused: the server did not accept the bearer token. Check the \`token\` given to createClient (in the README's examples: is THREADLINE_TOKEN set?); it must be one that \`threadline-server accounts add\` or \`accounts rotate-token\` printed for this server.${detail === "" ? "" : ` The server said: ${detail}`}`;
}

/**
 * Turns anything thrown while making or reading a call into a typed error: gRPC
 * failures by status, decode failures (a `RangeError` for a 64-bit value above 2^53-1,
 * a malformed frame) into {@link ProtocolError}, and Threadline errors unchanged.
 */
export function toThreadlineError(error: unknown, operation: string): ThreadlineError {
  if (ThreadlineError.is(error)) return error;
  if (isGrpcFailure(error)) {
    // grpc-js reports a response deserializer that threw as INTERNAL with text like this.
    const details = error.details ?? "";
    if (
      error.code === GrpcStatus.INTERNAL &&
      /parsing error|parse server response|deserializ/i.test(details)
    ) {
      return new ProtocolError(`${operation} returned a frame this SDK cannot decode: ${details}`, {
        grpcCode: error.code,
        cause: error,
        context: { operation },
      });
    }
    return errorFromGrpc(error, operation);
  }
  if (error instanceof RangeError || error instanceof TypeError || isDecodeError(error)) {
    return new ProtocolError(
      `${operation} returned a frame this SDK cannot decode: ${error instanceof Error ? error.message : String(error)}`,
      { cause: error, context: { operation } },
    );
  }
  const text = error instanceof Error ? error.message : String(error);
  return new ServerError(`${operation} failed: ${text}`, { cause: error, context: { operation } });
}

function isDecodeError(error: unknown): boolean {
  return (
    error instanceof Error && /invalid wire type|index out of range|illegal/i.test(error.message)
  );
}
