import type { Database } from "better-sqlite3";
import type { MiniAppRepository } from "../repositories/mini-app-repository.js";

/** The SQLite {@link MiniAppRepository} over one connection. */
export function createSqliteMiniAppRepository(_db: Database): MiniAppRepository {
  return {};
}
