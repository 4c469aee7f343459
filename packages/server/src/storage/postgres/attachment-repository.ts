import type { AttachmentRepository } from "../repositories/attachment-repository.js";
import type { PgQueryable } from "./pg-queryable.js";

/** The PostgreSQL {@link AttachmentRepository} over a pooled client or transaction. */
export function createPostgresAttachmentRepository(_sql: PgQueryable): AttachmentRepository {
  return {};
}
