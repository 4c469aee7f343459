import type { Database } from "better-sqlite3";
import type {
  WhatsAppLogRecord,
  WhatsAppNumberRecord,
  WhatsAppRepository,
} from "../repositories/whatsapp-repository.js";
import { cachedStatement } from "../statement-cache.js";

interface NumberColumns {
  readonly id: number;
  readonly phone_number_id: string;
  readonly access_token: string;
  readonly app_secret: string;
  readonly verify_token_hash: Buffer;
  readonly created_at: number;
}

const numberColumns =
  "id, phone_number_id, access_token, app_secret, verify_token_hash, created_at";

function toRecord(columns: NumberColumns): WhatsAppNumberRecord {
  return {
    id: columns.id,
    phoneNumberId: columns.phone_number_id,
    accessToken: columns.access_token,
    appSecret: columns.app_secret,
    verifyTokenHash: columns.verify_token_hash,
    createdAt: columns.created_at,
  };
}

function readHead(db: Database, numberId: number): number {
  return (
    cachedStatement<[number], { head_sequence: number }>(
      db,
      "SELECT head_sequence FROM whatsapp_heads WHERE number_id = ?",
    ).get(numberId)?.head_sequence ?? 0
  );
}

function findNumber(db: Database, phoneNumberId: string): WhatsAppNumberRecord | undefined {
  const columns = cachedStatement<[string], NumberColumns>(
    db,
    `SELECT ${numberColumns} FROM whatsapp_numbers WHERE phone_number_id = ?`,
  ).get(phoneNumberId);
  return columns === undefined ? undefined : toRecord(columns);
}

/** The SQLite {@link WhatsAppRepository} over one connection. */
export function createSqliteWhatsAppRepository(db: Database): WhatsAppRepository {
  return {
    async insertNumber(number) {
      const result = cachedStatement<[string, string, string, Uint8Array, number]>(
        db,
        "INSERT INTO whatsapp_numbers (phone_number_id, access_token, app_secret, verify_token_hash, created_at) VALUES (?, ?, ?, ?, ?)",
      ).run(
        number.phoneNumberId,
        number.accessToken,
        number.appSecret,
        number.verifyTokenHash,
        number.createdAt,
      );
      return Number(result.lastInsertRowid);
    },
    async findNumber(phoneNumberId) {
      return findNumber(db, phoneNumberId);
    },
    async listNumbers() {
      return cachedStatement<[], NumberColumns>(
        db,
        `SELECT ${numberColumns} FROM whatsapp_numbers ORDER BY id`,
      )
        .all()
        .map(toRecord);
    },
    async listAppSecrets() {
      return cachedStatement<[], string>(db, "SELECT DISTINCT app_secret FROM whatsapp_numbers")
        .pluck()
        .all();
    },
    async deleteNumber(phoneNumberId) {
      const found = findNumber(db, phoneNumberId);
      if (found === undefined) return false;
      cachedStatement<[number]>(db, "DELETE FROM whatsapp_log WHERE number_id = ?").run(found.id);
      cachedStatement<[number]>(db, "DELETE FROM whatsapp_heads WHERE number_id = ?").run(found.id);
      cachedStatement<[number]>(db, "DELETE FROM whatsapp_numbers WHERE id = ?").run(found.id);
      return true;
    },
    async readHead(numberId) {
      return readHead(db, numberId);
    },
    async lockHead(numberId) {
      // The write's transaction (BEGIN IMMEDIATE) already excludes every other writer.
      return readHead(db, numberId);
    },
    async findDedupeKeys(numberId, dedupeKeys) {
      const exists = cachedStatement<[number, string], { found: number }>(
        db,
        "SELECT 1 AS found FROM whatsapp_log WHERE number_id = ? AND dedupe_key = ?",
      );
      return dedupeKeys.filter((key) => exists.get(numberId, key) !== undefined);
    },
    async appendRows(numberId, rows) {
      const last = rows.at(-1);
      if (last === undefined) return;
      const insert = cachedStatement<[number, number, number, string, number, Uint8Array]>(
        db,
        "INSERT INTO whatsapp_log (number_id, sequence, kind, dedupe_key, recorded_at, payload) VALUES (?, ?, ?, ?, ?, ?)",
      );
      for (const row of rows) {
        insert.run(numberId, row.sequence, row.kind, row.dedupeKey, row.recordedAt, row.payload);
      }
      cachedStatement<[number, number]>(
        db,
        "INSERT INTO whatsapp_heads (number_id, head_sequence) VALUES (?, ?) ON CONFLICT (number_id) DO UPDATE SET head_sequence = excluded.head_sequence",
      ).run(numberId, last.sequence);
    },
    async readPage(numberId, afterSequence, upToSequence, limit) {
      return cachedStatement<[number, number, number, number], WhatsAppLogRecord>(
        db,
        "SELECT sequence, payload FROM whatsapp_log WHERE number_id = ? AND sequence > ? AND sequence <= ? ORDER BY sequence LIMIT ?",
      ).all(numberId, afterSequence, upToSequence, limit);
    },
  };
}
