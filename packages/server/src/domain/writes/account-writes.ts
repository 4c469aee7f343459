import type { Account } from "../../auth/account.js";
import {
  findAccountIdsByAddresses,
  getAccount,
  insertAccount,
  insertToken,
  replaceTokens,
} from "../../auth/account-directory.js";
import { notFound } from "../../errors/common-errors.js";
import { writeOperation } from "../write-operation.js";

/** A new account and its first bearer token (shown once; only its hash is stored). */
export interface CreatedAccountResult {
  readonly account: Account;
  readonly token: string;
}

/** What rotating an account's tokens did: the new token and how many old ones stopped working. */
export interface RotatedTokensResult {
  readonly account: Account;
  readonly token: string;
  readonly revoked: number;
}

/**
 * The named writes of this area, keyed "<area>.<operation>"; `write-operations.ts`
 * merges every area's map into the one registry.
 */
export const accountWrites = {
  /**
   * Creates an account with normalised, distinct addresses and issues its first token.
   * ALREADY_EXISTS when an address already belongs to an account.
   */
  "accounts.create": writeOperation(
    async (
      context,
      { addresses }: { addresses: readonly string[] },
    ): Promise<CreatedAccountResult> => {
      const account = await insertAccount(context.repositories, addresses, context.now);
      return { account, token: await insertToken(context.repositories, account.id, context.now) };
    },
  ),

  /** Issues another token for an account; NOT_FOUND when there is no such account. */
  "accounts.issueToken": writeOperation(
    async (context, { accountId }: { accountId: number }): Promise<{ token: string }> => {
      if ((await getAccount(context.repositories, accountId)) === undefined) {
        throw notFound(`there is no account with id ${accountId}`);
      }
      return { token: await insertToken(context.repositories, accountId, context.now) };
    },
  ),

  /**
   * Revokes every token of the account that owns the (normalised) `address` and issues
   * a new one; resolves with null, changing nothing, when no account has the address.
   * The caller forgets this process's cached tokens afterwards (`rotateAccountTokens`).
   */
  "accounts.rotateTokens": writeOperation(
    async (context, { address }: { address: string }): Promise<RotatedTokensResult | null> => {
      const accountId = (await findAccountIdsByAddresses(context.repositories, [address])).get(
        address,
      );
      const account =
        accountId === undefined ? undefined : await getAccount(context.repositories, accountId);
      if (account === undefined) return null;
      return { account, ...(await replaceTokens(context.repositories, account.id, context.now)) };
    },
  ),
} as const;
