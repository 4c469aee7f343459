import type { Database } from "better-sqlite3";
import { cachedStatement } from "../storage/statement-cache.js";
import type { WriteContext } from "../storage/write-context.js";

/**
 * Whether the account has said that Focus silences its notifications. An account that
 * never set a status is not silenced.
 */
export function focusStatusOf(db: Database, accountId: number): boolean {
  const row = cachedStatement<[number], { is_silenced: number }>(
    db,
    "SELECT is_silenced FROM focus_statuses WHERE account_id = ?",
  ).get(accountId);
  return row?.is_silenced === 1;
}

/**
 * Replaces the account's Focus status and returns the stored value. Setting the value
 * it already has changes nothing (not even the update time). It writes no log event:
 * the published event protocol has none for Focus, so clients read the status with
 * AddressService.GetFocusStatus. Run it inside `store.write`, so it is durable when the
 * write resolves.
 */
export function setFocusStatus(
  context: WriteContext,
  accountId: number,
  isSilenced: boolean,
): boolean {
  cachedStatement<[number, number, number], unknown>(
    context.db,
    `INSERT INTO focus_statuses (account_id, is_silenced, updated_at) VALUES (?, ?, ?)
     ON CONFLICT (account_id) DO UPDATE SET is_silenced = excluded.is_silenced,
       updated_at = excluded.updated_at
     WHERE focus_statuses.is_silenced <> excluded.is_silenced`,
  ).run(accountId, isSilenced ? 1 : 0, context.now.getTime());
  return focusStatusOf(context.db, accountId);
}
