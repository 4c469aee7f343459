import {
  type BackoffOptions,
  backoffDelay,
  type ResolvedBackoff,
  resolveBackoff,
  resolveMaxAttempts,
} from "./backoff.js";
import type { CheckpointStore } from "./checkpoint-store.js";
import { CheckpointWriter } from "./checkpoint-writer.js";
import {
  CheckpointStoreError,
  HandlerFailedError,
  invalidArgument,
  QueueClosedError,
  type RecoveryError,
} from "./errors.js";
import { PendingPushHeap } from "./pending-push-heap.js";
import { SequenceRing } from "./sequence-ring.js";
import {
  assertCheckpointKey,
  assertFunction,
  assertNonNegativeNumber,
  assertPositiveInteger,
} from "./validation.js";

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

const EMPTY = 0;
const HELD = 1;
const READY = 2;
const RUNNING = 3;
const DONE = 4;
const ABANDONED = 5;

const resolved: Promise<void> = Promise.resolve();
const asyncDispose: typeof Symbol.asyncDispose =
  Symbol.asyncDispose ?? Symbol.for("Symbol.asyncDispose");

const defaultBackoff: ResolvedBackoff = {
  initialDelayMs: 100,
  multiplier: 2,
  maxDelayMs: 10_000,
  jitter: true,
};

/**
 * Load the checkpoint for `key` and return a queue that continues from it.
 *
 * Guarantees: each sequence is handled at most once per queue and never again once
 * it is at or below the loaded checkpoint; the saved checkpoint never passes an
 * event that is not complete and never moves backwards; a failure is never
 * skipped silently. Memory is bounded by `window`.
 *
 * @throws ValidationError (from @threadline/core) for invalid options.
 * @throws CheckpointStoreError if the store cannot load or returns a bad value.
 */
export async function createCheckpointQueue<E extends SequencedEvent>(
  options: CheckpointQueueOptions<E>,
): Promise<CheckpointQueue<E>> {
  const settings = resolveOptions(options);
  let loaded: unknown;
  try {
    loaded = await options.store.load(options.key);
  } catch (error) {
    throw new CheckpointStoreError(
      `loading the checkpoint for key ${JSON.stringify(options.key)} failed`,
      { cause: error },
    );
  }
  if (
    loaded !== undefined &&
    (typeof loaded !== "number" || !Number.isSafeInteger(loaded) || loaded < 0)
  ) {
    throw new CheckpointStoreError(
      `the store returned ${String(loaded)} for key ${JSON.stringify(options.key)}; a checkpoint must be a non-negative safe integer or undefined`,
    );
  }
  return new Queue<E>(settings, loaded ?? 0);
}

interface Settings<E extends SequencedEvent> {
  readonly store: CheckpointStore;
  readonly key: string;
  readonly handler: EventHandler<E>;
  readonly concurrency: number;
  readonly window: number;
  readonly orderBy: ((event: E) => string | number | undefined) | undefined;
  readonly filter: ((event: E) => boolean) | undefined;
  readonly maxAttempts: number;
  readonly backoff: ResolvedBackoff;
  readonly onError: CheckpointQueueOptions<E>["onError"];
  readonly deadLetter: ((failure: HandlerFailure<E>) => void | Promise<void>) | undefined;
  readonly flushIntervalMs: number;
  readonly maxUnsavedEvents: number;
  readonly storeMaxAttempts: number;
  readonly storeBackoff: ResolvedBackoff;
}

