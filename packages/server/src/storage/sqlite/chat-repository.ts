import type { Database } from "better-sqlite3";
import type { ChatRepository } from "../repositories/chat-repository.js";

/** The SQLite {@link ChatRepository} over one connection. */
export function createSqliteChatRepository(_db: Database): ChatRepository {
  return {};
}
