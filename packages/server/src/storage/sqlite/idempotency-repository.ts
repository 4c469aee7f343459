import type { Database } from "better-sqlite3";
import type { IdempotencyRepository } from "../repositories/idempotency-repository.js";

/** The SQLite {@link IdempotencyRepository} over one connection. */
export function createSqliteIdempotencyRepository(_db: Database): IdempotencyRepository {
  return {};
}
