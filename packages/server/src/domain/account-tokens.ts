import { forgetAuthenticatedAccounts } from "../auth/authenticated-accounts.js";
import type { Store } from "../storage/write-context.js";
import { runWrite } from "./write-operations.js";
import type { RotatedTokensResult } from "./writes/account-writes.js";

/**
 * Revokes every bearer token of the account that owns the (normalised) `address` and
 * issues a new one; resolves with null, changing nothing, when no account has the
 * address. Once the write has settled, this process's token cache of `store` is
 * emptied, so a revoked token fails on its next call here (other processes stop
 * accepting it within `tokenRevalidationMs`).
 */
export async function rotateAccountTokens(
  store: Store,
  address: string,
): Promise<RotatedTokensResult | null> {
  try {
    return await runWrite(store, "accounts.rotateTokens", { address });
  } finally {
    forgetAuthenticatedAccounts(store);
  }
}
