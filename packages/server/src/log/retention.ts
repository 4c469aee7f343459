import type { Database } from "better-sqlite3";

interface HeadRow {
  readonly account_id: number;
  readonly head_sequence: number;
  readonly retained_from: number;
}

/**
 * Deletes, per account, the prefix of the log recorded before `cutoffMs` and moves
 * `retained_from` past it, so the retained window stays contiguous. Each account's log
 * is walked from its oldest row in sequence order (rows are recorded in that order),
 * so the cost is the number of expired rows, with no time index to slow appends.
 * Returns the number of events deleted. Run it inside a write.
 */
export function expireEventsBefore(db: Database, cutoffMs: number): number {
  const heads = db
    .prepare<[], HeadRow>("SELECT account_id, head_sequence, retained_from FROM log_heads")
    .all();
  const firstKept = db.prepare<[number, number], { sequence: number }>(
    "SELECT sequence FROM event_log WHERE account_id = ? AND recorded_at >= ? ORDER BY sequence LIMIT 1",
  );
  const remove = db.prepare("DELETE FROM event_log WHERE account_id = ? AND sequence < ?");
  const advance = db.prepare(
    "UPDATE log_heads SET retained_from = MAX(retained_from, ?) WHERE account_id = ?",
  );
  let deleted = 0;
  for (const head of heads) {
    if (head.retained_from > head.head_sequence) continue;
    const keepFrom = firstKept.get(head.account_id, cutoffMs)?.sequence ?? head.head_sequence + 1;
    if (keepFrom <= head.retained_from) continue;
    deleted += remove.run(head.account_id, keepFrom).changes;
    advance.run(keepFrom, head.account_id);
  }
  return deleted;
}
