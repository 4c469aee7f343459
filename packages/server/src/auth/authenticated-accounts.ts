import type { Database } from "better-sqlite3";
import { cachedStatement } from "../storage/statement-cache.js";
import type { Account } from "./account.js";

/** More distinct tokens than this and the cache starts again empty (it stays small). */
const maxEntries = 4096;

interface CacheState {
  readonly entries: Map<string, Account>;
  /** `PRAGMA data_version` when the entries were filled: another connection's commit changes it. */
  dataVersion: number;
  /** {@link forgetAuthenticatedAccounts} calls on this connection when the entries were filled. */
  generation: number;
}

const states = new WeakMap<Database, CacheState>();
const generations = new WeakMap<Database, number>();

/**
 * Says that tokens or account addresses change on `db` (this connection): every
 * remembered token is checked against the database again on its next call. The account
 * directory calls it before it revokes tokens; if that write then rolls back, it only
 * costs one lookup per token.
 */
export function forgetAuthenticatedAccounts(db: Database): void {
  generations.set(db, (generations.get(db) ?? 0) + 1);
}

function validState(db: Database): CacheState {
  let state = states.get(db);
  if (state === undefined) {
    state = { entries: new Map(), dataVersion: -1, generation: -1 };
    states.set(db, state);
  }
  const dataVersion =
    cachedStatement<[], { data_version: number }>(db, "PRAGMA data_version").get()?.data_version ??
    -1;
  const generation = generations.get(db) ?? 0;
  if (state.dataVersion !== dataVersion || state.generation !== generation) {
    state.entries.clear();
    state.dataVersion = dataVersion;
    state.generation = generation;
  }
  return state;
}

/**
 * The account `token` authenticated as on `db`, while nothing can have changed that
 * since. The cache empties itself when another connection (the `threadline-server
 * accounts` CLI, another process) has committed anything since it was filled, seen
 * through `PRAGMA data_version`, and when this connection revoked tokens
 * ({@link forgetAuthenticatedAccounts}).
 */
export function rememberedAccount(db: Database, token: string): Account | undefined {
  return validState(db).entries.get(token);
}

/** Remembers a token that worked (only those: unknown tokens cannot fill the cache). */
export function rememberAccount(db: Database, token: string, account: Account): void {
  const { entries } = validState(db);
  if (entries.size >= maxEntries) entries.clear();
  entries.set(token, account);
}
