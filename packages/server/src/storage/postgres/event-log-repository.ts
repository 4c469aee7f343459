import { kindFromCode } from "../event-kind-codes.js";
import type {
  EventLogRepository,
  LogFrame,
  LoggedEvent,
} from "../repositories/event-log-repository.js";
import { integerFromPg } from "./pg-integer.js";
import type { PgQueryable } from "./pg-queryable.js";

interface PageRow {
  readonly sequence: string;
  readonly kind: number;
  readonly chat_guid: string;
  readonly poll_guid: string | null;
  readonly payload: Buffer;
}

/** The PostgreSQL {@link EventLogRepository} over a pooled client or transaction. */
export function createPostgresEventLogRepository(sql: PgQueryable): EventLogRepository {
  return {
    async readState(accountId) {
      const { rows } = await sql.query<{ head_sequence: string; retained_from: string }>(
        "SELECT head_sequence, retained_from FROM log_heads WHERE account_id = $1",
        [accountId],
      );
      const row = rows[0];
      if (row === undefined) return { headSequence: 0, retainedFrom: 1 };
      return {
        headSequence: integerFromPg(row.head_sequence, "log_heads.head_sequence"),
        retainedFrom: integerFromPg(row.retained_from, "log_heads.retained_from"),
      };
    },

    async readPage(accountId, afterSequence, upToSequence, limit) {
      const { rows } = await sql.query<PageRow>(
        "SELECT sequence, kind, chat_guid, poll_guid, payload FROM event_log WHERE account_id = $1 AND sequence > $2 AND sequence <= $3 ORDER BY sequence LIMIT $4",
        [accountId, afterSequence, upToSequence, limit],
      );
      return rows.map(
        (row): LoggedEvent => ({
          accountId,
          sequence: integerFromPg(row.sequence, "event_log.sequence"),
          kind: kindFromCode(row.kind),
          chatGuid: row.chat_guid,
          pollGuid: row.poll_guid,
          payload: row.payload,
        }),
      );
    },

    async readFrames(accountId, afterSequence, upToSequence, limit) {
      // node-postgres decodes bytea into a Buffer itself; hex text would only cost more.
      const { rows } = await sql.query<{ sequence: string; kind: number; payload: Buffer }>(
        "SELECT sequence, kind, payload FROM event_log WHERE account_id = $1 AND sequence > $2 AND sequence <= $3 ORDER BY sequence LIMIT $4",
        [accountId, afterSequence, upToSequence, limit],
      );
      return rows.map(
        (row): LogFrame => ({
          sequence: integerFromPg(row.sequence, "event_log.sequence"),
          kind: kindFromCode(row.kind),
          payload: row.payload,
        }),
      );
    },

    async expireBefore(cutoffMs) {
      // Lock the heads first, in account order as appends take them, in a statement of
      // its own: the statements after it take a fresh snapshot, which then holds every
      // event appended to those accounts before the locks were granted.
      const { rows: locked } = await sql.query<{ account_id: string }>(
        "SELECT account_id FROM log_heads WHERE retained_from <= head_sequence ORDER BY account_id FOR UPDATE",
      );
      if (locked.length === 0) return 0;
      const accountIds = locked.map((row) => integerFromPg(row.account_id, "log_heads.account_id"));
      // Each account keeps its log from the first event recorded at or after the cutoff
      // (walking its sequence index from the oldest row), or nothing when every event is
      // older; a later event recorded before the cutoff stays, so the window is contiguous.
      const { rows } = await sql.query<{ deleted: string }>(
        `WITH keep AS (
           SELECT heads.account_id, heads.retained_from,
             COALESCE(
               (SELECT event_log.sequence FROM event_log
                 WHERE event_log.account_id = heads.account_id AND event_log.recorded_at >= $2
                 ORDER BY event_log.sequence LIMIT 1),
               heads.head_sequence + 1) AS keep_from
           FROM log_heads AS heads WHERE heads.account_id = ANY($1::bigint[])
         ), moved AS (
           SELECT account_id, keep_from FROM keep WHERE keep_from > retained_from
         ), removed AS (
           DELETE FROM event_log USING moved
           WHERE event_log.account_id = moved.account_id AND event_log.sequence < moved.keep_from
           RETURNING 1
         ), advanced AS (
           UPDATE log_heads SET retained_from = GREATEST(log_heads.retained_from, moved.keep_from)
           FROM moved WHERE log_heads.account_id = moved.account_id
           RETURNING 1
         )
         SELECT (SELECT COUNT(*) FROM removed) AS deleted, (SELECT COUNT(*) FROM advanced) AS advanced`,
        [accountIds, cutoffMs],
      );
      return integerFromPg(rows[0]?.deleted ?? 0, "COUNT(deleted events)");
    },
  };
}