function resolveOptions<E extends SequencedEvent>(options: CheckpointQueueOptions<E>): Settings<E> {
  if (typeof options !== "object" || options === null) {
    throw invalidArgument("options", "an object", options);
  }
  const store: unknown = options.store;
  if (
    typeof store !== "object" ||
    store === null ||
    !("load" in store) ||
    typeof store.load !== "function" ||
    !("save" in store) ||
    typeof store.save !== "function"
  ) {
    throw invalidArgument(
      "store",
      "a CheckpointStore (an object with load and save methods)",
      store,
    );
  }
  assertCheckpointKey("key", options.key);
  assertFunction("handler", options.handler);
  const concurrency = options.concurrency ?? 1;
  assertPositiveInteger("concurrency", concurrency, 65_536);
  const window = options.window ?? Math.max(4096, concurrency);
  assertPositiveInteger("window", window, 1 << 24);
  if (window < concurrency) {
    throw invalidArgument("window", `at least concurrency (${concurrency})`, options.window);
  }
  if (options.orderBy !== undefined) assertFunction("orderBy", options.orderBy);
  if (options.filter !== undefined) assertFunction("filter", options.filter);
  if (options.deadLetter !== undefined) assertFunction("deadLetter", options.deadLetter);
  const onError = options.onError ?? (options.deadLetter ? "dead-letter" : "halt");
  if (typeof onError !== "function" && onError !== "halt" && onError !== "dead-letter") {
    throw invalidArgument("onError", '"halt", "dead-letter" or a function', onError);
  }
  if (onError === "dead-letter" && options.deadLetter === undefined) {
    throw invalidArgument(
      "deadLetter",
      'a function when onError is "dead-letter" (the failure must be recorded somewhere)',
      options.deadLetter,
    );
  }
  const retry = options.retry;
  if (retry !== undefined && retry !== false && (typeof retry !== "object" || retry === null)) {
    throw invalidArgument("retry", "an object or false", retry);
  }
  const maxAttempts =
    retry === false ? 1 : resolveMaxAttempts("retry.maxAttempts", retry?.maxAttempts, 3);
  const backoff = resolveBackoff("retry", retry === false ? undefined : retry, defaultBackoff);
  const flushIntervalMs = options.flushIntervalMs ?? 1000;
  assertNonNegativeNumber("flushIntervalMs", flushIntervalMs);
  const maxUnsavedEvents = options.maxUnsavedEvents ?? 10_000;
  assertPositiveInteger("maxUnsavedEvents", maxUnsavedEvents);
  const storeMaxAttempts = resolveMaxAttempts(
    "storeRetry.maxAttempts",
    options.storeRetry?.maxAttempts,
    5,
  );
  const storeBackoff = resolveBackoff("storeRetry", options.storeRetry, defaultBackoff);
  return {
    store: options.store,
    key: options.key,
    handler: options.handler,
    concurrency,
    window,
    orderBy: options.orderBy,
    filter: options.filter,
    maxAttempts,
    backoff,
    onError,
    deadLetter: options.deadLetter,
    flushIntervalMs,
    maxUnsavedEvents,
    storeMaxAttempts,
    storeBackoff,
  };
}

class Queue<E extends SequencedEvent> implements CheckpointQueue<E> {
  readonly initialCheckpoint: number;
  readonly done: Promise<void>;

  private current: number;
  // Slot i describes sequence s with s % window === i, for checkpoint < s <= checkpoint + window.
  private readonly states: Uint8Array;
  private readonly events: (E | undefined)[];
  private readonly keys: (string | number | undefined)[];
  private readonly ready: SequenceRing;
  private readonly chains = new Map<string | number, { items: number[]; head: number }>();
  private readonly waiting = new PendingPushHeap<E>();
  private readonly writer: CheckpointWriter;
  private readonly firstContext: HandlerContext;
  private readonly idleWaiters: (() => void)[] = [];
  private reachWaiters: {
    sequence: number;
    resolve: () => void;
    reject: (error: unknown) => void;
  }[] = [];

  private arrivedThrough: number;
  private occupied = 0;
  private running = 0;
  private handled = 0;
  private skipped = 0;
  private deadLettered = 0;
  private duplicates = 0;
  private retries = 0;
  private pumping = false;
  private waking = false;
  private status: QueueStatus = "open";
  private haltLimit = Number.POSITIVE_INFINITY;
  private haltError: RecoveryError | undefined;
  private closing: Promise<void> | undefined;
  private settleDone!: () => void;
  private failDone!: (error: unknown) => void;

