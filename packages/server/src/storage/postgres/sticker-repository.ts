import type { StickerRepository } from "../repositories/sticker-repository.js";
import type { PgQueryable } from "./pg-queryable.js";

/** The PostgreSQL {@link StickerRepository} over a pooled client or transaction. */
export function createPostgresStickerRepository(_sql: PgQueryable): StickerRepository {
  return {};
}
