import type { IdempotencyRepository } from "../repositories/idempotency-repository.js";
import type { PgQueryable } from "./pg-queryable.js";

/** The PostgreSQL {@link IdempotencyRepository} over a pooled client or transaction. */
export function createPostgresIdempotencyRepository(sql: PgQueryable): IdempotencyRepository {
  return {
    async find(accountId, key) {
      const { rows } = await sql.query<{ fingerprint: string; response: Buffer }>(
        "SELECT fingerprint, response FROM idempotency_keys WHERE account_id = $1 AND key = $2",
        [accountId, key],
      );
      const row = rows[0];
      return row === undefined
        ? undefined
        : { fingerprint: row.fingerprint, response: row.response };
    },
    async insert(accountId, key, stored, createdAt) {
      await sql.query(
        "INSERT INTO idempotency_keys (account_id, key, fingerprint, response, created_at) VALUES ($1, $2, $3, $4, $5)",
        [accountId, key, stored.fingerprint, Buffer.from(stored.response), createdAt],
      );
    },
    async pruneBefore(createdBefore) {
      const result = await sql.query("DELETE FROM idempotency_keys WHERE created_at < $1", [
        createdBefore,
      ]);
      return result.rowCount ?? 0;
    },
  };
}