  constructor(
    private readonly settings: Settings<E>,
    checkpoint: number,
  ) {
    this.initialCheckpoint = checkpoint;
    this.current = checkpoint;
    this.arrivedThrough = checkpoint;
    this.states = new Uint8Array(settings.window);
    this.events = new Array<E | undefined>(settings.window);
    this.keys = settings.orderBy ? new Array<string | number | undefined>(settings.window) : [];
    this.ready = new SequenceRing(settings.window);
    this.firstContext = Object.freeze({ key: settings.key, attempt: 1 });
    this.writer = new CheckpointWriter({
      store: settings.store,
      key: settings.key,
      initial: checkpoint,
      flushIntervalMs: settings.flushIntervalMs,
      maxUnsavedEvents: settings.maxUnsavedEvents,
      maxAttempts: settings.storeMaxAttempts,
      backoff: settings.storeBackoff,
      onFatal: (error) => this.halt(this.current + 1, error),
    });
    this.done = new Promise<void>((resolve, reject) => {
      this.settleDone = resolve;
      this.failDone = reject;
    });
    // Errors surface through push() and close() too; an unobserved `done` must not crash the process.
    this.done.catch(() => undefined);
  }

  get checkpoint(): number {
    return this.current;
  }

  push(event: E): Promise<void> {
    if (typeof event !== "object" || event === null) {
      return Promise.reject(invalidArgument("event", "an object with a sequence", event));
    }
    const sequence = event.sequence;
    if (typeof sequence !== "number" || !Number.isSafeInteger(sequence) || sequence < 1) {
      return Promise.reject(invalidArgument("event.sequence", "a positive safe integer", sequence));
    }
    if (this.status !== "open" && !(this.status === "halting" && sequence < this.haltLimit)) {
      return Promise.reject(this.closedError());
    }
    if (sequence <= this.current) {
      this.duplicates++;
      return resolved;
    }
    if (sequence > this.current + this.settings.window) {
      if (this.status !== "open") return Promise.reject(this.closedError());
      return new Promise<void>((resolve, reject) => {
        this.waiting.add({ event, sequence, resolve, reject });
      });
    }
    try {
      this.admit(event, sequence);
    } catch (error) {
      return Promise.reject(error);
    }
    return resolved;
  }

  async consume(source: AsyncIterable<E> | Iterable<E>): Promise<void> {
    for await (const event of source) {
      await this.push(event);
    }
  }

  progress(): QueueProgress {
    return {
      checkpoint: this.current,
      savedCheckpoint: this.writer.savedValue,
      inFlight: this.occupied,
      running: this.running,
      handled: this.handled,
      skipped: this.skipped,
      deadLettered: this.deadLettered,
      duplicatesDropped: this.duplicates,
      retries: this.retries,
      storeWrites: this.writer.writes,
      waitingPushes: this.waiting.size,
      status: this.status,
    };
  }

  drain(): Promise<void> {
    if (this.isIdle()) return resolved;
    return new Promise<void>((resolve) => this.idleWaiters.push(resolve));
  }

  flush(): Promise<void> {
    return this.writer.flush();
  }

  reached(sequence: number): Promise<void> {
    if (typeof sequence !== "number" || !Number.isSafeInteger(sequence) || sequence < 0) {
      return Promise.reject(invalidArgument("sequence", "a non-negative safe integer", sequence));
    }
    if (sequence <= this.current) return resolved;
    if (this.status === "closed" || this.status === "halted") {
      return Promise.reject(this.closedError());
    }
    return new Promise<void>((resolve, reject) => {
      this.reachWaiters.push({ sequence, resolve, reject });
    });
  }

  close(): Promise<void> {
    if (this.closing === undefined) {
      if (this.status === "open") {
        this.status = "closing";
        this.rejectWaiting(new QueueClosedError("the queue was closed while this push waited"));
      }
      this.closing = this.finish();
    }
    return this.closing;
  }

  [asyncDispose](): Promise<void> {
    return this.close();
  }

  private async finish(): Promise<void> {
    await this.drain();
    this.writer.stop();
    let flushError: unknown;
    try {
      await this.writer.flush();
    } catch (error) {
      flushError = error;
    }
    const error = this.haltError ?? flushError;
    this.status = error === undefined ? "closed" : "halted";
    const unreached = this.reachWaiters;
    this.reachWaiters = [];
    for (const waiter of unreached) {
      waiter.reject(
        error ??
          new QueueClosedError(
            `the queue closed at checkpoint ${this.current}, before reaching ${waiter.sequence}`,
          ),
      );
    }
    if (error !== undefined) {
      this.failDone(error);
      throw error;
    }
    this.settleDone();
  }

