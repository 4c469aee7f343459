import { accessSync, constants, existsSync } from "node:fs";
import { dirname } from "node:path";
import { DataFileError } from "../errors/data-file-error.js";
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

/**
 * Whether SQLite refused because another connection holds the lock it needs
 * (SQLITE_BUSY and its extended codes such as SQLITE_BUSY_SNAPSHOT).
 */
export function isDatabaseBusy(error: unknown): boolean {
  return sqliteCode(error)?.startsWith("SQLITE_BUSY") ?? false;
}

/**
 * The error for a write that waited `waitedMs` for the file's write lock while another
 * connection (another process) held it: UNAVAILABLE and retryable, since nothing of the
 * write was stored and the same call succeeds once the lock is released.
 */
export function storageBusy(waitedMs: number): ServerError {
  return new ServerError(
    "UNAVAILABLE",
    `the server's database file is locked by another process and stayed locked for ${waitedMs} ms, so this write was not stored (nothing of it was kept); retry the same call later`,
    { retryable: true },
  );
}

/** The access error for writing the file (or, when it does not exist, its directory). */
function writeAccessError(path: string): string | undefined {
  const target = existsSync(path) ? path : dirname(path);
  if (!existsSync(target)) return undefined;
  try {
    accessSync(target, constants.W_OK);
    return undefined;
  } catch (error) {
    const code = error instanceof Error ? Reflect.get(error, "code") : undefined;
    return typeof code === "string" ? code : "not writable";
  }
}

/** Why SQLite could not open or prepare a data file, in words, by its error code. */
function openFailureReason(path: string, error: unknown): string {
  const code = sqliteCode(error) ?? "";
  const said = error instanceof Error ? error.message : String(error);
  const denied = writeAccessError(path);
  if (denied !== undefined && !code.startsWith("SQLITE_NOTADB")) {
    return `it is read-only (${denied}: ${said}); the server writes the file and creates its -wal and -shm files beside it, so make the file and its directory writable or pick another --data`;
  }
  if (code.startsWith("SQLITE_READONLY")) {
    return `it is read-only (${said}); the server needs to write the file and create its -wal and -shm files beside it, so make the file and its directory writable or pick another --data`;
  }
  if (code.startsWith("SQLITE_CANTOPEN")) {
    return `it cannot be opened (${said}); check that its directory exists and is writable, or pick another --data`;
  }
  if (code === "SQLITE_NOTADB") {
    return `it is not a SQLite database (${said}); pick a new file or an existing Threadline data file with --data`;
  }
  if (code.startsWith("SQLITE_CORRUPT")) {
    return `it is damaged (${said}); restore it from a backup or pick another --data`;
  }
  if (isStorageFull(error)) {
    return `the disk is full (${said}); free some space and start again`;
  }
  if (code.startsWith("SQLITE_IOERR") || code.startsWith("SQLITE_PERM")) {
    return `reading or writing it failed (${said}); check the disk and the file's permissions`;
  }
  return said;
}

/** The {@link DataFileError} for a failure while opening or migrating `path`. */
export function dataFileFailure(path: string, error: unknown): DataFileError {
  return new DataFileError(path, openFailureReason(path, error), { cause: error });
}
