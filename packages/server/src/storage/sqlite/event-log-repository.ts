import type { Database } from "better-sqlite3";
import { kindFromCode } from "../event-kind-codes.js";
import type {
  EventLogRepository,
  LogFrame,
  LoggedEvent,
} from "../repositories/event-log-repository.js";
import { cachedStatement } from "../statement-cache.js";

type PageRow = [
  sequence: number,
  kind: number,
  chatGuid: string,
  pollGuid: string | null,
  payload: Buffer,
];

type FrameRow = [sequence: number, kind: number, payloadHex: string];

interface HeadRow {
  readonly account_id: number;
  readonly head_sequence: number;
  readonly retained_from: number;
}

/** The SQLite {@link EventLogRepository} over one connection. */
export function createSqliteEventLogRepository(db: Database): EventLogRepository {
  return {
    async readState(accountId) {
      const row = cachedStatement<[number], HeadRow>(
        db,
        "SELECT account_id, head_sequence, retained_from FROM log_heads WHERE account_id = ?",
      ).get(accountId);
      if (row === undefined) return { headSequence: 0, retainedFrom: 1 };
      return { headSequence: row.head_sequence, retainedFrom: row.retained_from };
    },

    async readPage(accountId, afterSequence, upToSequence, limit) {
      const rows = cachedStatement<[number, number, number, number], PageRow>(
        db,
        "SELECT sequence, kind, chat_guid, poll_guid, payload FROM event_log WHERE account_id = ? AND sequence > ? AND sequence <= ? ORDER BY sequence LIMIT ?",
      )
        .raw(true)
        .all(accountId, afterSequence, upToSequence, limit);
      return rows.map(
        ([sequence, kind, chatGuid, pollGuid, payload]): LoggedEvent => ({
          accountId,
          sequence,
          kind: kindFromCode(kind),
          chatGuid,
          pollGuid,
          payload,
        }),
      );
    },

    async readFrames(accountId, afterSequence, upToSequence, limit) {
      // hex(payload): better-sqlite3 returns a short string much faster than a Buffer per row.
      const rows = cachedStatement<[number, number, number, number], FrameRow>(
        db,
        "SELECT sequence, kind, hex(payload) FROM event_log WHERE account_id = ? AND sequence > ? AND sequence <= ? ORDER BY sequence LIMIT ?",
      )
        .raw(true)
        .all(accountId, afterSequence, upToSequence, limit);
      const frames: LogFrame[] = new Array(rows.length);
      for (let index = 0; index < rows.length; index += 1) {
        const row = rows[index];
        if (row === undefined) continue;
        frames[index] = { sequence: row[0], kind: kindFromCode(row[1]), payloadHex: row[2] };
      }
      return frames;
    },

    async expireBefore(cutoffMs) {
      const heads = cachedStatement<[], HeadRow>(
        db,
        "SELECT account_id, head_sequence, retained_from FROM log_heads",
      ).all();
      // Each account's log is walked from its oldest row in sequence order (rows are
      // recorded in that order), so the cost is the number of expired rows, with no
      // time index to slow appends.
      const firstKept = cachedStatement<[number, number], { sequence: number }>(
        db,
        "SELECT sequence FROM event_log WHERE account_id = ? AND recorded_at >= ? ORDER BY sequence LIMIT 1",
      );
      const remove = cachedStatement<[number, number]>(
        db,
        "DELETE FROM event_log WHERE account_id = ? AND sequence < ?",
      );
      const advance = cachedStatement<[number, number]>(
        db,
        "UPDATE log_heads SET retained_from = MAX(retained_from, ?) WHERE account_id = ?",
      );
      let deleted = 0;
      for (const head of heads) {
        if (head.retained_from > head.head_sequence) continue;
        const keepFrom =
          firstKept.get(head.account_id, cutoffMs)?.sequence ?? head.head_sequence + 1;
        if (keepFrom <= head.retained_from) continue;
        deleted += remove.run(head.account_id, keepFrom).changes;
        advance.run(keepFrom, head.account_id);
      }
      return deleted;
    },
  };
}
