import type { Database } from "better-sqlite3";
import { encodeLogEvent } from "./encode-log-event.js";
import { kindCodes } from "./event-kind-codes.js";
import type { LoggedEvent } from "./repositories/event-log-repository.js";
import { createSqliteRepositories } from "./sqlite/sqlite-repositories.js";
import type { LogEventInput, WriteContext } from "./write-context.js";

/** How one write of a batch ended. */
export type WriteOutcome =
  | { readonly ok: true; readonly value: unknown }
  | { readonly ok: false; readonly error: unknown };

/** What one batch did, for the caller to settle after COMMIT. */
export interface BatchResult {
  /** One outcome per write, in the order given. */
  readonly outcomes: readonly WriteOutcome[];
  /** Events appended by the writes that succeeded, in sequence order per account. */
  readonly appended: readonly LoggedEvent[];
}

/**
 * What a write sees on SQLite: the engine-neutral {@link WriteContext} and, for the
 * engine's own tests and tools, the connection inside the batch's transaction (touching
 * it opens the write's savepoint, like the repositories do). Domain code never sees it.
 */
export interface SqliteWriteContext extends WriteContext {
  readonly db: Database;
}

/** One write of a batch: domain code run with the batch's {@link SqliteWriteContext}. */
export type BatchWrite = (context: SqliteWriteContext) => unknown;

/** Runs the writes of one group commit inside an open transaction. */
export type BatchRunner = (writes: readonly BatchWrite[]) => Promise<BatchResult>;

/** A head this batch has moved: the committed value it started from and where it is now. */
interface BatchHead {
  readonly committed: number;
  head: number;
}

/** An event a write appended, encoded, waiting for the write to end to get its sequence. */
interface PendingEvent {
  readonly accountId: number;
  readonly kind: LogEventInput["kind"];
  readonly chatGuid: string;
  readonly pollGuid: string | null;
  readonly payload: Uint8Array;
}

/**
 * Prepares the statements of the append path once and returns the function that runs
 * a batch of writes in the caller's transaction.
 *
 * `appendEvent` only encodes and keeps the event; when the write's body has returned,
 * its events get the next sequences of their accounts and are inserted. So a write that
 * throws never took a sequence (a rollback allocates nothing) and sequences stay
 * contiguous. A write gets a SAVEPOINT only when it reaches for the repositories (or the
 * transitional `db`): an append-only write that throws has nothing to undo. Heads are
 * read once per account per batch inside the transaction, and written once per account
 * at the end of the batch (with the `maxEvents` trim).
 */
