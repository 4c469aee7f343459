import type {
  AccountListing,
  AccountRecord,
  AccountRepository,
  AddressOwner,
  StoredToken,
} from "../repositories/account-repository.js";
import { integerFromPg } from "./pg-integer.js";
import type { PgQueryable } from "./pg-queryable.js";

async function findAccount(sql: PgQueryable, id: number): Promise<AccountRecord | undefined> {
  const { rows } = await sql.query<{ address: string }>(
    "SELECT address FROM account_addresses WHERE account_id = $1 ORDER BY position",
    [id],
  );
  const addresses = rows.map((row) => row.address);
  const first = addresses[0];
  if (first === undefined) return undefined;
  return { id, addresses, primaryAddress: first };
}

/** The PostgreSQL {@link AccountRepository} over a pooled client or transaction. */
export function createPostgresAccountRepository(sql: PgQueryable): AccountRepository {
  return {
    async find(accountId) {
      return findAccount(sql, accountId);
    },
    async findOwners(addresses) {
      if (addresses.length === 0) return [];
      const { rows } = await sql.query<{ address: string; account_id: string }>(
        "SELECT address, account_id FROM account_addresses WHERE address = ANY($1::text[])",
        [addresses],
      );
      const owners = new Map(
        rows.map((row) => [
          row.address,
          integerFromPg(row.account_id, "account_addresses.account_id"),
        ]),
      );
      return addresses.flatMap((address): AddressOwner[] => {
        const accountId = owners.get(address);
        return accountId === undefined ? [] : [{ address, accountId }];
      });
    },
    async count() {
      const { rows } = await sql.query<{ count: string }>("SELECT COUNT(*) AS count FROM accounts");
      return integerFromPg(rows[0]?.count ?? 0, "COUNT(accounts)");
    },
    async list() {
      // One query: each account with its addresses in position order and its token count;
      // an account without an address does not exist, as in find.
      const { rows } = await sql.query<{
        id: string;
        created_at: string;
        addresses: string[] | null;
        token_count: string;
      }>(
        `SELECT accounts.id, accounts.created_at,
           (SELECT array_agg(address ORDER BY position) FROM account_addresses
             WHERE account_addresses.account_id = accounts.id) AS addresses,
           (SELECT COUNT(*) FROM tokens WHERE tokens.account_id = accounts.id) AS token_count
         FROM accounts ORDER BY accounts.id`,
      );
      return rows.flatMap((row): AccountListing[] => {
        const addresses = row.addresses ?? [];
        const first = addresses[0];
        if (first === undefined) return [];
        return [
          {
            id: integerFromPg(row.id, "accounts.id"),
            addresses,
            primaryAddress: first,
            createdAt: integerFromPg(row.created_at, "accounts.created_at"),
            tokenCount: integerFromPg(row.token_count, "COUNT(tokens)"),
          },
        ];
      });
    },
    async insert(addresses, createdAt) {
      const { rows } = await sql.query<{ id: string }>(
        "INSERT INTO accounts (created_at) VALUES ($1) RETURNING id",
        [createdAt],
      );
      const id = integerFromPg(rows[0]?.id, "accounts.id");
      if (addresses.length > 0) {
        await sql.query(
          `INSERT INTO account_addresses (address, account_id, position)
           SELECT address, $2, position - 1 FROM unnest($1::text[]) WITH ORDINALITY AS added (address, position)`,
          [addresses, id],
        );
      }
      return id;
    },
    async findTokens(lookupKey) {
      const { rows } = await sql.query<{ account_id: string; hash: Buffer }>(
        "SELECT account_id, hash FROM tokens WHERE lookup_key = $1 ORDER BY id",
        [lookupKey],
      );
      return rows.map(
        (row): StoredToken => ({
          accountId: integerFromPg(row.account_id, "tokens.account_id"),
          hash: row.hash,
        }),
      );
    },
    async insertToken(accountId, token, createdAt) {
      await sql.query(
        "INSERT INTO tokens (account_id, lookup_key, hash, created_at) VALUES ($1, $2, $3, $4)",
        [accountId, token.lookupKey, token.hash, createdAt],
      );
    },
    async deleteTokens(accountId) {
      // The account row's lock makes concurrent rotations of one account run one after
      // the other; the DELETE, a statement of its own after the lock is granted, then
      // also removes the token the rotation before it committed, so one token survives.
      await sql.query("SELECT id FROM accounts WHERE id = $1 FOR NO KEY UPDATE", [accountId]);
      const result = await sql.query("DELETE FROM tokens WHERE account_id = $1", [accountId]);
      return result.rowCount ?? 0;
    },
  };
}
