import { whatsappWakeUpChannel } from "./log-wake-up.js";
import { integerFromPg } from "./pg-integer.js";
import type { LogFeedSource } from "./postgres-log-feeds.js";

/** A committed event of a WhatsApp number's log, as live streams carry it. */
export interface NumberLogEvent {
  /** The number's id (whatsapp_numbers.id); named as every live log's id is. */
  readonly accountId: number;
  readonly sequence: number;
  /** The encoded photon.whatsapp.v1.Event, cursor included. */
  readonly payload: Uint8Array;
}

/**
 * The WhatsApp number logs as the log follower reads them: heads in whatsapp_heads,
 * rows in whatsapp_log, wake-ups on {@link whatsappWakeUpChannel} (sent by the
 * repository's appendRows inside the append transaction).
 */
export const whatsappLogSource: LogFeedSource<NumberLogEvent> = {
  channel: whatsappWakeUpChannel,
  async readHeads(sql, ids) {
    const { rows } = await sql.query<{ number_id: string; head_sequence: string }>(
      ids === undefined
        ? "SELECT number_id, head_sequence FROM whatsapp_heads"
        : "SELECT number_id, head_sequence FROM whatsapp_heads WHERE number_id = ANY($1::bigint[])",
      ids === undefined ? [] : [ids],
    );
    return rows.map((row) => ({
      id: integerFromPg(row.number_id, "whatsapp_heads.number_id"),
      headSequence: integerFromPg(row.head_sequence, "whatsapp_heads.head_sequence"),
    }));
  },
  async readEvents(sql, id, after, upTo, limit) {
    const { rows } = await sql.query<{ sequence: string; payload: Buffer }>(
      "SELECT sequence, payload FROM whatsapp_log WHERE number_id = $1 AND sequence > $2 AND sequence <= $3 ORDER BY sequence LIMIT $4",
      [id, after, upTo, limit],
    );
    return rows.map((row) => ({
      accountId: id,
      sequence: integerFromPg(row.sequence, "whatsapp_log.sequence"),
      payload: row.payload,
    }));
  },
};
