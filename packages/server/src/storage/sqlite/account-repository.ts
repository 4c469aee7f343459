import type { Database } from "better-sqlite3";
import type { AccountRepository } from "../repositories/account-repository.js";

/** The SQLite {@link AccountRepository} over one connection. */
export function createSqliteAccountRepository(_db: Database): AccountRepository {
  return {};
}
