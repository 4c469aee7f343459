import type { Database } from "better-sqlite3";
import type { PollRepository } from "../repositories/poll-repository.js";

/** The SQLite {@link PollRepository} over one connection. */
export function createSqlitePollRepository(_db: Database): PollRepository {
  return {};
}
