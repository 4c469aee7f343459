import { ServerError } from "./server-error.js";

/** INVALID_ARGUMENT: the message says what was wrong and what is allowed. */
export function invalidArgument(
  message: string,
  details?: { readonly field?: string },
): ServerError {
  return new ServerError(
    "INVALID_ARGUMENT",
    message,
    details?.field === undefined ? {} : { field: details.field },
  );
}

/** NOT_FOUND. Also used for things that exist but the caller may not see. */
export function notFound(message: string): ServerError {
  return new ServerError("NOT_FOUND", message);
}

/** UNAUTHENTICATED: the caller's credentials were missing or refused. */
export function unauthenticated(message: string): ServerError {
  return new ServerError("UNAUTHENTICATED", message);
}

/** UNAVAILABLE (retryable): the server is shutting down and takes no more writes. */
export function shuttingDown(): ServerError {
  return new ServerError(
    "UNAVAILABLE",
    "the server is shutting down and accepts no more writes; retry against the restarted server",
    { retryable: true },
  );
}
