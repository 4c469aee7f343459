import {
  type CheckpointQueueSettings,
  resolveCheckpointQueueOptions,
} from "./checkpoint-queue-options.js";
import type {
  CheckpointQueue,
  CheckpointQueueOptions,
  HandlerContext,
  QueueProgress,
  QueueStatus,
  SequencedEvent,
} from "./checkpoint-queue-types.js";
import { CheckpointWriter } from "./checkpoint-writer.js";
import { CompletionWindow } from "./completion-window.js";
import {
  CheckpointStoreError,
  invalidArgument,
  QueueClosedError,
  type RecoveryError,
} from "./errors.js";
import { FailurePolicy } from "./failure-policy.js";
import { KeyOrder } from "./key-order.js";
import { PendingPushHeap } from "./pending-push-heap.js";
import { SequenceRing } from "./sequence-ring.js";

export type {
  CheckpointQueue,
  CheckpointQueueOptions,
  EventHandler,
  FailureDecision,
  HandlerContext,
  HandlerFailure,
  HandlerRetryOptions,
  QueueProgress,
  QueueStatus,
  SequencedEvent,
} from "./checkpoint-queue-types.js";

const resolved: Promise<void> = Promise.resolve();
const asyncDispose: typeof Symbol.asyncDispose =
  Symbol.asyncDispose ?? Symbol.for("Symbol.asyncDispose");

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
  const settings = resolveCheckpointQueueOptions(options);
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

/**
 * The coordinator: admits pushes into the completion window (or parks them while they
 * are beyond it), starts ready events up to the concurrency, hands failures to the
 * failure policy, releases events through the key order when `orderBy` is set, and
 * tells the checkpoint writer whenever the contiguous prefix grows.
 */
class Queue<E extends SequencedEvent> implements CheckpointQueue<E> {
  readonly initialCheckpoint: number;
  readonly done: Promise<void>;

  private readonly window: CompletionWindow<E>;
  private readonly keyOrder: KeyOrder | undefined;
  private readonly failures: FailurePolicy<E>;
  private readonly ready: SequenceRing;
  private readonly waiting = new PendingPushHeap<E>();
  private readonly writer: CheckpointWriter;
  private readonly firstContext: HandlerContext;
  private readonly idleWaiters: (() => void)[] = [];
  private reachWaiters: {
    sequence: number;
    resolve: () => void;
    reject: (error: unknown) => void;
  }[] = [];

  private running = 0;
  private handled = 0;
  private skipped = 0;
  private deadLettered = 0;
  private duplicates = 0;
  private pumping = false;
  private waking = false;
  private status: QueueStatus = "open";
  private haltLimit = Number.POSITIVE_INFINITY;
  private haltError: RecoveryError | undefined;
  private closing: Promise<void> | undefined;
  private settleDone!: () => void;
  private failDone!: (error: unknown) => void;

