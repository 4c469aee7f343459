import type { Database } from "better-sqlite3";
import { encodeLogEvent } from "../log/encode-log-event.js";
import { kindCodes, type LoggedEvent } from "../log/logged-event.js";
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

/** Runs the writes of one group commit inside an open transaction. */
export type BatchRunner = (
  writes: readonly ((context: WriteContext) => unknown)[],
) => Promise<BatchResult>;

/** A head this batch has moved: the committed value it started from and where it is now. */
interface BatchHead {
  readonly committed: number;
  head: number;
}

/**
 * Prepares the statements of the append path once and returns the function that runs
 * a batch of writes in the caller's transaction.
 *
 * A write gets a SAVEPOINT only when it touches `context.db`: an append-only write (the
 * common case) is undone, if it throws, by deleting exactly the rows it inserted, which
 * saves two statements per write. Heads are read once per account per batch inside the
 * transaction, and written once per account at the end of the batch.
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
    let firstAppend = 0;
    let savepointOpen = false;
    let appendedBeforeSavepoint = 0;
    let batchOver = false;

    function openSavepoint(): void {
      if (!savepointOpen && !batchOver) {
        statements.savepoint.run();
        savepointOpen = true;
        appendedBeforeSavepoint = appended.length;
      }
    }

    const context: WriteContext = {
      get db() {
        openSavepoint();
        return db;
      },
      get repositories() {
        openSavepoint();
        return repositories;
      },
      now,
      appendEvent(accountId: number, input: LogEventInput): number {
        if (!Number.isSafeInteger(accountId) || accountId <= 0) {
          throw new TypeError(`appendEvent needs a positive account id; received ${accountId}`);
        }
        const encoded = encodeLogEvent(input, now);
        let batchHead = heads.get(accountId);
        if (batchHead === undefined) {
          const committed = statements.readHead.get(accountId)?.head_sequence ?? 0;
          batchHead = { committed, head: committed };
          heads.set(accountId, batchHead);
        }
        const sequence = batchHead.head + 1;
        statements.insertEvent.run(
          accountId,
          sequence,
          kindCodes[input.kind],
          encoded.chatGuid,
          encoded.pollGuid,
          recordedAt,
          encoded.payload,
        );
        batchHead.head = sequence;
        appended.push({
          accountId,
          sequence,
          kind: input.kind,
          chatGuid: encoded.chatGuid,
          pollGuid: encoded.pollGuid,
          payload: encoded.payload,
        });
        return sequence;
      },
    };

    function undoWrite(): void {
      if (savepointOpen) {
        statements.rollbackTo.run();
        statements.release.run();
      }
      const undoneByDelete = savepointOpen ? appendedBeforeSavepoint : appended.length;
      for (let index = firstAppend; index < undoneByDelete; index += 1) {
        const event = appended[index];
        if (event !== undefined) statements.deleteEvent.run(event.accountId, event.sequence);
      }
      // Each account's head goes back to just below the first sequence this write took.
      for (let index = appended.length - 1; index >= firstAppend; index -= 1) {
        const event = appended[index];
        const batchHead = event === undefined ? undefined : heads.get(event.accountId);
        if (event !== undefined && batchHead !== undefined) batchHead.head = event.sequence - 1;
      }
      appended.length = firstAppend;
    }

    for (const write of writes) {
      firstAppend = appended.length;
      savepointOpen = false;
      try {
        // The repositories answer at once (the connection is synchronous), so awaiting a
        // write lets no other macrotask run inside the batch's transaction.
        const value = await write(context);
        if (savepointOpen) statements.release.run();
        outcomes.push({ ok: true, value });
      } catch (error) {
        // SQLite ends the whole transaction on some failures (a full disk, an I/O
        // error): the batch cannot go on, or later writes would commit one by one.
        if (!db.inTransaction) throw error;
        undoWrite();
        outcomes.push({ ok: false, error });
      }
    }
    // A context kept past its write must not open savepoints outside the batch.
    batchOver = true;

    for (const [accountId, { committed, head }] of heads) {
      if (head === committed) continue;
      const retainedFrom = maxEvents === undefined ? 1 : Math.max(1, head - maxEvents + 1);
      statements.upsertHead.run(accountId, head, retainedFrom);
      if (retainedFrom > 1) statements.trimEvents.run(accountId, retainedFrom);
    }
    return { outcomes, appended };
  };
}
