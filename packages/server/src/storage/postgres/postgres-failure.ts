import { ServerError } from "../../errors/server-error.js";

/** The SQLSTATE of a PostgreSQL error, or the Node.js code of a socket error. */
function errorCode(error: unknown): string | undefined {
  if (!(error instanceof Error)) return undefined;
  const code = Reflect.get(error, "code");
  return typeof code === "string" ? code : undefined;
}

/** Socket-level codes that mean the database could not be reached or the link broke. */
const socketCodes = new Set([
  "ECONNREFUSED",
  "ECONNRESET",
  "ECONNABORTED",
  "EPIPE",
  "ETIMEDOUT",
  "EHOSTUNREACH",
  "ENETUNREACH",
  "ENOTFOUND",
  "EAI_AGAIN",
]);

/**
 * SQLSTATEs of a server that is going away or cannot take the session: class 08
 * (connection exception), 57P01-57P03 (admin/crash shutdown, cannot connect now),
 * 53300 (too many connections) and 53200 (out of memory).
 */
function isServerGoingAway(code: string): boolean {
  return (
    code.startsWith("08") ||
    code === "57P01" ||
    code === "57P02" ||
    code === "57P03" ||
    code === "53300" ||
    code === "53200"
  );
}

/**
 * Whether `error` means PostgreSQL is unreachable (refused, reset, timed out, shut
 * down, a connection that ended under a query) rather than a problem with the request.
 */
export function isDatabaseUnreachable(error: unknown): boolean {
  if (error instanceof ServerError) return error.errorCode === "UNAVAILABLE";
  const code = errorCode(error);
  if (code !== undefined && (socketCodes.has(code) || isServerGoingAway(code))) return true;
  if (!(error instanceof Error)) return false;
  // "Query read timeout": the driver gave up waiting for an answer (the store's
  // queryTimeoutMs); the connection may still be busy, so it counts as broken.
  return /Connection terminated|connection timeout|timeout exceeded when trying to connect|Client has encountered a connection error|Client was closed|not queryable|ECONNREFUSED|Query read timeout/i.test(
    error.message,
  );
}

/** Whether PostgreSQL refused the write for a lack of disk space (SQLSTATE 53100). */
export function isDiskFull(error: unknown): boolean {
  return errorCode(error) === "53100";
}

/**
 * Whether the transaction lost a deadlock (40P01) or a serialization conflict (40001):
 * nothing of it was kept, and running it again may succeed.
 */
export function isTransactionConflict(error: unknown): boolean {
  const code = errorCode(error);
  return code === "40P01" || code === "40001";
}

/** Whether `error` is a unique violation on the shared idempotency keys. */
export function isIdempotencyKeyRace(error: unknown): boolean {
  if (errorCode(error) !== "23505" || !(error instanceof Error)) return false;
  const table = Reflect.get(error, "table");
  return table === undefined || table === "idempotency_keys";
}

/** Whether `error` is a unique violation (SQLSTATE 23505), on any table. */
export function isUniqueViolation(error: unknown): boolean {
  return errorCode(error) === "23505";
}

// Unique keys a client can collide on from two processes at once, and what the
// collision means to it. The domain checks them first; a violation gets here only when
// a concurrent transaction committed the same key between that check and the insert.
const alreadyExistsByTable: Readonly<Record<string, string>> = {
  account_addresses:
    "an address of this request already belongs to an account (another call stored it at the same time); list only addresses no account has",
  whatsapp_numbers:
    "this phone number id is already registered (another call registered it at the same time); remove it first to change its credentials",
};

/**
 * The typed error for a unique violation that reached the engine: ALREADY_EXISTS for a
 * key a client chose (an account address, a WhatsApp number); otherwise UNAVAILABLE,
 * retryable, since only a concurrent write can have stored the same row first and the
 * same call, run again, sees that write and answers as the domain does.
 */
export function uniqueViolation(cause: unknown): ServerError {
  const table = cause instanceof Error ? Reflect.get(cause, "table") : undefined;
  const detail = cause instanceof Error ? Reflect.get(cause, "detail") : undefined;
  const key = typeof detail === "string" ? ` (${detail.replace(/\.$/, "")})` : "";
  const meaning = typeof table === "string" ? alreadyExistsByTable[table] : undefined;
  if (meaning !== undefined) {
    return new ServerError("ALREADY_EXISTS", `${meaning}${key}`, { cause });
  }
  return new ServerError(
    "UNAVAILABLE",
    `a concurrent write on the PostgreSQL database stored the same ${typeof table === "string" ? `${table} ` : ""}row first${key}, so nothing of this call was stored; retry the same call`,
    { retryable: true, cause },
  );
}

/** The retryable UNAVAILABLE a client gets while PostgreSQL cannot be reached. */
export function databaseUnavailable(cause: unknown): ServerError {
  const reason = cause instanceof Error ? cause.message : String(cause);
  return new ServerError(
    "UNAVAILABLE",
    `the server's PostgreSQL database cannot be reached (${reason}), so nothing of this call was stored or read; the server reconnects by itself, so retry the same call later`,
    { retryable: true, cause },
  );
}

/** STORAGE_FULL (retryable): PostgreSQL has no disk space left for the write. */
export function databaseDiskFull(cause: unknown): ServerError {
  return new ServerError(
    "STORAGE_FULL",
    "the server's PostgreSQL database is out of disk space, so this write was not stored (nothing of it was kept); writes resume once space is freed on the database server, so retry the same call later",
    { retryable: true, cause },
  );
}

/**
 * The error a client gets for a PostgreSQL failure: unreachable → UNAVAILABLE and disk
 * full → STORAGE_FULL, both retryable; a conflict that outlived its retries →
 * UNAVAILABLE, retryable; a unique violation → {@link uniqueViolation}; anything else
 * (a ServerError of the domain included) is returned unchanged.
 */
export function classifyPostgresFailure(error: unknown): unknown {
  if (error instanceof ServerError) return error;
  if (isDiskFull(error)) return databaseDiskFull(error);
  if (isDatabaseUnreachable(error)) return databaseUnavailable(error);
  if (isUniqueViolation(error)) return uniqueViolation(error);
  if (isTransactionConflict(error)) {
    return new ServerError(
      "UNAVAILABLE",
      "the write kept conflicting with concurrent writes on the PostgreSQL database and was not stored (nothing of it was kept); retry the same call",
      { retryable: true, cause: error },
    );
  }
  return error;
}
