import type { ChatRepository } from "../repositories/chat-repository.js";
import type { PgQueryable } from "./pg-queryable.js";

/** The PostgreSQL {@link ChatRepository} over a pooled client or transaction. */
export function createPostgresChatRepository(_sql: PgQueryable): ChatRepository {
  return {};
}