  constructor(
    private readonly settings: CheckpointQueueSettings<E>,
    checkpoint: number,
  ) {
    this.initialCheckpoint = checkpoint;
    this.window = new CompletionWindow<E>(settings.window, checkpoint);
    this.keyOrder = settings.orderBy
      ? new KeyOrder(this.window, (sequence) => this.dispatch(sequence))
      : undefined;
    this.failures = new FailurePolicy<E>(settings, {
      isCancelled: (sequence) => sequence >= this.haltLimit,
      retry: (sequence, event, attempt) => this.invoke(sequence, event, attempt),
      deadLettered: (sequence) => this.completed(sequence, true),
      halt: (sequence, error) => this.halt(sequence, error),
      abandon: (sequence) => this.abandon(sequence),
    });
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
      onFatal: (error) => this.halt(this.window.checkpoint + 1, error),
    });
    this.done = new Promise<void>((resolve, reject) => {
      this.settleDone = resolve;
      this.failDone = reject;
    });
    // Errors surface through push() and close() too; an unobserved `done` must not crash the process.
    this.done.catch(() => undefined);
  }

  get checkpoint(): number {
    return this.window.checkpoint;
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
    if (sequence <= this.window.checkpoint) {
      this.duplicates++;
      return resolved;
    }
    if (!this.window.fits(sequence)) {
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
      checkpoint: this.window.checkpoint,
      savedCheckpoint: this.writer.savedValue,
      inFlight: this.window.occupied,
      running: this.running,
      handled: this.handled,
      skipped: this.skipped,
      deadLettered: this.deadLettered,
      duplicatesDropped: this.duplicates,
      retries: this.failures.retries,
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
    if (sequence <= this.window.checkpoint) return resolved;
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
            `the queue closed at checkpoint ${this.window.checkpoint}, before reaching ${waiter.sequence}`,
          ),
      );
    }
    if (error !== undefined) {
      this.failDone(error);
      throw error;
    }
    this.settleDone();
  }

  /** Called only for a sequence above the checkpoint that fits the window. */
  private admit(event: E, sequence: number): void {
    const { filter, orderBy } = this.settings;
    const window = this.window;
    if (filter === undefined && orderBy === undefined) {
      // The hot path: no user callback runs, so the duplicate check and taking the slot are one step.
      if (window.admit(sequence, event)) this.dispatch(sequence);
      else this.duplicates++;
      return;
    }
    if (window.arrived(sequence)) {
      this.duplicates++;
      return;
    }
    // User callbacks run before the slot is taken so a throw leaves no half-admitted event.
    const wanted = filter === undefined || filter(event);
    const key = orderBy === undefined || !wanted ? undefined : orderBy(event);
    if (!wanted) {
      this.skipped++;
      window.skip(sequence);
      this.keyOrder?.releaseArrived();
      if (sequence === window.checkpoint + 1) this.advance();
      return;
    }
    const keyOrder = this.keyOrder;
    if (keyOrder === undefined) {
      window.admit(sequence, event);
      this.dispatch(sequence);
      return;
    }
    window.hold(sequence, event);
    keyOrder.hold(sequence, key);
    keyOrder.releaseArrived();
  }

  /** `sequence` is ready in the window: queue it to run. */
  private dispatch(sequence: number): void {
    this.ready.push(sequence);
    this.pump();
  }

  private pump(): void {
    if (this.pumping) return;
    this.pumping = true;
    const { concurrency } = this.settings;
    const window = this.window;
    while (this.running < concurrency && this.ready.length > 0) {
      const sequence = this.ready.shift();
      // Halting: only events below the failed one may still run.
      if (sequence >= this.haltLimit) continue;
      const event = window.start(sequence);
      if (event === undefined) continue;
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
      this.failures.failed(sequence, event, attempt, error);
      return;
    }
    if (result !== undefined && typeof result.then === "function") {
      result.then(
        () => this.completed(sequence, false),
        (error: unknown) => this.failures.failed(sequence, event, attempt, error),
      );
    } else {
      this.completed(sequence, false);
    }
  }

  private completed(sequence: number, deadLettered: boolean): void {
    if (deadLettered) this.deadLettered++;
    else this.handled++;
    this.window.complete(sequence);
    this.running--;
    this.keyOrder?.finished(sequence);
    if (sequence === this.window.checkpoint + 1) this.advance();
    this.pump();
  }

  private advance(): void {
    if (!this.window.advance()) return;
    this.writer.note(this.window.checkpoint);
    if (this.reachWaiters.length > 0) this.wakeReached();
    if (this.waiting.size > 0) this.admitWaiting();
    this.keyOrder?.releaseArrived();
  }

  private admitWaiting(): void {
    if (this.waking) return;
    this.waking = true;
    const window = this.window;
    try {
      for (;;) {
        const next = this.waiting.peek();
        if (next === undefined || !window.fits(next.sequence)) break;
        this.waiting.pop();
        if (next.sequence <= window.checkpoint) {
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

  /** The event stays incomplete: the checkpoint can never pass it in this queue. */
  private abandon(sequence: number): void {
    this.window.abandon(sequence);
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
    const checkpoint = this.window.checkpoint;
    const pending = this.reachWaiters;
    this.reachWaiters = pending.filter((waiter) => waiter.sequence > checkpoint);
    for (const waiter of pending) if (waiter.sequence <= checkpoint) waiter.resolve();
  }

  private wakeIdle(): void {
    const waiters = this.idleWaiters.splice(0, this.idleWaiters.length);
    for (const wake of waiters) wake();
  }
}
