/**
 * The public types of the checkpoint queue: its options, the handler's contract, the
 * failure decisions and the progress snapshot. `checkpoint-queue.ts` re-exports them.
 */
import type { BackoffOptions } from "./backoff.js";
import type { CheckpointStore } from "./checkpoint-store.js";

/** Anything with a log sequence: a positive safe integer, unique per event. */
export interface SequencedEvent {
  readonly sequence: number;
}

/** Passed to the handler with each event. */
export interface HandlerContext {
  /** The checkpoint key of the queue running the handler. */
  readonly key: string;
  /** 1 on the first run of this event, 2 on the first retry, and so on. */
  readonly attempt: number;
}

/** Handles one event; a rejection (or throw) is retried, then goes to `onError`. */
export type EventHandler<E> = (event: E, context: HandlerContext) => void | Promise<void>;

/** A handler that kept failing after every retry. */
export interface HandlerFailure<E> {
  readonly event: E;
  /** The error of the last attempt. */
  readonly error: unknown;
  /** How many times the handler ran for this event. */
  readonly attempts: number;
  readonly key: string;
}

/**
 * What to do with an event whose handler failed after its retries:
 * - `"halt"`: stop the queue; the checkpoint stays below the event and the error
 *   surfaces through `done`, `close()` and further `push()` calls;
 * - `"dead-letter"`: pass the failure to `deadLetter`, await it, and only then count
 *   the event as complete.
 */
export type FailureDecision = "halt" | "dead-letter";

/** Retries of a failing handler, before `onError` decides. */
export interface HandlerRetryOptions extends BackoffOptions {
  /** Total runs of the handler per event, the first included. Default 3. */
  readonly maxAttempts?: number;
}

/** Options of {@link createCheckpointQueue}. */
export interface CheckpointQueueOptions<E extends SequencedEvent> {
  /** Where the checkpoint is loaded from and saved to. */
  readonly store: CheckpointStore;
  /** The checkpoint's key in the store: one per independent consumer. */
  readonly key: string;
  /** Called once per event sequence (at least once across crashes). */
  readonly handler: EventHandler<E>;
  /** Handlers running at the same time. Default 1. */
  readonly concurrency?: number;
  /**
   * Sequences tracked above the checkpoint. Events further ahead make `push()`
   * wait, which bounds memory. Default 4096; at least `concurrency`.
   */
  readonly window?: number;
  /**
   * Events with the same key run one at a time in sequence order; different keys
   * run in parallel. `undefined` means "no ordering constraint". When set, an
   * event only starts once every lower sequence has arrived, because only then is
   * its place in its key's order known.
   */
  readonly orderBy?: (event: E) => string | number | undefined;
  /** Events for which this returns false are not handled but still count as complete. */
  readonly filter?: (event: E) => boolean;
  /** Retries of a failing handler. `false` disables them. */
  readonly retry?: HandlerRetryOptions | false;
  /**
   * What to do once retries are exhausted. Default: `"dead-letter"` when a
   * `deadLetter` callback is given, else `"halt"`.
   */
  readonly onError?:
    | FailureDecision
    | ((failure: HandlerFailure<E>) => FailureDecision | Promise<FailureDecision>);
  /**
   * Records a dead-lettered event durably. The event counts as complete only after
   * this resolves; if it throws, the queue halts.
   */
  readonly deadLetter?: (failure: HandlerFailure<E>) => void | Promise<void>;
  /** A checkpoint that moved but was not saved is saved after this idle delay. Default 1000. */
  readonly flushIntervalMs?: number;
  /** Save at once when the checkpoint moved this far since the last save. Default 10000. */
  readonly maxUnsavedEvents?: number;
  /** Attempts and backoff for a failing checkpoint save before the queue halts. */
  readonly storeRetry?: HandlerRetryOptions;
}

/** A snapshot of a queue's counters. */
export interface QueueProgress {
  /** Highest sequence below which every event is complete (in memory). */
  readonly checkpoint: number;
  /** Highest checkpoint the store has confirmed. */
  readonly savedCheckpoint: number;
  /** Events admitted above the checkpoint that are not yet passed by it. */
  readonly inFlight: number;
  /** Handler calls in progress, retries included. */
  readonly running: number;
  /** Events whose handler succeeded. */
  readonly handled: number;
  /** Events the `filter` skipped (they count as complete). */
  readonly skipped: number;
  /** Events recorded by `deadLetter` (they count as complete). */
  readonly deadLettered: number;
  /** Pushes dropped because their sequence was already seen or at or below the checkpoint. */
  readonly duplicatesDropped: number;
  /** Handler retries after a failure. */
  readonly retries: number;
  /** Successful checkpoint saves. */
  readonly storeWrites: number;
  /** Pushes waiting for room in the window. */
  readonly waitingPushes: number;
  readonly status: QueueStatus;
}

/** Lifecycle of a queue. */
export type QueueStatus = "open" | "closing" | "closed" | "halting" | "halted";

/**
 * A bounded-concurrency queue that deduplicates events by sequence and advances a
 * stored checkpoint over the contiguous prefix of completed sequences.
 */
export interface CheckpointQueue<E extends SequencedEvent> {
  /**
   * Offer one event. Resolves once it is admitted or dropped as a duplicate;
   * waits while its sequence is beyond the window. Rejects with
   * `ValidationError` for a bad sequence, `QueueClosedError` after
   * `close()`, and the halt error after a halt.
   */
  push(event: E): Promise<void>;
  /** Push every event of `source`, in order, honouring backpressure. */
  consume(source: AsyncIterable<E> | Iterable<E>): Promise<void>;
  /** The checkpoint loaded from the store when the queue was created. */
  readonly initialCheckpoint: number;
  /** Current in-memory checkpoint (may be ahead of the stored one). */
  readonly checkpoint: number;
  progress(): QueueProgress;
  /** Resolves when no handler is running and nothing admitted is waiting to run. */
  drain(): Promise<void>;
  /**
   * Resolves once the in-memory checkpoint is at or above `sequence`. Rejects with
   * the halt error, or `QueueClosedError` if the queue closes before that.
   */
  reached(sequence: number): Promise<void>;
  /** Save the current checkpoint now. */
  flush(): Promise<void>;
  /**
   * Stop accepting events, wait for admitted ones, save the checkpoint. Rejects
   * with the halt error if the queue halted. Idempotent.
   */
  close(): Promise<void>;
  /** Settles when the queue is closed; rejects with the error that halted it. */
  readonly done: Promise<void>;
  [Symbol.asyncDispose](): Promise<void>;
}
