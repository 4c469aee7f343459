import {
  AuthenticationError,
  ConflictError,
  CursorAheadOfHeadError,
  NotFoundError,
  ProtocolError,
  SequenceNotRetainedError,
  UnimplementedError,
  ValidationError,
} from "../errors/error-classes.js";
import type { ThreadlineError } from "../errors/threadline-error.js";

/**
 * The one rule of what reconnecting can heal. These fail the same way however often
 * the connection is retried: authentication, validation (and every other
 * FAILED_PRECONDITION), a cursor ahead of the head, events no longer retained, a frame
 * this SDK cannot decode, a method the server lacks, a missing or conflicting
 * resource, and the client having been closed. Everything else (a lost or stalled
 * connection, a server restart, a subscriber ended as too slow, an internal server
 * error) can heal.
 */
export function canHeal(error: ThreadlineError): boolean {
  return !(
    AuthenticationError.is(error) ||
    ValidationError.is(error) ||
    CursorAheadOfHeadError.is(error) ||
    SequenceNotRetainedError.is(error) ||
    ProtocolError.is(error) ||
    UnimplementedError.is(error) ||
    NotFoundError.is(error) ||
    ConflictError.is(error) ||
    error.code === "CLIENT_CLOSED"
  );
}
