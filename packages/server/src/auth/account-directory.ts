import type { Database } from "better-sqlite3";
import { cachedStatement } from "../storage/statement-cache.js";
import type { Account } from "./account.js";
import { forgetAuthenticatedAccounts } from "./authenticated-accounts.js";
import { issueBearerToken } from "./bearer-token.js";

interface AddressRow {
  readonly address: string;
}

interface AccountAddressRow {
  readonly address: string;
  readonly account_id: number;
}

/**
 * The account with `id`, or undefined when there is none. Addresses are in the order
 * they were added; the first is the primary address.
 */
export function getAccount(db: Database, id: number): Account | undefined {
  const rows = cachedStatement<[number], AddressRow>(
    db,
    "SELECT address FROM account_addresses WHERE account_id = ? ORDER BY position",
  ).all(id);
  const first = rows[0];
  if (first === undefined) return undefined;
  return { id, addresses: rows.map((row) => row.address), primaryAddress: first.address };
}

/**
 * Looks up which of the (already normalised) addresses belong to an account here.
 * Addresses without an account are absent from the result.
 */
export function findAccountIdsByAddresses(
  db: Database,
  addresses: readonly string[],
): Map<string, number> {
  const found = new Map<string, number>();
  const statement = cachedStatement<[string], AccountAddressRow>(
    db,
    "SELECT address, account_id FROM account_addresses WHERE address = ?",
  );
  for (const address of addresses) {
    const row = statement.get(address);
    if (row !== undefined) found.set(row.address, row.account_id);
  }
  return found;
}

/** Number of accounts on this server. */
export function countAccounts(db: Database): number {
  const row = db.prepare<[], { count: number }>("SELECT COUNT(*) AS count FROM accounts").get();
  return row?.count ?? 0;
}

/** Thrown when an address given to {@link insertAccount} already belongs to an account. */
export class AddressTakenError extends Error {
  override readonly name = "AddressTakenError";
  constructor(readonly address: string) {
    super(
      `address ${JSON.stringify(address)} already belongs to an account; each address may belong to one account`,
    );
  }
}

/**
 * Inserts an account with normalised, distinct addresses and returns it. Throws
 * {@link AddressTakenError} when an address is already taken. Run it inside a write.
 */
export function insertAccount(db: Database, addresses: readonly string[], now: Date): Account {
  const taken = findAccountIdsByAddresses(db, addresses);
  for (const address of addresses) {
    if (taken.has(address)) throw new AddressTakenError(address);
  }
  const result = db.prepare("INSERT INTO accounts (created_at) VALUES (?)").run(now.getTime());
  const id = Number(result.lastInsertRowid);
  const insertAddress = db.prepare(
    "INSERT INTO account_addresses (address, account_id, position) VALUES (?, ?, ?)",
  );
  addresses.forEach((address, position) => {
    insertAddress.run(address, id, position);
  });
  const first = addresses[0];
  if (first === undefined) throw new RangeError("an account needs at least one address");
  return { id, addresses: [...addresses], primaryAddress: first };
}

/**
 * Stores a new bearer token for an account and returns the token text, which is not
 * kept. Run it inside a write.
 */
export function insertToken(db: Database, accountId: number, now: Date): string {
  const issued = issueBearerToken();
  db.prepare(
    "INSERT INTO tokens (account_id, lookup_key, hash, created_at) VALUES (?, ?, ?, ?)",
  ).run(accountId, issued.lookupKey, issued.hash, now.getTime());
  return issued.token;
}

/** One account as `threadline-server accounts list` shows it. */
export interface AccountSummary extends Account {
  /** When the account was created. */
  readonly createdAt: Date;
  /** Bearer tokens that currently work for it. */
  readonly tokenCount: number;
}

/** Every account, oldest first, with its addresses and how many tokens work for it. */
export function listAccounts(db: Database): AccountSummary[] {
  const rows = db
    .prepare<[], { id: number; created_at: number; token_count: number }>(
      `SELECT accounts.id, accounts.created_at,
        (SELECT COUNT(*) FROM tokens WHERE tokens.account_id = accounts.id) AS token_count
       FROM accounts ORDER BY accounts.id`,
    )
    .all();
  return rows.flatMap((row) => {
    const account = getAccount(db, row.id);
    if (account === undefined) return [];
    return [{ ...account, createdAt: new Date(row.created_at), tokenCount: row.token_count }];
  });
}

/**
 * Revokes every bearer token of the account and issues a new one, whose text is
 * returned (and not kept). Run it inside a write: the old tokens stop working when it
 * commits.
 */
export function replaceTokens(
  db: Database,
  accountId: number,
  now: Date,
): { readonly token: string; readonly revoked: number } {
  forgetAuthenticatedAccounts(db);
  const revoked = db.prepare("DELETE FROM tokens WHERE account_id = ?").run(accountId).changes;
  return { token: insertToken(db, accountId, now), revoked };
}
