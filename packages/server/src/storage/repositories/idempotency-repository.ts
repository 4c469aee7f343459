/** A stored first response to a keyed write. */
export interface StoredResponse {
  /** Hash of the method and the request without its key. */
  readonly fingerprint: string;
  /** The response as the method encodes it on the wire. */
  readonly response: Uint8Array;
}

/**
 * Idempotency keys, shared by every server process on one database.
 *
 * Every method is async, takes and returns plain data (no driver types), and is
 * implemented by both engines: `storage/sqlite/` and `storage/postgres/`. Inside a
 * write it runs in the write's transaction; outside it reads committed data.
 */
export interface IdempotencyRepository {
  /** The first response stored under `key` for the account, or undefined. */
  find(accountId: number, key: string): Promise<StoredResponse | undefined>;
  /**
   * Stores the first response under `key`. On PostgreSQL a second process inserting the
   * same key waits for the first one's commit and then fails on the unique key, so a
   * key is never stored twice.
   */
  insert(accountId: number, key: string, stored: StoredResponse, createdAt: number): Promise<void>;
  /** Deletes the keys stored before `createdBefore` (epoch ms); resolves with how many. */
  pruneBefore(createdBefore: number): Promise<number>;
}
