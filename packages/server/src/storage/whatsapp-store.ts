import type { Database } from "better-sqlite3";
import { cachedStatement } from "./statement-cache.js";

/** One registered business number as stored (secrets included; never log this). */
export interface WhatsAppNumberRow {
  readonly id: number;
  readonly phoneNumberId: string;
  readonly accessToken: string;
  readonly appSecret: string;
  readonly verifyTokenHash: Buffer;
  readonly createdAt: number;
}

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

function toRow(columns: NumberColumns): WhatsAppNumberRow {
  return {
    id: columns.id,
    phoneNumberId: columns.phone_number_id,
    accessToken: columns.access_token,
    appSecret: columns.app_secret,
    verifyTokenHash: columns.verify_token_hash,
    createdAt: columns.created_at,
  };
}

/** Inserts a number and returns its id. The caller checks for a duplicate first. */
export function insertWhatsAppNumber(db: Database, row: Omit<WhatsAppNumberRow, "id">): number {
  const result = db
    .prepare<[string, string, string, Buffer, number]>(
      "INSERT INTO whatsapp_numbers (phone_number_id, access_token, app_secret, verify_token_hash, created_at) VALUES (?, ?, ?, ?, ?)",
    )
    .run(row.phoneNumberId, row.accessToken, row.appSecret, row.verifyTokenHash, row.createdAt);
  return Number(result.lastInsertRowid);
}

/** The number registered under Meta's `phone_number_id`, or undefined. */
export function findWhatsAppNumber(
  db: Database,
  phoneNumberId: string,
): WhatsAppNumberRow | undefined {
  const columns = cachedStatement<[string], NumberColumns>(
    db,
    `SELECT ${numberColumns} FROM whatsapp_numbers WHERE phone_number_id = ?`,
  ).get(phoneNumberId);
  return columns === undefined ? undefined : toRow(columns);
}

/** Every registered number, oldest first. */
export function listWhatsAppNumbers(db: Database): WhatsAppNumberRow[] {
  return cachedStatement<[], NumberColumns>(
    db,
    `SELECT ${numberColumns} FROM whatsapp_numbers ORDER BY id`,
  )
    .all()
    .map(toRow);
}

/** The distinct app secrets of the registered numbers (read on every webhook, so kept lean). */
export function listWhatsAppAppSecrets(db: Database): string[] {
  return cachedStatement<[], string>(db, "SELECT DISTINCT app_secret FROM whatsapp_numbers")
    .pluck()
    .all();
}

/** Deletes a number with its log and head; false when it was not registered. */
export function deleteWhatsAppNumber(db: Database, phoneNumberId: string): boolean {
  const found = findWhatsAppNumber(db, phoneNumberId);
  if (found === undefined) return false;
  db.prepare("DELETE FROM whatsapp_log WHERE number_id = ?").run(found.id);
  db.prepare("DELETE FROM whatsapp_heads WHERE number_id = ?").run(found.id);
  db.prepare("DELETE FROM whatsapp_numbers WHERE id = ?").run(found.id);
  return true;
}

/** The highest sequence of a number's log (0 when empty). */
export function readWhatsAppHead(db: Database, numberId: number): number {
  return (
    cachedStatement<[number], { head_sequence: number }>(
      db,
      "SELECT head_sequence FROM whatsapp_heads WHERE number_id = ?",
    ).get(numberId)?.head_sequence ?? 0
  );
}

/** One event to append: what kind it is and the key that recognises a redelivery. */
export interface WhatsAppAppendInput {
  /** 1 inbound message, 2 status update. */
  readonly kind: 1 | 2;
  readonly dedupeKey: string;
}

/** One appended row. */
export interface WhatsAppLogRow {
  readonly sequence: number;
  readonly payload: Uint8Array;
}

/**
 * Appends the inputs whose dedupe key the log does not hold yet (also among the inputs
 * themselves), numbering them after the head, and moves the head. `encode` builds each
 * payload once its sequence is known. Runs inside the caller's transaction.
 */
export function appendWhatsAppEvents<Input extends WhatsAppAppendInput>(
  db: Database,
  numberId: number,
  inputs: readonly Input[],
  recordedAt: number,
  encode: (sequence: number, input: Input) => Uint8Array,
): { readonly appended: WhatsAppLogRow[]; readonly duplicates: number } {
  const exists = cachedStatement<[number, string], { found: number }>(
    db,
    "SELECT 1 AS found FROM whatsapp_log WHERE number_id = ? AND dedupe_key = ?",
  );
  const insert = cachedStatement<[number, number, number, string, number, Uint8Array]>(
    db,
    "INSERT INTO whatsapp_log (number_id, sequence, kind, dedupe_key, recorded_at, payload) VALUES (?, ?, ?, ?, ?, ?)",
  );
  let head = readWhatsAppHead(db, numberId);
  const appended: WhatsAppLogRow[] = [];
  let duplicates = 0;
  for (const input of inputs) {
    if (exists.get(numberId, input.dedupeKey) !== undefined) {
      duplicates += 1;
      continue;
    }
    const sequence = head + 1;
    const payload = encode(sequence, input);
    insert.run(numberId, sequence, input.kind, input.dedupeKey, recordedAt, payload);
    head = sequence;
    appended.push({ sequence, payload });
  }
  if (appended.length > 0) {
    cachedStatement<[number, number]>(
      db,
      "INSERT INTO whatsapp_heads (number_id, head_sequence) VALUES (?, ?) ON CONFLICT (number_id) DO UPDATE SET head_sequence = excluded.head_sequence",
    ).run(numberId, head);
  }
  return { appended, duplicates };
}

/** Up to `limit` rows with `after < sequence <= upTo`, in sequence order. */
export function readWhatsAppPage(
  db: Database,
  numberId: number,
  after: number,
  upTo: number,
  limit: number,
): WhatsAppLogRow[] {
  return cachedStatement<[number, number, number, number], { sequence: number; payload: Buffer }>(
    db,
    "SELECT sequence, payload FROM whatsapp_log WHERE number_id = ? AND sequence > ? AND sequence <= ? ORDER BY sequence LIMIT ?",
  ).all(numberId, after, upTo, limit);
}
