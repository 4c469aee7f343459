import {
  type EventSource,
  isEventSource,
  type StreamInput,
  sourceFromIterable,
} from "./event-source.js";

// Node 18.17 has no Symbol.asyncDispose; the registered symbol is what TypeScript's
// downlevelled `await using` and the usual polyfills look up.
const asyncDispose: typeof Symbol.asyncDispose =
  Symbol.asyncDispose ?? Symbol.for("Symbol.asyncDispose");

const filterOperation = 0;
const mapOperation = 1;
const takeOperation = 2;

// One derived step. Children copy their parent's list and append one, so a chain of
// operators runs as a plain loop inside the one pull loop of the stream being read.
type Operation =
  | { readonly kind: typeof filterOperation; readonly apply: (value: unknown) => boolean }
  | { readonly kind: typeof mapOperation; readonly apply: (value: unknown) => unknown }
  | { readonly kind: typeof takeOperation; remaining: number };

const needMore: unique symbol = Symbol("needMore");
const finished: unique symbol = Symbol("finished");

/**
 * The state one chain of streams shares: the source, the batch being read, and the
 * one-shot close. A stream and everything derived from it read the same pipeline;
 * only one of them (the last derived) ever consumes it.
 */
class Pipeline {
  private readonly source: EventSource<unknown>;
  private readonly onClose: (() => void | Promise<void>) | undefined;
  batch: readonly unknown[] = [];
  index = 0;
  /** Set when the source ended, failed, or the chain was closed. */
  done = false;
  /** The failure to deliver once, if the source failed. */
  failure: { error: unknown } | undefined;
  private filling: Promise<void> | undefined;
  private wake: (() => void) | undefined;
  private closing: Promise<void> | undefined;

  constructor(source: EventSource<unknown>, onClose: (() => void | Promise<void>) | undefined) {
    this.source = source;
    this.onClose = onClose;
  }

  get closed(): boolean {
    return this.closing !== undefined;
  }

  /** Resolves once the batch has unread events, or the pipeline is done. Never rejects. */
  fill(): Promise<void> {
    if (this.filling !== undefined) return this.filling;
    let pulled: readonly unknown[] | undefined | Promise<readonly unknown[] | undefined>;
    try {
      pulled = this.source.pull();
    } catch (error) {
      this.fail(error);
      return Promise.resolve();
    }
    if (!(pulled instanceof Promise)) {
      this.accept(pulled);
      return Promise.resolve();
    }
    const pending = pulled;
    if (this.source.settlesOnCancel === true) {
      this.filling = pending.then(
        (batch) => {
          this.filling = undefined;
          this.accept(batch);
        },
        (error: unknown) => {
          this.filling = undefined;
          this.fail(error);
        },
      );
      return this.filling;
    }
    this.filling = new Promise<void>((resolve) => {
      // close() wakes the reader even if the source never settles its pull.
      this.wake = resolve;
      pending.then(
        (batch) => {
          this.filling = undefined;
          this.wake = undefined;
          this.accept(batch);
          resolve();
        },
        (error: unknown) => {
          this.filling = undefined;
          this.wake = undefined;
          this.fail(error);
          resolve();
        },
      );
    });
    return this.filling;
  }

  private accept(batch: readonly unknown[] | undefined): void {
    if (this.closing !== undefined) return;
    if (batch === undefined) {
      this.done = true;
      void this.close();
      return;
    }
    this.batch = batch;
    this.index = 0;
  }

  fail(error: unknown): void {
    if (this.done || this.closing !== undefined) return;
    this.done = true;
    this.failure = { error };
    void this.close();
  }

  close(): Promise<void> {
    if (this.closing !== undefined) return this.closing;
    this.done = true;
    this.batch = [];
    this.index = 0;
    const wake = this.wake;
    this.wake = undefined;
    this.closing = (async () => {
      wake?.();
      try {
        await this.source.cancel();
      } catch {
        // Releasing a call that already failed can throw; the stream is closed either way.
      }
      await this.onClose?.();
    })();
    return this.closing;
  }
}

// Set by #derive just before it calls the constructor, so that deriving a child over
// the same pipeline needs no constructor parameter in the public type.
let pendingDerivation: { pipeline: Pipeline; operations: Operation[] } | undefined;

