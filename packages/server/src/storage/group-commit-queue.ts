import type { Database } from "better-sqlite3";
import { type BatchResult, type BatchWrite, createBatchRunner } from "./group-commit-batch.js";
import { classifyStorageFailure, isDatabaseBusy, storageBusy } from "./storage-failure.js";

/** Longest pause between two attempts at a write lock another connection holds. */
const maxLockRetryMs = 50;

/** Something the queue wants logged (it runs on the main thread or the writer thread). */
export type GroupCommitLog = (fields: Readonly<Record<string, unknown>>, message: string) => void;

/** Options of {@link createGroupCommitQueue}. */
export interface GroupCommitQueueOptions<Token> {
  /** The write connection; the queue owns its transactions. */
  readonly db: Database;
  readonly maxEvents: number | undefined;
  /** How long a write waits for a write lock another connection holds before it is refused. */
  readonly busyTimeoutMs: number;
  /**
   * After each durable COMMIT: the batch's tokens, one outcome per token (failed ones
   * already classified, see {@link classifyStorageFailure}), the appended events in
   * commit order, and how long the batch took.
   */
  readonly onCommitted: (tokens: readonly Token[], result: BatchResult, seconds: number) => void;
  /** Writes refused as a whole (the lock stayed taken; the batch failed): nothing stored. */
  readonly onRefused: (tokens: readonly Token[], error: unknown) => void;
  /** false when a batch fails for a reason other than a full disk; true after the next commit. */
  readonly onAvailabilityChange: (available: boolean) => void;
  readonly logError: GroupCommitLog;
}

/** Group commit over one connection: the engine both SQLite modes share. */
export interface GroupCommitQueue<Token> {
  /** Queues a write for the next batch; it is settled through `onCommitted` or `onRefused`. */
  enqueue(token: Token, body: BatchWrite): void;
  /**
   * Commits every queued write (waiting on a held lock as long as writes may wait) and
   * resolves when nothing is queued or committing: for close.
   */
  drain(): Promise<void>;
  /** Commits so far and the writes they carried. */
  stats(): { readonly commits: number; readonly writes: number };
}

interface QueuedWrite<Token> {
  readonly token: Token;
  readonly body: BatchWrite;
  /** `performance.now()` when it was queued: how long it has waited for the lock. */
  readonly queuedAt: number;
}

/**
 * Runs writes in group commits on `db`: every write queued while a batch is being
 * committed joins the next one; the batch runs in one IMMEDIATE transaction (each write
 * undone alone when it throws, see {@link createBatchRunner}) and one COMMIT, with its
 * fsync, makes it durable; only then are its writes settled.
 *
 * SQLite never sleeps in its busy handler here: BEGIN IMMEDIATE fails at once while
 * another connection (another process) holds the write lock, and the queue tries again
 * on a timer, refusing writes that waited `busyTimeoutMs` with a retryable UNAVAILABLE.
 */
