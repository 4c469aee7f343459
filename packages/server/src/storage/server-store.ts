import type { Store } from "./write-context.js";

/**
 * What the server needs of its storage engine, whichever it is (SQLite's
 * `openSqliteStore`, PostgreSQL's `openPostgresStore`): the {@link Store}, its commit
 * counters and an orderly close.
 */
export interface ServerStore extends Store {
  /** Commits so far (of this process) and the writes they carried. */
  stats(): { readonly commits: number; readonly writes: number };
  /** Deletes events older than the retention's `maxAgeMs` now (it also runs on a timer). */
  expireOldEvents(): Promise<number>;
  /** Commits every queued write, then closes the engine. Later writes reject. */
  close(): Promise<void>;
}
