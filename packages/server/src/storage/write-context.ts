import type { photon } from "@threadline/protocol";
import type { Repositories } from "./repositories.js";

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
 * What a write sees while it runs inside a group commit, on either engine. The write is
 * domain code: it reads and changes rows through `repositories` (inside the shared
 * transaction) and appends events; it never sees SQL or a connection.
 */
export interface WriteContext {
  /** The repositories, inside the open transaction: changes commit or roll back with the write. */
  readonly repositories: Repositories;
  /** One clock reading for the whole write, so every event of one write has the same time. */
  readonly now: Date;
  /**
   * Appends one event to `accountId`'s log. Sequences are per account, start at 1 and
   * are contiguous; the engine assigns them (under the account's head lock on
   * PostgreSQL). The event becomes visible to catch-up and live streams only after the
   * transaction has committed durably.
   */
  appendEvent(accountId: number, event: LogEventInput): void;
}

/**
 * A keyed write's claim: the same key with the same request (fingerprint) returns the
 * stored first response; with another request it is IDEMPOTENCY_KEY_REUSED.
 */
export interface IdempotencyClaim {
  readonly accountId: number;
  readonly key: string;
  /** Hash of the method and the request without its key. */
  readonly fingerprint: string;
  /** The gRPC method path: how the stored response is encoded and decoded. */
  readonly methodPath: string;
}

/**
 * One named write, as it crosses into the engine (and, for SQLite, onto the writer
 * thread): everything in it is plain, structured-cloneable data.
 */
export interface WriteRequest {
  /** A name from the domain's write-operation registry (`domain/write-operations.ts`). */
  readonly operation: string;
  readonly input: unknown;
  readonly idempotency?: IdempotencyClaim | undefined;
}

/**
 * Runs one {@link WriteRequest} inside a write: the domain's registry, handed to the
 * engine so that storage never imports the domain.
 */
export type WriteExecutor = (context: WriteContext, request: WriteRequest) => Promise<unknown>;

/** The server's storage: group-committed writes and reads of committed data. */
export interface Store {
  /**
   * Queues a named write for the next group commit and resolves with its result once
   * the transaction is committed and fsync'd. If the write throws, only it is undone
   * (other writes in the batch commit) and the promise rejects with the thrown error.
   */
  run(request: WriteRequest): Promise<unknown>;
  /** Repositories over committed data (reads never wait on a commit). */
  readonly repositories: Repositories;
}
