/** One registered business number as stored (secrets included; never log it). */
export interface WhatsAppNumberRecord {
  readonly id: number;
  /** Meta's `phone_number_id` (digits). */
  readonly phoneNumberId: string;
  /** The Graph API access token, as given. */
  readonly accessToken: string;
  /** The app secret webhook signatures are made with, as given. */
  readonly appSecret: string;
  /** SHA-256 of the webhook verify token (the token itself is not kept). */
  readonly verifyTokenHash: Uint8Array;
  /** When it was registered, epoch milliseconds. */
  readonly createdAt: number;
}

/** A number to register: everything but the id, which storage assigns. */
export type WhatsAppNumberToStore = Omit<WhatsAppNumberRecord, "id">;

/** One stored event of a number's log. */
export interface WhatsAppLogRecord {
  readonly sequence: number;
  /** The encoded photon.whatsapp.v1.Event, cursor included. */
  readonly payload: Uint8Array;
}

/** What an inbound event is: 1 an inbound message, 2 a status update. */
export type WhatsAppEventKind = 1 | 2;

/** One event to store in a number's log, its sequence already assigned by the caller. */
export interface WhatsAppLogRowToStore {
  readonly sequence: number;
  readonly kind: WhatsAppEventKind;
  /** What recognises a redelivery: `m:<wamid>` or `s:<wamid>:<status>`; unique per number. */
  readonly dedupeKey: string;
  /** Epoch milliseconds. */
  readonly recordedAt: number;
  readonly payload: Uint8Array;
}

/**
 * WhatsApp business numbers and their per-number logs.
 *
 * A number's log is appended inside a write as: {@link lockHead} (the head, under the
 * number's head row lock on PostgreSQL, so concurrent appends for one number from
 * several processes serialise), {@link findDedupeKeys} (redeliveries to skip), then
 * {@link appendRows} with the next sequences. Sequences are contiguous from 1.
 *
 * Every method is async, takes and returns plain data (no driver types), and is
 * implemented by both engines: `storage/sqlite/` and `storage/postgres/`. Inside a
 * write it runs in the write's transaction; outside it reads committed data.
 */
export interface WhatsAppRepository {
  /** Stores a number and resolves with its id. The caller checks for a duplicate first. */
  insertNumber(number: WhatsAppNumberToStore): Promise<number>;
  /** The number registered under Meta's `phone_number_id`, or undefined. */
  findNumber(phoneNumberId: string): Promise<WhatsAppNumberRecord | undefined>;
  /** Every registered number, oldest (lowest id) first. */
  listNumbers(): Promise<WhatsAppNumberRecord[]>;
  /** The distinct app secrets of the registered numbers (read on every webhook: keep it lean). */
  listAppSecrets(): Promise<string[]>;
  /** Deletes a number with its log and head; false when it was not registered. */
  deleteNumber(phoneNumberId: string): Promise<boolean>;
  /** The highest sequence of a number's log (0 when empty), committed data. */
  readHead(numberId: number): Promise<number>;
  /**
   * Inside a write: the head of a number's log (0 when empty), locked until the write's
   * transaction ends (PostgreSQL: the head row lock, created when missing; SQLite: the
   * write transaction already excludes other writers).
   */
  lockHead(numberId: number): Promise<number>;
  /** Which of `dedupeKeys` the number's log holds already (in any order). */
  findDedupeKeys(numberId: number, dedupeKeys: readonly string[]): Promise<string[]>;
  /**
   * Stores `rows` (sequences following the locked head, in order, dedupe keys not yet
   * stored) and moves the head to the last one. Does nothing for no rows.
   */
  appendRows(numberId: number, rows: readonly WhatsAppLogRowToStore[]): Promise<void>;
  /** Up to `limit` events with `afterSequence < sequence <= upToSequence`, in sequence order. */
  readPage(
    numberId: number,
    afterSequence: number,
    upToSequence: number,
    limit: number,
  ): Promise<WhatsAppLogRecord[]>;
}
