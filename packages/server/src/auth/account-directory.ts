import { ServerError } from "../errors/server-error.js";
import type { Repositories } from "../storage/repositories.js";
import type { Account } from "./account.js";
import { issueBearerToken } from "./bearer-token.js";

/**
 * The account with `id`, or undefined when there is none. Addresses are in the order
 * they were added; the first is the primary address.
 */
export function getAccount(repositories: Repositories, id: number): Promise<Account | undefined> {
  return repositories.accounts.find(id);
}

/**
 * Looks up which of the (already normalised) addresses belong to an account here.
 * Addresses without an account are absent from the result.
 */
export async function findAccountIdsByAddresses(
  repositories: Repositories,
  addresses: readonly string[],
): Promise<Map<string, number>> {
  const found = new Map<string, number>();
  for (const owner of await repositories.accounts.findOwners(addresses)) {
    found.set(owner.address, owner.accountId);
  }
  return found;
}

/** Number of accounts on this server. */
export function countAccounts(repositories: Repositories): Promise<number> {
  return repositories.accounts.count();
}

/**
 * ALREADY_EXISTS: an address given to {@link insertAccount} already belongs to an
 * account (each address may belong to one).
 */
export function addressTaken(address: string): ServerError {
  return new ServerError(
    "ALREADY_EXISTS",
    `address ${JSON.stringify(address)} already belongs to an account; each address may belong to one account`,
  );
}

/**
 * Inserts an account with normalised, distinct addresses and returns it. Throws
 * ALREADY_EXISTS ({@link addressTaken}) when an address is already taken, and
 * RangeError for no address. Run it inside a write.
 */
export async function insertAccount(
  repositories: Repositories,
  addresses: readonly string[],
  now: Date,
): Promise<Account> {
  const first = addresses[0];
  if (first === undefined) throw new RangeError("an account needs at least one address");
  const taken = await findAccountIdsByAddresses(repositories, addresses);
  for (const address of addresses) {
    if (taken.has(address)) throw addressTaken(address);
  }
  const id = await repositories.accounts.insert(addresses, now.getTime());
  return { id, addresses: [...addresses], primaryAddress: first };
}

/**
 * Stores a new bearer token for an account and returns the token text, which is not
 * kept. Run it inside a write.
 */
export async function insertToken(
  repositories: Repositories,
  accountId: number,
  now: Date,
): Promise<string> {
  const issued = issueBearerToken();
  await repositories.accounts.insertToken(
    accountId,
    { lookupKey: issued.lookupKey, hash: issued.hash },
    now.getTime(),
  );
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
export async function listAccounts(repositories: Repositories): Promise<AccountSummary[]> {
  return (await repositories.accounts.list()).map((listing) => ({
    id: listing.id,
    addresses: listing.addresses,
    primaryAddress: listing.primaryAddress,
    createdAt: new Date(listing.createdAt),
    tokenCount: listing.tokenCount,
  }));
}

/**
 * Revokes every bearer token of the account and issues a new one, whose text is
 * returned (and not kept). Run it inside a write: the old tokens stop working when it
 * commits (in this process once the caller has called `forgetAuthenticatedAccounts`).
 */
export async function replaceTokens(
  repositories: Repositories,
  accountId: number,
  now: Date,
): Promise<{ readonly token: string; readonly revoked: number }> {
  const revoked = await repositories.accounts.deleteTokens(accountId);
  return { token: await insertToken(repositories, accountId, now), revoked };
}
