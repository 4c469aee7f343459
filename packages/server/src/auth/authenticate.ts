import type { Metadata } from "@grpc/grpc-js";
import { metadataKeys } from "@threadline/protocol";
import { ServerError } from "../errors/server-error.js";
import type { Repositories } from "../storage/repositories.js";
import type { Store } from "../storage/write-context.js";
import type { Account } from "./account.js";
import { getAccount } from "./account-directory.js";
import { type AuthenticatedAccounts, authenticatedAccountsOf } from "./authenticated-accounts.js";
import { hashToken, tokenHashesEqual, tokenLookupKey } from "./bearer-token.js";

const bearerPattern = /^Bearer ([A-Za-z0-9_-]{1,512})$/;

function unauthenticated(message: string): ServerError {
  return new ServerError("UNAUTHENTICATED", message);
}

const invalidToken = "the bearer token is not valid on this server";

/** The account a token belongs to, from storage; undefined for an unknown token. */
async function lookUpToken(
  repositories: Repositories,
  token: string,
): Promise<Account | undefined> {
  const hash = hashToken(token);
  for (const stored of await repositories.accounts.findTokens(tokenLookupKey(hash))) {
    if (tokenHashesEqual(stored.hash, hash)) {
      return getAccount(repositories, stored.accountId);
    }
  }
  return undefined;
}

/**
 * Resolves the caller's account from `authorization: Bearer <token>` metadata. The
 * account always comes from the token. Throws (or rejects with) UNAUTHENTICATED (not
 * retryable) when the header is missing, malformed, or the token is unknown.
 *
 * A token that worked is remembered in `accounts` (by default the store's cache) for a
 * short, bounded time, so the common call costs no hashing and no query and returns
 * the account synchronously; otherwise it returns a promise. A token revoked through
 * this process's store stops working on the next call; one revoked by another process
 * within `tokenRevalidationMs` (see `authenticated-accounts.ts`).
 */
export function authenticate(
  metadata: Metadata,
  store: Store,
  accounts: AuthenticatedAccounts = authenticatedAccountsOf(store),
): Account | Promise<Account> {
  const values = metadata.get(metadataKeys.authorization);
  if (values.length === 0) {
    throw unauthenticated(
      "missing authorization metadata; send `authorization: Bearer <token>` with every call",
    );
  }
  const header = values[0];
  if (values.length > 1 || typeof header !== "string") {
    throw unauthenticated("authorization metadata must be sent once, as `Bearer <token>`");
  }
  const match = bearerPattern.exec(header.trim());
  const token = match?.[1];
  if (token === undefined) {
    throw unauthenticated("authorization metadata must have the form `Bearer <token>`");
  }
  const known = accounts.lookup(token);
  if (known !== undefined) return known;
  const generation = accounts.generation;
  return lookUpToken(store.repositories, token).then((found) => {
    if (found === undefined) throw unauthenticated(invalidToken);
    accounts.remember(token, found, generation);
    return found;
  });
}
