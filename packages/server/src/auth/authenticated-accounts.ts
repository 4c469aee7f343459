import type { Account } from "./account.js";

/**
 * How long a token that worked is trusted without asking the database again. A token
 * revoked by another process (the `accounts` CLI, another server on the same
 * PostgreSQL database) stops working at most this long after the revocation commits;
 * one revoked through this process's own store stops at once (see
 * {@link forgetAuthenticatedAccounts}).
 */
export const tokenRevalidationMs = 1000;

/** More distinct tokens than this and the cache starts again empty (it stays small). */
const defaultMaxEntries = 4096;

/** Options of {@link createAuthenticatedAccounts}. */
export interface AuthenticatedAccountsOptions {
  /** How long an entry is trusted; default {@link tokenRevalidationMs}. */
  readonly maxAgeMs?: number;
  /** The clock, epoch ms; default `Date.now` (tests pass their own). */
  readonly now?: () => number;
  /** Entries kept before the cache starts again empty; default 4096. */
  readonly maxEntries?: number;
}

/**
 * The tokens that authenticated recently, with the account each one resolved to: lets
 * the common call skip hashing and the database, and still see revocations promptly.
 */
export interface AuthenticatedAccounts {
  /** The account `token` resolved to, while that was checked less than the max age ago. */
  lookup(token: string): Account | undefined;
  /**
   * How many times {@link forget} was called: read it before a database lookup and pass
   * it to {@link remember}, so a lookup that raced with a revocation is not remembered.
   */
  readonly generation: number;
  /**
   * Remembers a token that worked (only those: unknown tokens cannot fill the cache),
   * unless {@link forget} was called since `generation` was read.
   */
  remember(token: string, account: Account, generation: number): void;
  /** Forgets every token: each is checked against the database again on its next call. */
  forget(): void;
}

interface Entry {
  readonly account: Account;
  readonly checkedAt: number;
}

/** A fresh {@link AuthenticatedAccounts}, process memory only. */
export function createAuthenticatedAccounts(
  options: AuthenticatedAccountsOptions = {},
): AuthenticatedAccounts {
  const maxAgeMs = options.maxAgeMs ?? tokenRevalidationMs;
  const now = options.now ?? Date.now;
  const maxEntries = options.maxEntries ?? defaultMaxEntries;
  const entries = new Map<string, Entry>();
  let generation = 0;
  return {
    get generation() {
      return generation;
    },
    lookup(token) {
      const entry = entries.get(token);
      if (entry === undefined) return undefined;
      const age = now() - entry.checkedAt;
      // A clock that went backwards also counts as stale.
      if (age >= maxAgeMs || age < 0) {
        entries.delete(token);
        return undefined;
      }
      return entry.account;
    },
    remember(token, account, lookedUpIn) {
      if (lookedUpIn !== generation) return;
      if (entries.size >= maxEntries) entries.clear();
      entries.set(token, { account, checkedAt: now() });
    },
    forget() {
      generation += 1;
      entries.clear();
    },
  };
}

const byOwner = new WeakMap<object, AuthenticatedAccounts>();

/** The token cache of one store (one per store, so two stores never share entries). */
export function authenticatedAccountsOf(store: object): AuthenticatedAccounts {
  let accounts = byOwner.get(store);
  if (accounts === undefined) {
    accounts = createAuthenticatedAccounts();
    byOwner.set(store, accounts);
  }
  return accounts;
}

/**
 * Says that tokens or account addresses changed through `store` (this process): every
 * remembered token is checked against the database again on its next call. Call it
 * after such a write settles (committed or not: a rolled-back one only costs one lookup
 * per token).
 */
export function forgetAuthenticatedAccounts(store: object): void {
  byOwner.get(store)?.forget();
}
