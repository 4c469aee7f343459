import BetterSqlite3, { type Database } from "better-sqlite3";
import { migrate } from "./migrate.js";
import { dataFileFailure } from "./storage-failure.js";

/** WAL pages after which a write connection checkpoints by itself (in its own thread). */
export const selfCheckpointPages = 10_000;
/** The same while the background checkpointer runs: only if it cannot keep up. */
export const fallbackCheckpointPages = 40_000;

/**
 * Opens the file, sets WAL and `synchronous=FULL`, and migrates it; a file that cannot
 * be opened or written (read-only, a missing directory, not a database) becomes a
 * {@link DataFileError} naming the file and the cause.
 */
export function openDataFile(path: string): Database {
  let db: Database | undefined;
  try {
    db = new BetterSqlite3(path);
    db.pragma("journal_mode = WAL");
    db.pragma("synchronous = FULL");
    db.pragma("foreign_keys = ON");
    // Only while opening and migrating; afterwards writes never wait inside SQLite.
    db.pragma("busy_timeout = 5000");
    db.pragma("cache_size = -65536");
    // Checkpoint every ~40 MiB of WAL instead of ~4 MiB: each checkpoint costs fsyncs
    // of its own, and fewer, larger ones measurably raise durable append throughput.
    // (Once the background checkpointer runs, this is only its fallback.)
    db.pragma(`wal_autocheckpoint = ${selfCheckpointPages}`);
    migrate(db);
    return db;
  } catch (error) {
    if (db?.open) db.close();
    throw dataFileFailure(path, error);
  }
}

/** A connection on the (already migrated) file, for reads of committed data. */
export function openReadConnection(path: string): Database {
  try {
    const reader = new BetterSqlite3(path, { fileMustExist: true });
    reader.pragma("busy_timeout = 5000");
    reader.pragma("cache_size = -65536");
    return reader;
  } catch (error) {
    throw dataFileFailure(path, error);
  }
}

/**
 * The write connection of SQLite's writer thread, on a file the main thread has already
 * created and migrated: WAL, `synchronous=FULL` (every COMMIT is fsync'd), foreign keys.
 */
export function openWriteConnection(path: string, autocheckpointPages: number): Database {
  let db: Database | undefined;
  try {
    db = new BetterSqlite3(path, { fileMustExist: true });
    db.pragma("busy_timeout = 5000");
    db.pragma("journal_mode = WAL");
    db.pragma("synchronous = FULL");
    db.pragma("foreign_keys = ON");
    db.pragma("cache_size = -65536");
    db.pragma(`wal_autocheckpoint = ${autocheckpointPages}`);
    return db;
  } catch (error) {
    if (db?.open) db.close();
    throw dataFileFailure(path, error);
  }
}
