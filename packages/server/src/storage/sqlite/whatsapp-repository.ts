import type { Database } from "better-sqlite3";
import type { WhatsAppRepository } from "../repositories/whatsapp-repository.js";

/** The SQLite {@link WhatsAppRepository} over one connection. */
export function createSqliteWhatsAppRepository(_db: Database): WhatsAppRepository {
  return {};
}
