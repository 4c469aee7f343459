import type { Database } from "better-sqlite3";
import type { StickerRepository } from "../repositories/sticker-repository.js";

/** The SQLite {@link StickerRepository} over one connection. */
export function createSqliteStickerRepository(_db: Database): StickerRepository {
  return {};
}
