/**
 * `@threadline/recovery/postgres`: a checkpoint store in PostgreSQL (needs the
 * optional peer `pg`), with exactly-once database effects via `exactlyOnce`.
 */
export {
  createPostgresCheckpointStore,
  type PostgresCheckpointStore,
  type PostgresCheckpointStoreOptions,
  type PostgresTransactionalHandler,
} from "./postgres-checkpoint-store.js";
