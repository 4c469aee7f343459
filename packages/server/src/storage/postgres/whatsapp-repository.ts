import type {
  WhatsAppLogRecord,
  WhatsAppNumberRecord,
  WhatsAppRepository,
} from "../repositories/whatsapp-repository.js";
import { whatsappWakeUpChannel } from "./log-wake-up.js";
import { integerFromPg } from "./pg-integer.js";
import type { PgQueryable } from "./pg-queryable.js";

interface NumberColumns {
  readonly id: string;
  readonly phone_number_id: string;
  readonly access_token: string;
  readonly app_secret: string;
  readonly verify_token_hash: Buffer;
  readonly created_at: string;
}

const numberColumns =
  "id, phone_number_id, access_token, app_secret, verify_token_hash, created_at";

function toRecord(columns: NumberColumns): WhatsAppNumberRecord {
  return {
    id: integerFromPg(columns.id, "whatsapp_numbers.id"),
    phoneNumberId: columns.phone_number_id,
    accessToken: columns.access_token,
    appSecret: columns.app_secret,
    verifyTokenHash: columns.verify_token_hash,
    createdAt: integerFromPg(columns.created_at, "whatsapp_numbers.created_at"),
  };
}

/** The PostgreSQL {@link WhatsAppRepository} over a pooled client or transaction. */
export function createPostgresWhatsAppRepository(sql: PgQueryable): WhatsAppRepository {
  return {
    async insertNumber(number) {
      const { rows } = await sql.query<{ id: string }>(
        "INSERT INTO whatsapp_numbers (phone_number_id, access_token, app_secret, verify_token_hash, created_at) VALUES ($1, $2, $3, $4, $5) RETURNING id",
        [
          number.phoneNumberId,
          number.accessToken,
          number.appSecret,
          number.verifyTokenHash,
          number.createdAt,
        ],
      );
      return integerFromPg(rows[0]?.id, "whatsapp_numbers.id");
    },
    async findNumber(phoneNumberId) {
      const { rows } = await sql.query<NumberColumns>(
        `SELECT ${numberColumns} FROM whatsapp_numbers WHERE phone_number_id = $1`,
        [phoneNumberId],
      );
      const row = rows[0];
      return row === undefined ? undefined : toRecord(row);
    },
    async listNumbers() {
      const { rows } = await sql.query<NumberColumns>(
        `SELECT ${numberColumns} FROM whatsapp_numbers ORDER BY id`,
      );
      return rows.map(toRecord);
    },
    async listAppSecrets() {
      const { rows } = await sql.query<{ app_secret: string }>(
        "SELECT DISTINCT app_secret FROM whatsapp_numbers",
      );
      return rows.map((row) => row.app_secret);
    },
    async deleteNumber(phoneNumberId) {
      const { rows } = await sql.query<{ id: string }>(
        "DELETE FROM whatsapp_numbers WHERE phone_number_id = $1 RETURNING id",
        [phoneNumberId],
      );
      const row = rows[0];
      if (row === undefined) return false;
      const numberId = integerFromPg(row.id, "whatsapp_numbers.id");
      // An append holds the head's lock (creating the head when missing) until it
      // commits: taking it the same way here waits for such an append, so the log's
      // DELETE, a later statement, sees (and removes) the rows it appended; a later
      // append waits for this removal and then finds the number gone.
      await sql.query(
        `INSERT INTO whatsapp_heads (number_id, head_sequence) VALUES ($1, 0)
         ON CONFLICT (number_id) DO UPDATE SET head_sequence = whatsapp_heads.head_sequence`,
        [numberId],
      );
      await sql.query("DELETE FROM whatsapp_log WHERE number_id = $1", [numberId]);
      await sql.query("DELETE FROM whatsapp_heads WHERE number_id = $1", [numberId]);
      return true;
    },
    async readHead(numberId) {
      const { rows } = await sql.query<{ head_sequence: string }>(
        "SELECT head_sequence FROM whatsapp_heads WHERE number_id = $1",
        [numberId],
      );
      return integerFromPg(rows[0]?.head_sequence ?? 0, "whatsapp_heads.head_sequence");
    },
    async lockHead(numberId) {
      // One round trip: the upsert creates a missing head at 0 or row-locks the existing
      // one, and RETURNING gives the newest committed head even under READ COMMITTED,
      // so a second process appending to the number waits here for this one's COMMIT.
      const { rows } = await sql.query<{ head_sequence: string }>(
        `INSERT INTO whatsapp_heads (number_id, head_sequence) VALUES ($1, 0)
         ON CONFLICT (number_id) DO UPDATE SET head_sequence = whatsapp_heads.head_sequence
         RETURNING head_sequence`,
        [numberId],
      );
      return integerFromPg(rows[0]?.head_sequence, "whatsapp_heads.head_sequence");
    },
    async findDedupeKeys(numberId, dedupeKeys) {
      if (dedupeKeys.length === 0) return [];
      const { rows } = await sql.query<{ dedupe_key: string }>(
        "SELECT dedupe_key FROM whatsapp_log WHERE number_id = $1 AND dedupe_key = ANY($2::text[])",
        [numberId, dedupeKeys],
      );
      return rows.map((row) => row.dedupe_key);
    },
    async appendRows(numberId, rows) {
      const last = rows.at(-1);
      if (last === undefined) return;
      await sql.query(
        `INSERT INTO whatsapp_log (number_id, sequence, kind, dedupe_key, recorded_at, payload)
         SELECT $1, appended.* FROM unnest($2::bigint[], $3::smallint[], $4::text[], $5::bigint[], $6::bytea[])
           AS appended (sequence, kind, dedupe_key, recorded_at, payload)`,
        [
          numberId,
          rows.map((row) => row.sequence),
          rows.map((row) => row.kind),
          rows.map((row) => row.dedupeKey),
          rows.map((row) => row.recordedAt),
          rows.map((row) => row.payload),
        ],
      );
      // The head moves and a wake-up ("number:head", see log-wake-up.ts) is queued with
      // the transaction in one statement; PostgreSQL delivers it to the other processes'
      // listeners only at COMMIT, and they read the rows themselves.
      await sql.query(
        `WITH head AS (
           INSERT INTO whatsapp_heads (number_id, head_sequence) VALUES ($1, $2)
           ON CONFLICT (number_id) DO UPDATE SET head_sequence = excluded.head_sequence
           RETURNING number_id, head_sequence
         )
         SELECT pg_notify($3, head.number_id::text || ':' || head.head_sequence::text) FROM head`,
        [numberId, last.sequence, whatsappWakeUpChannel],
      );
    },
    async readPage(numberId, afterSequence, upToSequence, limit) {
      const { rows } = await sql.query<{ sequence: string; payload: Buffer }>(
        "SELECT sequence, payload FROM whatsapp_log WHERE number_id = $1 AND sequence > $2 AND sequence <= $3 ORDER BY sequence LIMIT $4",
        [numberId, afterSequence, upToSequence, limit],
      );
      return rows.map(
        (row): WhatsAppLogRecord => ({
          sequence: integerFromPg(row.sequence, "whatsapp_log.sequence"),
          payload: row.payload,
        }),
      );
    },
  };
}