export function createBatchRunner(
  db: Database,
  retention: { readonly maxEvents?: number | undefined },
): BatchRunner {
  const statements = {
    savepoint: db.prepare("SAVEPOINT write"),
    release: db.prepare("RELEASE write"),
    rollbackTo: db.prepare("ROLLBACK TO write"),
    readHead: db.prepare<[number], { head_sequence: number }>(
      "SELECT head_sequence FROM log_heads WHERE account_id = ?",
    ),
    insertEvent: db.prepare(
      "INSERT INTO event_log (account_id, sequence, kind, chat_guid, poll_guid, recorded_at, payload) VALUES (?, ?, ?, ?, ?, ?, ?)",
    ),
    deleteEvent: db.prepare("DELETE FROM event_log WHERE account_id = ? AND sequence = ?"),
    upsertHead: db.prepare(
      "INSERT INTO log_heads (account_id, head_sequence, retained_from) VALUES (?, ?, ?) ON CONFLICT (account_id) DO UPDATE SET head_sequence = excluded.head_sequence, retained_from = MAX(log_heads.retained_from, excluded.retained_from)",
    ),
    trimEvents: db.prepare("DELETE FROM event_log WHERE account_id = ? AND sequence < ?"),
  };
  const maxEvents = retention.maxEvents;
  const repositories = createSqliteRepositories(db);

  return async function runBatch(writes) {
    const outcomes: WriteOutcome[] = [];
    const appended: LoggedEvent[] = [];
    const heads = new Map<number, BatchHead>();
    // One clock reading per batch: every event of a write (and of the batch) gets it.
    const now = new Date();
    const recordedAt = now.getTime();

    // Per-write state, reset before each write; the context object reads it.
    let pending: PendingEvent[] = [];
    let savepointOpen = false;
    let writeOver = true;

    function openSavepoint(): void {
      if (!savepointOpen && !writeOver) {
        statements.savepoint.run();
        savepointOpen = true;
      }
    }

    function headOf(accountId: number): BatchHead {
      let batchHead = heads.get(accountId);
      if (batchHead === undefined) {
        const committed = statements.readHead.get(accountId)?.head_sequence ?? 0;
        batchHead = { committed, head: committed };
        heads.set(accountId, batchHead);
      }
      return batchHead;
    }

    const context: SqliteWriteContext = {
      get db() {
        openSavepoint();
        return db;
      },
      get repositories() {
        openSavepoint();
        return repositories;
      },
      now,
      appendEvent(accountId: number, input: LogEventInput): void {
        if (writeOver) {
          throw new TypeError("appendEvent was called after its write had ended");
        }
        if (!Number.isSafeInteger(accountId) || accountId <= 0) {
          throw new TypeError(`appendEvent needs a positive account id; received ${accountId}`);
        }
        const encoded = encodeLogEvent(input, now);
        pending.push({
          accountId,
          kind: input.kind,
          chatGuid: encoded.chatGuid,
          pollGuid: encoded.pollGuid,
          payload: encoded.payload,
        });
      },
    };

    /** Numbers and inserts the ended write's events; undoes its inserts if one fails. */
    function insertPending(): void {
      const firstAppended = appended.length;
      try {
        for (const event of pending) {
          const batchHead = headOf(event.accountId);
          const sequence = batchHead.head + 1;
          statements.insertEvent.run(
            event.accountId,
            sequence,
            kindCodes[event.kind],
            event.chatGuid,
            event.pollGuid,
            recordedAt,
            event.payload,
          );
          batchHead.head = sequence;
          appended.push({ ...event, sequence });
        }
      } catch (error) {
        // Without a savepoint the rows inserted so far are deleted one by one (with one,
        // ROLLBACK TO removes them with the rest of the write).
        if (!savepointOpen && db.inTransaction) {
          for (let index = firstAppended; index < appended.length; index += 1) {
            const event = appended[index];
            if (event !== undefined) statements.deleteEvent.run(event.accountId, event.sequence);
          }
        }
        for (let index = appended.length - 1; index >= firstAppended; index -= 1) {
          const event = appended[index];
          const batchHead = event === undefined ? undefined : heads.get(event.accountId);
          if (event !== undefined && batchHead !== undefined) batchHead.head = event.sequence - 1;
        }
        appended.length = firstAppended;
        throw error;
      }
    }

    for (const write of writes) {
      pending = [];
      savepointOpen = false;
      writeOver = false;
      try {
        // The repositories answer at once (the connection is synchronous), so awaiting a
        // write lets no other macrotask run inside the batch's transaction.
        const value = await write(context);
        writeOver = true;
        insertPending();
        if (savepointOpen) statements.release.run();
        outcomes.push({ ok: true, value });
      } catch (error) {
        writeOver = true;
        // SQLite ends the whole transaction on some failures (a full disk, an I/O
        // error): the batch cannot go on, or later writes would commit one by one.
        if (!db.inTransaction) throw error;
        if (savepointOpen) {
          statements.rollbackTo.run();
          statements.release.run();
        }
        outcomes.push({ ok: false, error });
      }
    }

    for (const [accountId, { committed, head }] of heads) {
      if (head === committed) continue;
      const retainedFrom = maxEvents === undefined ? 1 : Math.max(1, head - maxEvents + 1);
      statements.upsertHead.run(accountId, head, retainedFrom);
      if (retainedFrom > 1) statements.trimEvents.run(accountId, retainedFrom);
    }
    return { outcomes, appended };
  };
}
