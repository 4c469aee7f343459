import type { Metadata } from "@grpc/grpc-js";
import { metadataKeys } from "@threadline/protocol";
import { ServerError } from "../errors/server-error.js";
import { cachedStatement } from "../storage/statement-cache.js";
import type { Store } from "../storage/write-context.js";
import type { Account } from "./account.js";
import { getAccount } from "./account-directory.js";
import { rememberAccount, rememberedAccount } from "./authenticated-accounts.js";
import { hashToken, tokenHashesEqual, tokenLookupKey } from "./bearer-token.js";

interface TokenRow {
  readonly account_id: number;
  readonly hash: Buffer;
}

const bearerPattern = /^Bearer ([A-Za-z0-9_-]{1,512})$/;

function unauthenticated(message: string): ServerError {
  return new ServerError("UNAUTHENTICATED", message);
}

/**
 * Resolves the caller's account from `authorization: Bearer <token>` metadata. The
 * account always comes from the token. Throws UNAUTHENTICATED (not retryable) when
 * the header is missing, malformed, or the token is unknown.
 *
 * A token that worked is remembered until the tokens or accounts may have changed
 * (see {@link rememberedAccount}), so the common call costs no hashing and no
 * query; a revoked token stops working on the next call, as without the cache.
 */
export function authenticate(metadata: Metadata, store: Store): Account {
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
  const account = store.read((db) => {
    const known = rememberedAccount(db, token);
    if (known !== undefined) return known;
    const hash = hashToken(token);
    const rows = cachedStatement<[string], TokenRow>(
      db,
      "SELECT account_id, hash FROM tokens WHERE lookup_key = ?",
    ).all(tokenLookupKey(hash));
    for (const row of rows) {
      if (tokenHashesEqual(row.hash, hash)) {
        const found = getAccount(db, row.account_id);
        if (found !== undefined) rememberAccount(db, token, found);
        return found;
      }
    }
    return undefined;
  });
  if (account === undefined) throw unauthenticated("the bearer token is not valid on this server");
  return account;
}
