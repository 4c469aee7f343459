import type { AddressRepository } from "../repositories/address-repository.js";
import type { PgQueryable } from "./pg-queryable.js";

/** The PostgreSQL {@link AddressRepository} over a pooled client or transaction. */
export function createPostgresAddressRepository(sql: PgQueryable): AddressRepository {
  return {
    async sharesAChat(address, viewerAddresses) {
      if (viewerAddresses.length === 0) return false;
      const { rows } = await sql.query<{ found: boolean }>(
        `SELECT EXISTS (
           SELECT 1 FROM chat_participants theirs
           JOIN chat_participants mine ON mine.chat_id = theirs.chat_id
           WHERE theirs.address = $1 AND mine.address = ANY($2::text[])
         ) AS found`,
        [address, viewerAddresses],
      );
      return rows[0]?.found ?? false;
    },

    async focusStatus(accountId) {
      const { rows } = await sql.query<{ is_silenced: boolean }>(
        "SELECT is_silenced FROM focus_statuses WHERE account_id = $1",
        [accountId],
      );
      return rows[0]?.is_silenced ?? false;
    },

    async setFocusStatus(accountId, isSilenced, updatedAt) {
      // The WHERE keeps a repeat of the current value from touching the update time.
      await sql.query(
        `INSERT INTO focus_statuses (account_id, is_silenced, updated_at) VALUES ($1, $2, $3)
         ON CONFLICT (account_id) DO UPDATE SET is_silenced = excluded.is_silenced,
           updated_at = excluded.updated_at
         WHERE focus_statuses.is_silenced <> excluded.is_silenced`,
        [accountId, isSilenced, updatedAt],
      );
    },
  };
}
