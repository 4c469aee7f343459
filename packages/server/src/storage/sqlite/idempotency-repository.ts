import type { Database } from "better-sqlite3";
import type {
  IdempotencyRepository,
  StoredResponse,
} from "../repositories/idempotency-repository.js";
import { cachedStatement } from "../statement-cache.js";

/** The SQLite {@link IdempotencyRepository} over one connection. */
export function createSqliteIdempotencyRepository(db: Database): IdempotencyRepository {
  return {
    async find(accountId, key) {
      const row = cachedStatement<[number, string], { fingerprint: string; response: Buffer }>(
        db,
        "SELECT fingerprint, response FROM idempotency_keys WHERE account_id = ? AND key = ?",
      ).get(accountId, key);
      return row === undefined
        ? undefined
        : { fingerprint: row.fingerprint, response: row.response };
    },
    async insert(accountId, key, stored: StoredResponse, createdAt) {
      cachedStatement<[number, string, string, Uint8Array, number]>(
        db,
        "INSERT INTO idempotency_keys (account_id, key, fingerprint, response, created_at) VALUES (?, ?, ?, ?, ?)",
      ).run(accountId, key, stored.fingerprint, stored.response, createdAt);
    },
    async pruneBefore(createdBefore) {
      return cachedStatement<[number]>(db, "DELETE FROM idempotency_keys WHERE created_at < ?").run(
        createdBefore,
      ).changes;
    },
  };
}
