/**
 * `@threadline/recovery/sqlite`: a checkpoint store in SQLite (needs the optional
 * peer `better-sqlite3`), with exactly-once database effects via `exactlyOnce`.
 */
export {
  createSqliteCheckpointStore,
  type SqliteCheckpointStore,
  type SqliteCheckpointStoreOptions,
  type SqliteTransactionalHandler,
} from "./sqlite-checkpoint-store.js";
