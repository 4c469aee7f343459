/** One account as stored: its id and its normalised addresses, in the order they were added. */
export interface AccountRecord {
  readonly id: number;
  /** Normalised addresses (lower-case email or E.164 phone); the first is the primary one. */
  readonly addresses: readonly string[];
  /** The first address: the one this account sends as. */
  readonly primaryAddress: string;
}

/** One account as the administration list shows it. */
export interface AccountListing extends AccountRecord {
  /** When the account was created, epoch milliseconds. */
  readonly createdAt: number;
  /** Bearer tokens currently stored for it. */
  readonly tokenCount: number;
}

/** Which account an address belongs to. */
export interface AddressOwner {
  readonly address: string;
  readonly accountId: number;
}

/** A stored bearer token: never its text, only its SHA-256 hash. */
export interface StoredToken {
  readonly accountId: number;
  /** SHA-256 of the token text (32 bytes). */
  readonly hash: Uint8Array;
}

/** A token to store: the index key derived from its hash, and the hash. */
export interface TokenToStore {
  /** First 8 bytes of the hash, hex: the index key tokens are looked up by. */
  readonly lookupKey: string;
  /** SHA-256 of the token text. */
  readonly hash: Uint8Array;
}

/**
 * Accounts, their addresses and their bearer tokens (hashes only).
 *
 * Every method is async, takes and returns plain data (no driver types), and is
 * implemented by both engines: `storage/sqlite/` and `storage/postgres/`. Inside a
 * write it runs in the write's transaction; outside it reads committed data.
 */
export interface AccountRepository {
  /** The account with `accountId`, or undefined (an account without an address does not exist). */
  find(accountId: number): Promise<AccountRecord | undefined>;
  /**
   * The owners of those of `addresses` (already normalised) that belong to an account,
   * in the order of `addresses`; an address without an account is absent.
   */
  findOwners(addresses: readonly string[]): Promise<AddressOwner[]>;
  /** Number of accounts. */
  count(): Promise<number>;
  /** Every account, oldest (lowest id) first, with its addresses and its token count. */
  list(): Promise<AccountListing[]>;
  /**
   * Inserts an account with `addresses` (normalised, distinct, not yet owned: the
   * caller checks with {@link findOwners} first, inside the same write) and resolves
   * with its new id. Address positions follow the array order.
   */
  insert(addresses: readonly string[], createdAt: number): Promise<number>;
  /** The stored tokens whose lookup key is `lookupKey` (usually one; the hash decides). */
  findTokens(lookupKey: string): Promise<StoredToken[]>;
  /** Stores a token for the account. */
  insertToken(accountId: number, token: TokenToStore, createdAt: number): Promise<void>;
  /**
   * Deletes every token of the account; resolves with how many there were. Concurrent
   * calls for one account (two processes on PostgreSQL) run one after the other, each
   * deleting what the one before it committed.
   */
  deleteTokens(accountId: number): Promise<number>;
}
