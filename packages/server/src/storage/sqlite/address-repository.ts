import type { Database } from "better-sqlite3";
import type { AddressRepository } from "../repositories/address-repository.js";
import { cachedStatement } from "../statement-cache.js";

/** The SQLite {@link AddressRepository} over one connection. */
export function createSqliteAddressRepository(db: Database): AddressRepository {
  return {
    async sharesAChat(address, viewerAddresses) {
      const statement = cachedStatement<[string, string], { found: number }>(
        db,
        `SELECT 1 AS found FROM chat_participants theirs
         JOIN chat_participants mine ON mine.chat_id = theirs.chat_id
         WHERE theirs.address = ? AND mine.address = ? LIMIT 1`,
      );
      return viewerAddresses.some((own) => statement.get(address, own) !== undefined);
    },

    async focusStatus(accountId) {
      const row = cachedStatement<[number], { is_silenced: number }>(
        db,
        "SELECT is_silenced FROM focus_statuses WHERE account_id = ?",
      ).get(accountId);
      return row?.is_silenced === 1;
    },

    async setFocusStatus(accountId, isSilenced, updatedAt) {
      cachedStatement<[number, number, number]>(
        db,
        `INSERT INTO focus_statuses (account_id, is_silenced, updated_at) VALUES (?, ?, ?)
         ON CONFLICT (account_id) DO UPDATE SET is_silenced = excluded.is_silenced,
           updated_at = excluded.updated_at
         WHERE focus_statuses.is_silenced <> excluded.is_silenced`,
      ).run(accountId, isSilenced ? 1 : 0, updatedAt);
    },
  };
}
