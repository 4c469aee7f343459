import type { Database, Statement } from "better-sqlite3";
import type { Account } from "./account.js";

/** The tables whose rows decide which account, if any, a bearer token stands for. */
const identityTables = ["accounts", "account_addresses", "tokens"] as const;
const changeOperations = ["INSERT", "UPDATE", "DELETE"] as const;
const changedFunction = "threadline_identity_changed";
const maxEntries = 10_000;

interface TokenCache {
  readonly accounts: Map<string, Account>;
  readonly dataVersion: Statement<[], number>;
  /** `PRAGMA data_version` when the entries were loaded: moves on other connections' commits. */
  loadedAtDataVersion: number;
  /** Bumped by temp triggers whenever this connection changes an identity table. */
  ownChanges: number;
  loadedAtOwnChanges: number;
}

const caches = new WeakMap<Database, TokenCache>();

function cacheFor(db: Database): TokenCache {
  const existing = caches.get(db);
  if (existing !== undefined) return existing;
  const cache: TokenCache = {
    accounts: new Map(),
    dataVersion: db.prepare<[], number>("PRAGMA data_version").pluck(),
    loadedAtDataVersion: -1,
    ownChanges: 0,
    loadedAtOwnChanges: 0,
  };
  db.function(changedFunction, { deterministic: false }, () => {
    cache.ownChanges += 1;
    return null;
  });
  // Temp triggers see every change this connection makes, whichever code path makes it
  // (and a rolled-back change only costs a needless reload).
  for (const table of identityTables) {
    for (const operation of changeOperations) {
      db.exec(
        `CREATE TEMP TRIGGER IF NOT EXISTS ${changedFunction}_${table}_${operation.toLowerCase()} AFTER ${operation} ON main.${table} BEGIN SELECT ${changedFunction}(); END`,
      );
    }
  }
  caches.set(db, cache);
  return cache;
}

/**
 * The account `load` finds for a token, remembered under `tokenHash` (a digest, never
 * the token itself) for as long as no commit can have changed the answer: the
 * entries are dropped as soon as another connection or process commits anything to
 * the database file (`PRAGMA data_version`) or this connection changes the accounts,
 * addresses or tokens. A revoked token or a changed account is therefore seen on the
 * very next call, exactly as without the cache. Unknown tokens are never remembered.
 */
export function cachedTokenAccount(
  db: Database,
  tokenHash: string,
  load: () => Account | undefined,
): Account | undefined {
  const cache = cacheFor(db);
  const dataVersion = cache.dataVersion.get() ?? -1;
  if (dataVersion !== cache.loadedAtDataVersion || cache.ownChanges !== cache.loadedAtOwnChanges) {
    cache.accounts.clear();
    cache.loadedAtDataVersion = dataVersion;
    cache.loadedAtOwnChanges = cache.ownChanges;
  }
  const remembered = cache.accounts.get(tokenHash);
  if (remembered !== undefined) return remembered;
  const account = load();
  if (account !== undefined) {
    if (cache.accounts.size >= maxEntries) cache.accounts.clear();
    cache.accounts.set(tokenHash, account);
  }
  return account;
}
