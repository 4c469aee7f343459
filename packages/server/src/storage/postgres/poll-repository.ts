import type { PollRepository } from "../repositories/poll-repository.js";
import type { PgQueryable } from "./pg-queryable.js";

/** The PostgreSQL {@link PollRepository} over a pooled client or transaction. */
export function createPostgresPollRepository(_sql: PgQueryable): PollRepository {
  return {};
}
