import type { MiniAppRepository } from "../repositories/mini-app-repository.js";
import type { PgQueryable } from "./pg-queryable.js";

/** The PostgreSQL {@link MiniAppRepository} over a pooled client or transaction. */
export function createPostgresMiniAppRepository(_sql: PgQueryable): MiniAppRepository {
  return {};
}
