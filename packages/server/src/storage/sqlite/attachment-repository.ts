import type { Database } from "better-sqlite3";
import type { AttachmentRepository } from "../repositories/attachment-repository.js";

/** The SQLite {@link AttachmentRepository} over one connection. */
export function createSqliteAttachmentRepository(_db: Database): AttachmentRepository {
  return {};
}
