import type { WhatsAppRepository } from "../repositories/whatsapp-repository.js";
import type { PgQueryable } from "./pg-queryable.js";

/** The PostgreSQL {@link WhatsAppRepository} over a pooled client or transaction. */
export function createPostgresWhatsAppRepository(_sql: PgQueryable): WhatsAppRepository {
  return {};
}
