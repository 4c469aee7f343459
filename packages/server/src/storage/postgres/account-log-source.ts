import { kindFromCode } from "../event-kind-codes.js";
import type { LoggedEvent } from "../repositories/event-log-repository.js";
import { logWakeUpChannel } from "./log-wake-up.js";
import { integerFromPg } from "./pg-integer.js";
import type { LogFeedSource } from "./postgres-log-feeds.js";

/**
 * The per-account (iMessage) logs as the log follower reads them: heads in log_heads,
 * rows in event_log, wake-ups on {@link logWakeUpChannel} (sent by the append inside
 * its transaction, so that they arrive at COMMIT).
 */
export const accountLogSource: LogFeedSource<LoggedEvent> = {
  channel: logWakeUpChannel,
  async readHeads(sql, ids) {
    const { rows } = await sql.query<{ account_id: string; head_sequence: string }>(
      ids === undefined
        ? "SELECT account_id, head_sequence FROM log_heads"
        : "SELECT account_id, head_sequence FROM log_heads WHERE account_id = ANY($1::bigint[])",
      ids === undefined ? [] : [ids],
    );
    return rows.map((row) => ({
      id: integerFromPg(row.account_id, "log_heads.account_id"),
      headSequence: integerFromPg(row.head_sequence, "log_heads.head_sequence"),
    }));
  },
  async readEvents(sql, id, after, upTo, limit) {
    const { rows } = await sql.query<{
      sequence: string;
      kind: number;
      chat_guid: string;
      poll_guid: string | null;
      payload: Buffer;
    }>(
      "SELECT sequence, kind, chat_guid, poll_guid, payload FROM event_log WHERE account_id = $1 AND sequence > $2 AND sequence <= $3 ORDER BY sequence LIMIT $4",
      [id, after, upTo, limit],
    );
    return rows.map((row) => ({
      accountId: id,
      sequence: integerFromPg(row.sequence, "event_log.sequence"),
      kind: kindFromCode(row.kind),
      chatGuid: row.chat_guid,
      pollGuid: row.poll_guid,
      payload: row.payload,
    }));
  },
};
