import { ServerError } from "../errors/server-error.js";

/** SQLite result codes that mean the disk (or the file's size limit) has no room left. */
const fullCodes = new Set(["SQLITE_FULL"]);

/** The driver's error code (`SQLITE_FULL`, `SQLITE_IOERR_WRITE`, …), when there is one. */
function sqliteCode(error: unknown): string | undefined {
  if (!(error instanceof Error)) return undefined;
  const code = Reflect.get(error, "code");
  return typeof code === "string" ? code : undefined;
}

/** Whether a storage failure means the disk is full (SQLITE_FULL, or ENOSPC underneath). */
export function isStorageFull(error: unknown): boolean {
  const code = sqliteCode(error);
  if (code !== undefined && fullCodes.has(code)) return true;
  return error instanceof Error && /\bENOSPC\b|database or disk is full/.test(error.message);
}

/**
 * The error a client gets for a failed commit: a full disk becomes STORAGE_FULL
 * (retryable: nothing was stored, and the same call succeeds once space is freed);
 * anything else is returned unchanged.
 */
export function classifyStorageFailure(error: unknown): unknown {
  if (!isStorageFull(error)) return error;
  return new ServerError(
    "STORAGE_FULL",
    "the server's disk is full, so this write was not stored (nothing of it was kept); writes resume once space is freed on the server, so retry the same call later",
    { retryable: true, cause: error },
  );
}
