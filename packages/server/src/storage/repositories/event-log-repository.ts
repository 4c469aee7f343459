import type { EventDomain } from "../write-context.js";

/** Head and retention window of one account's log. */
export interface LogState {
  /** Sequence of the newest event; 0 for an empty log. */
  readonly headSequence: number;
  /** Lowest sequence not deleted by retention (headSequence + 1 when every event expired). */
  readonly retainedFrom: number;
}

/** One committed log entry as the live hub and the log readers see it. */
export interface LoggedEvent {
  readonly accountId: number;
  readonly sequence: number;
  readonly kind: EventDomain;
  /** The chat GUID as this account names the chat (for chat filters). */
  readonly chatGuid: string;
  /** Poll message GUID of poll events (for poll filters); null otherwise. */
  readonly pollGuid: string | null;
  /** The encoded inner change event (e.g. a MessageChangeEvent). */
  readonly payload: Uint8Array;
}

/**
 * The parts of a stored event that wire frames are built from, for catch-up and fetch.
 * The encoded payload comes as bytes or as hex text, whichever the engine reads faster
 * (better-sqlite3 creates a short string several times faster than a Buffer per row).
 */
export type LogFrame = {
  readonly sequence: number;
  readonly kind: EventDomain;
} & ({ readonly payload: Uint8Array } | { readonly payloadHex: string });

/**
 * Reads of the per-account event logs (heads, retention windows, pages) and age-based
 * retention. Appends are not here: they belong to the engine (`WriteContext.appendEvent`),
 * which assigns sequences under the account's head lock.
 *
 * Every method is async, takes and returns plain data (no driver types), and is
 * implemented by both engines: `storage/sqlite/` and `storage/postgres/`. Inside a
 * write it runs in the write's transaction; outside it reads committed data.
 */
export interface EventLogRepository {
  /**
   * The account's committed head and retention window; `{ headSequence: 0,
   * retainedFrom: 1 }` for an account whose log never had an event.
   */
  readState(accountId: number): Promise<LogState>;
  /**
   * Up to `limit` events of the account with `afterSequence < sequence <= upToSequence`,
   * in sequence order, with everything the live filters need (chat and poll GUIDs).
   * Callers page through a long log with repeated calls.
   */
  readPage(
    accountId: number,
    afterSequence: number,
    upToSequence: number,
    limit: number,
  ): Promise<LoggedEvent[]>;
  /**
   * Like {@link readPage}, but only what frames are built from: the fast path of
   * catch-up and fetch.
   */
  readFrames(
    accountId: number,
    afterSequence: number,
    upToSequence: number,
    limit: number,
  ): Promise<LogFrame[]>;
  /**
   * Deletes, per account, the prefix of the log recorded before `cutoffMs` (epoch ms)
   * and moves `retainedFrom` past it, so the retained window stays contiguous (an event
   * recorded before the cutoff but after a kept one stays). Never moves `retainedFrom`
   * backwards, never touches the head. Resolves with the number of events deleted. Run
   * it inside a write (on PostgreSQL it takes each account's head row lock, so it
   * serialises with that account's appends).
   */
  expireBefore(cutoffMs: number): Promise<number>;
}