  private admit(event: E, sequence: number): void {
    const { filter, orderBy, window } = this.settings;
    const index = sequence % window;
    if (this.states[index] !== EMPTY) {
      this.duplicates++;
      return;
    }
    // User callbacks run before the slot is taken so a throw leaves no half-admitted event.
    const wanted = filter === undefined || filter(event);
    const key = orderBy === undefined || !wanted ? undefined : orderBy(event);
    this.occupied++;
    if (!wanted) {
      this.skipped++;
      this.states[index] = DONE;
      if (orderBy !== undefined) this.releaseArrived();
      if (sequence === this.current + 1) this.advance();
      return;
    }
    this.events[index] = event;
    if (orderBy === undefined) {
      this.dispatch(sequence, index);
      return;
    }
    this.states[index] = HELD;
    this.keys[index] = key;
    this.releaseArrived();
  }

  /** With `orderBy`, events start in sequence order: release those whose predecessors all arrived. */
  private releaseArrived(): void {
    const { window } = this.settings;
    if (this.arrivedThrough < this.current) this.arrivedThrough = this.current;
    const limit = this.current + window;
    while (this.arrivedThrough < limit) {
      const next = this.arrivedThrough + 1;
      const index = next % window;
      const state = this.states[index];
      if (state === EMPTY) break;
      this.arrivedThrough = next;
      if (state !== HELD) continue;
      const key = this.keys[index];
      if (key === undefined) {
        this.dispatch(next, index);
        continue;
      }
      const chain = this.chains.get(key);
      if (chain === undefined) {
        this.chains.set(key, { items: [], head: 0 });
        this.dispatch(next, index);
      } else {
        chain.items.push(next);
      }
    }
  }

  private dispatch(sequence: number, index: number): void {
    this.states[index] = READY;
    this.ready.push(sequence);
    this.pump();
  }

  private pump(): void {
    if (this.pumping) return;
    this.pumping = true;
    const { concurrency, window } = this.settings;
    while (this.running < concurrency && this.ready.length > 0) {
      const sequence = this.ready.shift();
      // Halting: only events below the failed one may still run.
      if (sequence >= this.haltLimit) continue;
      const index = sequence % window;
      const event = this.events[index];
      if (event === undefined) continue;
      this.states[index] = RUNNING;
      this.running++;
      this.invoke(sequence, event, 1);
    }
    this.pumping = false;
    if (this.running === 0 && this.idleWaiters.length > 0 && this.isIdle()) this.wakeIdle();
  }

  private invoke(sequence: number, event: E, attempt: number): void {
    let result: void | Promise<void>;
    try {
      result = this.settings.handler(
        event,
        attempt === 1 ? this.firstContext : { key: this.settings.key, attempt },
      );
    } catch (error) {
      this.failed(sequence, event, attempt, error);
      return;
    }
    if (result !== undefined && typeof result.then === "function") {
      result.then(
        () => this.completed(sequence, false),
        (error: unknown) => this.failed(sequence, event, attempt, error),
      );
    } else {
      this.completed(sequence, false);
    }
  }

  private completed(sequence: number, deadLettered: boolean): void {
    const { window } = this.settings;
    const index = sequence % window;
    if (deadLettered) this.deadLettered++;
    else this.handled++;
    this.states[index] = DONE;
    this.events[index] = undefined;
    this.running--;
    if (this.settings.orderBy !== undefined) this.nextOfKey(index);
    if (sequence === this.current + 1) this.advance();
    this.pump();
  }

  private nextOfKey(index: number): void {
    const key = this.keys[index];
    this.keys[index] = undefined;
    if (key === undefined) return;
    const chain = this.chains.get(key);
    if (chain === undefined) return;
    const next = chain.items[chain.head];
    if (next === undefined) {
      this.chains.delete(key);
      return;
    }
    chain.head++;
    if (chain.head > 64 && chain.head * 2 > chain.items.length) {
      chain.items.splice(0, chain.head);
      chain.head = 0;
    }
    this.dispatch(next, next % this.settings.window);
  }

  private advance(): void {
    const { window } = this.settings;
    const states = this.states;
    let checkpoint = this.current;
    for (;;) {
      const index = (checkpoint + 1) % window;
      if (states[index] !== DONE) break;
      states[index] = EMPTY;
      checkpoint++;
      this.occupied--;
    }
    if (checkpoint === this.current) return;
    this.current = checkpoint;
    this.writer.note(checkpoint);
    if (this.reachWaiters.length > 0) this.wakeReached();
    if (this.waiting.size > 0) this.admitWaiting();
    if (this.settings.orderBy !== undefined) this.releaseArrived();
  }

