import type { Database } from "better-sqlite3";
import type { EventLogRepository } from "../repositories/event-log-repository.js";

/** The SQLite {@link EventLogRepository} over one connection. */
export function createSqliteEventLogRepository(_db: Database): EventLogRepository {
  return {};
}
