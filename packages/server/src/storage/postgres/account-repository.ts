import type { AccountRepository } from "../repositories/account-repository.js";
import type { PgQueryable } from "./pg-queryable.js";

/** The PostgreSQL {@link AccountRepository} over a pooled client or transaction. */
export function createPostgresAccountRepository(_sql: PgQueryable): AccountRepository {
  return {};
}