  private admitWaiting(): void {
    if (this.waking) return;
    this.waking = true;
    try {
      for (;;) {
        const next = this.waiting.peek();
        if (next === undefined || next.sequence > this.current + this.settings.window) break;
        this.waiting.pop();
        if (next.sequence <= this.current) {
          this.duplicates++;
        } else {
          try {
            this.admit(next.event, next.sequence);
          } catch (error) {
            next.reject(error);
            continue;
          }
        }
        next.resolve();
      }
    } finally {
      this.waking = false;
    }
  }

  private failed(sequence: number, event: E, attempt: number, error: unknown): void {
    if (sequence >= this.haltLimit) {
      this.abandon(sequence);
      return;
    }
    if (attempt < this.settings.maxAttempts) {
      this.retries++;
      setTimeout(
        () => {
          if (sequence >= this.haltLimit) this.abandon(sequence);
          else this.invoke(sequence, event, attempt + 1);
        },
        backoffDelay(this.settings.backoff, attempt),
      );
      return;
    }
    void this.decide(sequence, event, attempt, error);
  }

  private async decide(
    sequence: number,
    event: E,
    attempts: number,
    error: unknown,
  ): Promise<void> {
    const { onError, deadLetter, key } = this.settings;
    const failure: HandlerFailure<E> = { event, error, attempts, key };
    let decision: unknown;
    try {
      decision = typeof onError === "function" ? await onError(failure) : onError;
    } catch (decisionError) {
      this.halt(
        sequence,
        new HandlerFailedError(sequence, attempts, decisionError, "onError threw"),
      );
      this.abandon(sequence);
      return;
    }
    if (decision === "dead-letter") {
      if (deadLetter === undefined) {
        this.halt(
          sequence,
          new HandlerFailedError(
            sequence,
            attempts,
            error,
            'onError chose "dead-letter" but no deadLetter callback was given',
          ),
        );
        this.abandon(sequence);
        return;
      }
      try {
        await deadLetter(failure);
      } catch (recordError) {
        this.halt(
          sequence,
          new HandlerFailedError(sequence, attempts, recordError, "deadLetter failed to record it"),
        );
        this.abandon(sequence);
        return;
      }
      this.completed(sequence, true);
      return;
    }
    const reason =
      decision === "halt"
        ? undefined
        : `onError must return "halt" or "dead-letter"; received ${String(decision)}`;
    this.halt(sequence, new HandlerFailedError(sequence, attempts, error, reason));
    this.abandon(sequence);
  }

  /** The event stays incomplete: the checkpoint can never pass it in this queue. */
  private abandon(sequence: number): void {
    const index = sequence % this.settings.window;
    this.states[index] = ABANDONED;
    this.events[index] = undefined;
    this.running--;
    this.pump();
  }

  private halt(sequence: number, error: RecoveryError): void {
    if (sequence < this.haltLimit) {
      this.haltLimit = sequence;
      this.haltError = error;
    }
    if (this.status === "open" || this.status === "closing") {
      this.status = "halting";
      this.rejectWaiting(error);
      void this.close().catch(() => undefined);
    } else if (this.status === "halting") {
      this.rejectWaiting(error);
    }
  }

  private rejectWaiting(error: unknown): void {
    for (const pending of this.waiting.takeAll()) pending.reject(error);
  }

  private closedError(): RecoveryError {
    return (
      this.haltError ??
      new QueueClosedError(
        `push() was called on a ${this.status} queue; create a new queue to continue`,
      )
    );
  }

  private isIdle(): boolean {
    return this.running === 0 && this.ready.length === 0;
  }

  private wakeReached(): void {
    const pending = this.reachWaiters;
    this.reachWaiters = pending.filter((waiter) => waiter.sequence > this.current);
    for (const waiter of pending) if (waiter.sequence <= this.current) waiter.resolve();
  }

  private wakeIdle(): void {
    const waiters = this.idleWaiters.splice(0, this.idleWaiters.length);
    for (const wake of waiters) wake();
  }
}
