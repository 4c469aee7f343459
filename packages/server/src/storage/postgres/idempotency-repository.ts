import type { IdempotencyRepository } from "../repositories/idempotency-repository.js";
import type { PgQueryable } from "./pg-queryable.js";

/** The PostgreSQL {@link IdempotencyRepository} over a pooled client or transaction. */
export function createPostgresIdempotencyRepository(_sql: PgQueryable): IdempotencyRepository {
  return {};
}
