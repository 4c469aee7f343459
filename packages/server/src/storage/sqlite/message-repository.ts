import type { Database } from "better-sqlite3";
import type { MessageRepository } from "../repositories/message-repository.js";

/** The SQLite {@link MessageRepository} over one connection. */
export function createSqliteMessageRepository(_db: Database): MessageRepository {
  return {};
}
