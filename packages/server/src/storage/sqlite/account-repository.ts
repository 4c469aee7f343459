import type { Database } from "better-sqlite3";
import type {
  AccountListing,
  AccountRecord,
  AccountRepository,
  AddressOwner,
  StoredToken,
} from "../repositories/account-repository.js";
import { cachedStatement } from "../statement-cache.js";

function findAccount(db: Database, id: number): AccountRecord | undefined {
  const addresses = cachedStatement<[number], string>(
    db,
    "SELECT address FROM account_addresses WHERE account_id = ? ORDER BY position",
  )
    .pluck()
    .all(id);
  const first = addresses[0];
  if (first === undefined) return undefined;
  return { id, addresses, primaryAddress: first };
}

/** The SQLite {@link AccountRepository} over one connection. */
export function createSqliteAccountRepository(db: Database): AccountRepository {
  return {
    async find(accountId) {
      return findAccount(db, accountId);
    },
    async findOwners(addresses) {
      const statement = cachedStatement<[string], { account_id: number }>(
        db,
        "SELECT account_id FROM account_addresses WHERE address = ?",
      );
      const owners: AddressOwner[] = [];
      for (const address of addresses) {
        const row = statement.get(address);
        if (row !== undefined) owners.push({ address, accountId: row.account_id });
      }
      return owners;
    },
    async count() {
      return (
        cachedStatement<[], { count: number }>(db, "SELECT COUNT(*) AS count FROM accounts").get()
          ?.count ?? 0
      );
    },
    async list() {
      const rows = cachedStatement<[], { id: number; created_at: number; token_count: number }>(
        db,
        `SELECT accounts.id, accounts.created_at,
          (SELECT COUNT(*) FROM tokens WHERE tokens.account_id = accounts.id) AS token_count
         FROM accounts ORDER BY accounts.id`,
      ).all();
      return rows.flatMap((row): AccountListing[] => {
        const account = findAccount(db, row.id);
        if (account === undefined) return [];
        return [{ ...account, createdAt: row.created_at, tokenCount: row.token_count }];
      });
    },
    async insert(addresses, createdAt) {
      const result = cachedStatement<[number]>(
        db,
        "INSERT INTO accounts (created_at) VALUES (?)",
      ).run(createdAt);
      const id = Number(result.lastInsertRowid);
      const insertAddress = cachedStatement<[string, number, number]>(
        db,
        "INSERT INTO account_addresses (address, account_id, position) VALUES (?, ?, ?)",
      );
      addresses.forEach((address, position) => {
        insertAddress.run(address, id, position);
      });
      return id;
    },
    async findTokens(lookupKey) {
      return cachedStatement<[string], { account_id: number; hash: Buffer }>(
        db,
        "SELECT account_id, hash FROM tokens WHERE lookup_key = ?",
      )
        .all(lookupKey)
        .map((row): StoredToken => ({ accountId: row.account_id, hash: row.hash }));
    },
    async insertToken(accountId, token, createdAt) {
      cachedStatement<[number, string, Uint8Array, number]>(
        db,
        "INSERT INTO tokens (account_id, lookup_key, hash, created_at) VALUES (?, ?, ?, ?)",
      ).run(accountId, token.lookupKey, token.hash, createdAt);
    },
    async deleteTokens(accountId) {
      return cachedStatement<[number]>(db, "DELETE FROM tokens WHERE account_id = ?").run(accountId)
        .changes;
    },
  };
}