export function createGroupCommitQueue<Token>(
  options: GroupCommitQueueOptions<Token>,
): GroupCommitQueue<Token> {
  const { db } = options;
  const statements = {
    begin: db.prepare("BEGIN IMMEDIATE"),
    commit: db.prepare("COMMIT"),
    rollback: db.prepare("ROLLBACK"),
  };
  const runBatch = createBatchRunner(db, { maxEvents: options.maxEvents });

  let queue: QueuedWrite<Token>[] = [];
  let flushScheduled = false;
  let commits = 0;
  let writesCommitted = 0;
  /** Pause before the next attempt at a write lock another connection holds (0: not waiting). */
  let lockRetryMs = 0;
  /** The batch being committed; a flush never starts another one beside it. */
  let committing: Promise<boolean> | undefined;

  let available = true;
  function setAvailable(now: boolean): void {
    if (now === available) return;
    available = now;
    options.onAvailabilityChange(now);
  }

  function scheduleFlush(): void {
    if (flushScheduled) return;
    flushScheduled = true;
    setImmediate(flush);
  }

  /** BEGIN IMMEDIATE without waiting: false when another connection holds the write lock. */
  function tryBegin(): boolean {
    try {
      statements.begin.run();
      return true;
    } catch (error) {
      if (isDatabaseBusy(error)) return false;
      throw error;
    }
  }

  /**
   * The write lock is taken: refuse the writes that have waited `busyTimeoutMs`; the
   * others wait for the next attempt (after a pause doubling up to {@link maxLockRetryMs}).
   * Returns the pause, or 0 when nothing is left waiting.
   */
  function refuseWaitedTooLong(): number {
    const now = performance.now();
    const waitedTooLong = queue.filter((item) => now - item.queuedAt >= options.busyTimeoutMs);
    if (waitedTooLong.length > 0) {
      queue = queue.filter((item) => now - item.queuedAt < options.busyTimeoutMs);
      options.logError(
        { writes: waitedTooLong.length, busyTimeoutMs: options.busyTimeoutMs },
        "another connection held the database's write lock too long; writes were refused",
      );
      setAvailable(false);
      options.onRefused(
        waitedTooLong.map((item) => item.token),
        storageBusy(options.busyTimeoutMs),
      );
    }
    if (queue.length === 0) {
      lockRetryMs = 0;
      return 0;
    }
    lockRetryMs = Math.min(maxLockRetryMs, Math.max(1, lockRetryMs * 2));
    return lockRetryMs;
  }

  function refuseBatch(batch: readonly QueuedWrite<Token>[], error: unknown): void {
    options.logError({ err: error }, "group commit failed; every write of the batch was rejected");
    const failure = classifyStorageFailure(error);
    if (failure === error) setAvailable(false);
    options.onRefused(
      batch.map((item) => item.token),
      failure,
    );
  }

  /** Commits what is queued; false when it could not because the write lock is taken. */
  async function commitQueued(): Promise<boolean> {
    if (queue.length === 0) return true;
    let began: boolean;
    try {
      began = tryBegin();
    } catch (error) {
      const refused = queue;
      queue = [];
      refuseBatch(refused, error);
      return true;
    }
    if (!began) return false;
    lockRetryMs = 0;
    const batch = queue;
    queue = [];
    let result: BatchResult;
    const started = performance.now();
    try {
      result = await runBatch(batch.map((item) => item.body));
      statements.commit.run();
    } catch (error) {
      // The batch as a whole failed (disk full, I/O error): nothing of it is stored.
      if (db.inTransaction) statements.rollback.run();
      refuseBatch(batch, error);
      return true;
    }
    commits += 1;
    writesCommitted += batch.length;
    setAvailable(true);
    const outcomes = result.outcomes.map((outcome) =>
      outcome.ok ? outcome : { ok: false as const, error: classifyStorageFailure(outcome.error) },
    );
    options.onCommitted(
      batch.map((item) => item.token),
      { outcomes, appended: result.appended },
      (performance.now() - started) / 1000,
    );
    return true;
  }

  function flush(): void {
    flushScheduled = false;
    if (committing !== undefined) return;
    committing = commitQueued();
    void committing.then((committed) => {
      committing = undefined;
      if (!committed) {
        const pause = refuseWaitedTooLong();
        if (pause > 0) {
          flushScheduled = true;
          setTimeout(flush, pause);
        }
        return;
      }
      if (queue.length > 0) scheduleFlush();
    });
  }

  return {
    enqueue(token, body) {
      queue.push({ token, body, queuedAt: performance.now() });
      scheduleFlush();
    },
    async drain() {
      while (committing !== undefined || queue.length > 0) {
        if (committing !== undefined) {
          await committing;
          continue;
        }
        committing = commitQueued();
        const committed = await committing;
        committing = undefined;
        if (committed) continue;
        const pause = refuseWaitedTooLong();
        if (pause > 0) await new Promise((resolve) => setTimeout(resolve, pause));
      }
    },
    stats: () => ({ commits, writes: writesCommitted }),
  };
}
