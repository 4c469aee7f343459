import { encodeLogEvent } from "../encode-log-event.js";
import type { LoggedEvent } from "../repositories/event-log-repository.js";
import type { LogEventInput, WriteContext } from "../write-context.js";
import type { PgQueryable, PgResult } from "./pg-queryable.js";
import { isIdempotencyKeyRace, isTransactionConflict } from "./postgres-failure.js";
import { appendUnderHeadLocks, type PendingLogEvent } from "./postgres-log-append.js";
import { createPostgresRepositories } from "./postgres-repositories.js";

/** One write of a batch. */
export interface PostgresBatchWrite {
  readonly body: (context: WriteContext) => unknown;
  /**
   * Whether the write carries an idempotency claim: when another process stores the
   * same key first, its unique violation makes this write run once more, and the second
   * run finds the stored response.
   */
  readonly keyed: boolean;
}

/** How one write of a batch ended. */
export type PostgresWriteOutcome =
  | { readonly ok: true; readonly value: unknown }
  | { readonly ok: false; readonly error: unknown };

/** What one committed batch did, for the caller to settle. */
export interface PostgresBatchResult {
  /** One outcome per write, in the order given. */
  readonly outcomes: readonly PostgresWriteOutcome[];
  /** The events of the writes that succeeded, with their sequences, per account in order. */
  readonly appended: readonly LoggedEvent[];
}

/** Options of {@link runPostgresBatch}. */
export interface PostgresBatchOptions {
  /** Keep at most this many of the newest events per account. */
  readonly maxEvents?: number | undefined;
  /**
   * @internal a test hook run after the heads moved and before COMMIT, on the batch's
   * connection (e.g. `SELECT pg_sleep(…)` to widen the window for commit inversions).
   */
  readonly beforeCommit?: ((sql: PgQueryable) => Promise<void>) | undefined;
}

/**
 * Runs one group commit on `connection` (one pooled connection, outside any
 * transaction): BEGIN; each write in its own SAVEPOINT (opened lazily, at the write's
 * first query, so a write that only appends events costs no round trip for it), undone
 * alone when it throws; then the events of the writes that succeeded are appended
 * under the heads' row locks ({@link appendUnderHeadLocks}); COMMIT, with
 * `synchronous_commit` on (the server default, set for the session by the store).
 *
 * Resolves only after COMMIT returned. Rejects (after a ROLLBACK, when the connection
 * still answers) when the batch as a whole failed: the connection broke, the disk is
 * full, or one of its statements lost a deadlock or a serialization conflict (the
 * caller runs the batch again); then nothing of the batch was stored (or, when the
 * connection broke during COMMIT itself, the outcome is unknown).
 */
export async function runPostgresBatch(
  connection: PgQueryable,
  writes: readonly PostgresBatchWrite[],
  options: PostgresBatchOptions = {},
): Promise<PostgresBatchResult> {
  const now = new Date();
  const outcomes: PostgresWriteOutcome[] = [];
  const pending: PendingLogEvent[] = [];

  /** The write now running; a context kept past its write refuses to be used. */
  let current: object | undefined;
  /** The running write's SAVEPOINT, once its first query opened it. */
  let savepoint: Promise<unknown> | undefined;
  /** Whether an earlier write's savepoint is still open (released by the next one). */
  let releasePending = false;
  let failed: unknown;
  /**
   * Whether BEGIN was sent: it travels with the first savepoint (one round trip for
   * both), or alone before the append when no write queried.
   */
  let begun = false;
  const begin = () => {
    const prefix = begun ? "" : "BEGIN; ";
    begun = true;
    return prefix;
  };

  const inWrite: PgQueryable = {
    async query<Row>(text: string, values?: readonly unknown[]): Promise<PgResult<Row>> {
      if (savepoint === undefined) {
        savepoint = connection.query(
          begin() +
            (releasePending ? "RELEASE SAVEPOINT write; SAVEPOINT write" : "SAVEPOINT write"),
        );
        releasePending = false;
      }
      await savepoint;
      return connection.query<Row>(text, values);
    },
  };
  const repositories = createPostgresRepositories(inWrite);

  function contextFor(token: object): WriteContext {
    const assertCurrent = () => {
      if (current !== token) {
        throw new TypeError("a write context was used after its write ended");
      }
    };
    return {
      get repositories() {
        assertCurrent();
        return repositories;
      },
      now,
      appendEvent(accountId: number, input: LogEventInput): void {
        assertCurrent();
        if (!Number.isSafeInteger(accountId) || accountId <= 0) {
          throw new TypeError(`appendEvent needs a positive account id; received ${accountId}`);
        }
        const encoded = encodeLogEvent(input, now);
        pending.push({ accountId, kind: input.kind, ...encoded });
      },
    };
  }

  /** Undoes the running write: its savepoint (if it opened one) and its buffered events. */
  async function undo(firstEvent: number): Promise<void> {
    pending.length = firstEvent;
    if (savepoint === undefined) return;
    const opened = savepoint;
    savepoint = undefined;
    // A savepoint that failed to open left nothing to roll back to, and the batch is over.
    await opened;
    await connection.query("ROLLBACK TO SAVEPOINT write");
    releasePending = true;
  }

  async function runOne(write: PostgresBatchWrite): Promise<PostgresWriteOutcome> {
    let keyRaceRetried = false;
    for (;;) {
      const token = {};
      const firstEvent = pending.length;
      current = token;
      savepoint = undefined;
      try {
        const value = await write.body(contextFor(token));
        current = undefined;
        if (savepoint !== undefined) {
          await savepoint;
          releasePending = true;
        }
        return { ok: true, value };
      } catch (error) {
        current = undefined;
        try {
          await undo(firstEvent);
        } catch (undoError) {
          // The transaction cannot go on (the connection broke): the batch fails.
          failed = undoError;
          throw undoError;
        }
        if (write.keyed && !keyRaceRetried && isIdempotencyKeyRace(error)) {
          // Another process stored the same key and committed while this write waited
          // on the unique index; run it again, it now finds the stored response.
          keyRaceRetried = true;
          continue;
        }
        if (isTransactionConflict(error)) {
          // A deadlock with another transaction: the locks the batch's earlier writes
          // hold are part of it, so the whole batch rolls back (releasing them) and the
          // caller runs it again.
          failed = error;
          throw error;
        }
        return { ok: false, error };
      }
    }
  }

  try {
    for (const write of writes) outcomes.push(await runOne(write));
    if (!begun) await connection.query(begin().trim());
    const appended = await appendUnderHeadLocks(connection, pending, now.getTime(), {
      maxEvents: options.maxEvents,
    });
    await options.beforeCommit?.(connection);
    await connection.query("COMMIT");
    return { outcomes, appended };
  } catch (error) {
    if (begun) await connection.query("ROLLBACK").catch(() => undefined);
    throw failed ?? error;
  }
}
