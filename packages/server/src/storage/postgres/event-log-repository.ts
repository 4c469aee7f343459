import type { EventLogRepository } from "../repositories/event-log-repository.js";
import type { PgQueryable } from "./pg-queryable.js";

/** The PostgreSQL {@link EventLogRepository} over a pooled client or transaction. */
export function createPostgresEventLogRepository(_sql: PgQueryable): EventLogRepository {
  return {};
}
