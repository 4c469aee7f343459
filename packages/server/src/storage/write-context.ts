import type { photon } from "@threadline/protocol";
import type { Database } from "better-sqlite3";

/**
 * One durable event for one account's log, before its sequence is assigned. The
 * envelope is written from that account's point of view (`isFromMe`, `actor`, and
 * the chat GUID as that account names the chat).
 */
export type LogEventInput =
  | { readonly kind: "message"; readonly event: photon.imessage.v1.MessageChangeEvent.$Properties }
  | { readonly kind: "group"; readonly event: photon.imessage.v1.GroupChangeEvent.$Properties }
  | { readonly kind: "poll"; readonly event: photon.imessage.v1.PollChangeEvent.$Properties }
  | { readonly kind: "chat"; readonly event: photon.imessage.v1.ChatChangeEvent.$Properties };

/** The event domains of the log; each has its own live Subscribe* stream. */
export type EventDomain = LogEventInput["kind"];

/**
 * What a write sees while it runs inside a group commit. Everything is synchronous:
 * the write runs inside a SQLite savepoint of the shared transaction.
 */
export interface WriteContext {
  /** The database, inside the open transaction. Writes here commit or roll back with the event appends. */
  readonly db: Database;
  /** One clock reading for the whole write, so every event of one write has the same time. */
  readonly now: Date;
  /**
   * Appends one event to `accountId`'s log and returns its sequence. Sequences are
   * per account, start at 1 and are contiguous. The event becomes visible to catch-up
   * and live streams only after the transaction has committed durably.
   */
  appendEvent(accountId: number, event: LogEventInput): number;
}

/** The server's storage: group-committed writes and synchronous reads. */
export interface Store {
  /**
   * Queues `write` for the next group commit and resolves with its result once the
   * transaction is committed and fsync'd. If `write` throws, only its own savepoint
   * is rolled back (other writes in the batch commit) and the promise rejects with
   * the thrown error. Nothing of a failed write is stored.
   */
  write<T>(write: (context: WriteContext) => T): Promise<T>;
  /** Runs a read against committed data. */
  read<T>(read: (db: Database) => T): T;
}
