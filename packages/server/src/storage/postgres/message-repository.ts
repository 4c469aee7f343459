import type { MessageRepository } from "../repositories/message-repository.js";
import type { PgQueryable } from "./pg-queryable.js";

/** The PostgreSQL {@link MessageRepository} over a pooled client or transaction. */
export function createPostgresMessageRepository(_sql: PgQueryable): MessageRepository {
  return {};
}