function isPromiseLike(value: unknown): value is PromiseLike<unknown> {
  return (
    typeof value === "object" && value !== null && typeof Reflect.get(value, "then") === "function"
  );
}

const claimMessage =
  "this TypedEventStream already has a consumer: a stream is read once, by one for-await loop or one .on() callback, and deriving with .filter/.map/.take claims it too; derive every branch you need before consuming";

/**
 * A stream of events from one server-streaming call (or any async source), with one
 * consumer: `for await`, or `.on(callback)`.
 *
 * - `.filter`, `.map` and `.take` derive a child stream and claim this one.
 * - `.take(n)` closes the chain after the n-th event; `.take(0)` pulls nothing.
 * - `close()` cancels the underlying call at once, is idempotent and returns the same
 *   promise every time; `await using` and `break` close it too.
 * - A second consumer throws a `TypeError` that says so.
 */
export class TypedEventStream<T> implements AsyncIterable<T>, AsyncDisposable {
  readonly #pipeline: Pipeline;
  readonly #operations: readonly Operation[];
  // A take(0) in the chain: the stream is empty and must not pull.
  readonly #empty: boolean;
  #claimed = false;
  #stopped = false;

  /**
   * Wraps a source: an {@link EventSource} (batched, the fast path), an async iterable
   * or an iterable. `onClose` runs once when the stream closes for any reason (ended,
   * failed, closed by the consumer).
   */
  constructor(source: StreamInput<T>, onClose?: () => void | Promise<void>) {
    const derived = pendingDerivation;
    pendingDerivation = undefined;
    this.#pipeline =
      derived?.pipeline ??
      new Pipeline(isEventSource(source) ? source : sourceFromIterable(source), onClose);
    const operations = derived?.operations;
    this.#operations = operations ?? [];
    this.#empty = this.#operations.some(
      (operation) => operation.kind === takeOperation && operation.remaining <= 0,
    );
  }

  /** True once the stream (or its chain) has been closed or has ended. */
  get closed(): boolean {
    return this.#pipeline.closed;
  }

  #claim(): void {
    if (this.#claimed) throw new TypeError(claimMessage);
    this.#claimed = true;
  }

  /**
   * Reads the next event that passes every operation from the buffered batch, without
   * awaiting: `needMore` when the batch is used up, `finished` when the chain is done.
   */
  #read(): T | typeof needMore | typeof finished {
    const pipeline = this.#pipeline;
    const operations = this.#operations;
    const count = operations.length;
    if (this.#empty) {
      void pipeline.close();
      return finished;
    }
    for (;;) {
      const batch = pipeline.batch;
      if (pipeline.index >= batch.length) return pipeline.done ? finished : needMore;
      let value: unknown = batch[pipeline.index++];
      let keep = true;
      let last = false;
      for (let position = 0; position < count; position++) {
        const operation = operations[position];
        if (operation === undefined) continue;
        if (operation.kind === filterOperation) {
          if (!operation.apply(value)) {
            keep = false;
            break;
          }
        } else if (operation.kind === mapOperation) {
          value = operation.apply(value);
        } else {
          operation.remaining -= 1;
          if (operation.remaining === 0) last = true;
        }
      }
      // A take that just counted its last event ends the chain even when a later
      // filter drops that event.
      if (last) void pipeline.close();
      if (!keep) {
        if (last) return finished;
        continue;
      }
      // The operations produced a T by construction of the derive methods.
      return value as T;
    }
  }

  #next(): Promise<IteratorResult<T>> {
    try {
      const result = this.#settle();
      return result instanceof Promise ? result : Promise.resolve(result);
    } catch (error) {
      return Promise.reject(error);
    }
  }

  // The next result, as a plain value when it is already buffered. After a refill the
  // continuation returns a plain result too: returning a promise from a `then` callback
  // would cost two extra microtask turns per event.
  readonly #settle = (): IteratorResult<T> | Promise<IteratorResult<T>> => {
    if (this.#stopped) return { value: undefined, done: true };
    let value: T | typeof needMore | typeof finished;
    try {
      value = this.#read();
    } catch (error) {
      // A predicate or transform threw: the consumer sees it, the call is released.
      this.#stopped = true;
      void this.#pipeline.close();
      throw error;
    }
    if (value === needMore) return this.#pipeline.fill().then(this.#settle);
    if (value === finished) {
      this.#stopped = true;
      const failure = this.#pipeline.failure;
      if (failure !== undefined) {
        this.#pipeline.failure = undefined;
        throw failure.error;
      }
      return { value: undefined, done: true };
    }
    return { value, done: false };
  };

  /** Claims the stream and iterates it; `break` or `return` closes it. */
  [Symbol.asyncIterator](): AsyncIterator<T> {
    this.#claim();
    return {
      next: () => this.#next(),
      return: async () => {
        this.#stopped = true;
        await this.close();
        return { value: undefined, done: true };
      },
      throw: async (error: unknown) => {
        this.#stopped = true;
        await this.close();
        throw error;
      },
    };
  }

  /**
   * Claims the stream and calls `callback` for each event, awaiting it when it returns a
   * promise before delivering the next. Returns `stop()`, which closes the stream.
   * A failure of the stream or the callback goes to `onError`; without `onError` it is
   * rethrown asynchronously (an uncaught exception, so it is never silently lost).
   */
  on(
    callback: (event: T) => void | Promise<void>,
    onError?: (error: unknown) => void,
  ): () => Promise<void> {
    this.#claim();
    let stopped = false;
    const stop = (): Promise<void> => {
      stopped = true;
      this.#stopped = true;
      return this.close();
    };
    const run = async (): Promise<void> => {
      for (;;) {
        if (stopped) return;
        const value = this.#read();
        if (value === needMore) {
          await this.#pipeline.fill();
          continue;
        }
        if (value === finished) {
          const failure = this.#pipeline.failure;
          this.#pipeline.failure = undefined;
          if (failure !== undefined && !stopped) throw failure.error;
          return;
        }
        const result: unknown = callback(value);
        if (isPromiseLike(result)) await result;
      }
    };
    run().then(
      () => this.close(),
      (error: unknown) => {
        void this.close();
        if (stopped) return;
        if (onError !== undefined) onError(error);
        else
          queueMicrotask(() => {
            throw error;
          });
      },
    );
    return stop;
  }

  #derive<U>(operation: Operation): TypedEventStream<U> {
    this.#claim();
    pendingDerivation = { pipeline: this.#pipeline, operations: [...this.#operations, operation] };
    return new TypedEventStream<U>([]);
  }

  /** A child stream of the events that pass `predicate` (narrowed by a type guard). */
  filter<S extends T>(predicate: (event: T) => event is S): TypedEventStream<S>;
  filter(predicate: (event: T) => boolean): TypedEventStream<T>;
  filter(predicate: (event: T) => boolean): TypedEventStream<T> {
    if (typeof predicate !== "function") {
      throw new TypeError(`filter needs a predicate function; received ${typeof predicate}`);
    }
    // Operations see values the earlier operations produced, which are Ts here.
    return this.#derive<T>({
      kind: filterOperation,
      apply: predicate as (value: unknown) => boolean,
    });
  }

  /** A child stream of `transform(event)` for each event. */
  map<U>(transform: (event: T) => U): TypedEventStream<U> {
    if (typeof transform !== "function") {
      throw new TypeError(`map needs a transform function; received ${typeof transform}`);
    }
    return this.#derive<U>({ kind: mapOperation, apply: transform as (value: unknown) => unknown });
  }

  /**
   * A child stream of the first `count` events; the whole chain (this stream included)
   * is closed right after the `count`-th event. `take(0)` pulls nothing.
   * Throws a `RangeError` unless `count` is a non-negative integer.
   */
  take(count: number): TypedEventStream<T> {
    if (typeof count !== "number" || !Number.isInteger(count) || count < 0) {
      throw new RangeError(`take needs a non-negative integer count; received ${String(count)}`);
    }
    return this.#derive<T>({ kind: takeOperation, remaining: count });
  }

  /**
   * Closes the stream and everything it was derived from or into, cancelling the
   * underlying call without waiting for the server. Safe to call more than once; every
   * call returns the same promise. A pending read ends as if the stream ended.
   */
  close(): Promise<void> {
    this.#stopped = true;
    return this.#pipeline.close();
  }

  /** Closes the stream: `await using stream = ...` closes it on scope exit. */
  [asyncDispose](): Promise<void> {
    return this.close();
  }
}
