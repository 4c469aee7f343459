import { BranchHub } from "./branch-hub.js";
import { isEventSource, type StreamInput, sourceFromIterable } from "./event-source.js";
import {
  filterOperation,
  finished,
  isTakeZero,
  type Lane,
  mapOperation,
  needMore,
  type Operation,
  readNext,
  takeOperation,
} from "./operations.js";
import { type Pipeline, SourcePipeline } from "./pipeline.js";

// Node 18.17 has no Symbol.asyncDispose; the registered symbol is what TypeScript's
// downlevelled `await using` and the usual polyfills look up.
const asyncDispose: typeof Symbol.asyncDispose =
  Symbol.asyncDispose ?? Symbol.for("Symbol.asyncDispose");

// Where a stream's events come from: its own source, or a step applied to a parent.
type Origin =
  | { readonly kind: "source"; readonly lane: Lane }
  | {
      readonly kind: "derived";
      readonly parent: TypedEventStream<unknown>;
      readonly operation: Operation;
    };

// Set by #derive just before it calls the constructor, so that deriving a child needs
// no constructor parameter in the public type.
let pendingDerivation: { parent: TypedEventStream<unknown>; operation: Operation } | undefined;

function isPromiseLike(value: unknown): value is PromiseLike<unknown> {
  return (
    typeof value === "object" && value !== null && typeof Reflect.get(value, "then") === "function"
  );
}

const claimMessage =
  "this TypedEventStream already has a consumer: a stream is read once, by one for-await loop or one .on() callback; derive every branch you need with .filter/.map/.take before consuming";
const parentReadMessage =
  "this TypedEventStream already has a consumer: branches were derived from it with .filter/.map/.take, and they read it; read the branches (or derive one more before reading any) instead of the stream itself";
const lateBranchMessage =
  "cannot derive another branch from this TypedEventStream: a branch derived from it is already being read; derive every branch before reading any of them (branches derived in the same synchronous run as the first read are fine)";

/**
 * A stream of events from one server-streaming call (or any async source), with one
 * consumer: `for await`, or `.on(callback)`.
 *
 * - `.filter`, `.map` and `.take` derive child streams ("branches"). Several branches
 *   of one stream can be read concurrently: the stream is pulled at the pace of the
 *   slowest open branch (a branch that is never read holds the others back, so close
 *   the ones you do not need); closing one branch leaves the others running; closing
 *   the last one closes the stream and its call; a failure reaches every branch.
 *   Derive every branch before reading any of them.
 * - A stream with branches is read through them: reading it directly throws.
 * - `.take(n)` closes its branch after the n-th event; `.take(0)` pulls nothing.
 * - `close()` cancels the underlying call at once (or, on a branch, releases that
 *   branch), is idempotent and returns the same promise every time; `await using`
 *   and `break` close it too.
 * - A second consumer throws a `TypeError` that says so.
 */
export class TypedEventStream<T> implements AsyncIterable<T>, AsyncDisposable {
  readonly #origin: Origin;
  readonly #children: TypedEventStream<unknown>[] = [];
  // The pipeline and steps this stream's events come through, fixed on first read.
  #lane: Lane | undefined;
  #hub: BranchHub | undefined;
  // A child reads through this stream already: no more branches may be derived.
  #sealed = false;
  #claimed = false;
  #stopped = false;

  /**
   * Wraps a source: an {@link EventSource} (batched, the fast path), an async iterable
   * or an iterable. `onClose` runs once when the stream closes for any reason (ended,
   * failed, closed by the consumer, or its last branch closed).
   */
  constructor(source: StreamInput<T>, onClose?: () => void | Promise<void>) {
    const derived = pendingDerivation;
    pendingDerivation = undefined;
    if (derived !== undefined) {
      this.#origin = { kind: "derived", parent: derived.parent, operation: derived.operation };
      return;
    }
    const pipeline = new SourcePipeline(
      isEventSource(source) ? source : sourceFromIterable(source),
      onClose,
    );
    const lane: Lane = { pipeline, operations: [], empty: false };
    this.#origin = { kind: "source", lane };
    this.#lane = lane;
  }

  /** True once the stream (or the chain it reads through) has been closed or has ended. */
  get closed(): boolean {
    const lane = this.#lane;
    if (lane !== undefined) return lane.pipeline.closed;
    const origin = this.#origin;
    return origin.kind === "derived" && origin.parent.closed;
  }

  // Fixes the lane this stream reads through. A single child reads straight through
  // its parent's lane with one more step; children of a stream with several get a
  // branch of the parent's hub.
  #bind(): Lane {
    const existing = this.#lane;
    if (existing !== undefined) return existing;
    const origin = this.#origin;
    if (origin.kind === "source") return origin.lane;
    const { parent, operation } = origin;
    parent.#sealed = true;
    let lane: Lane;
    if (parent.#children.length <= 1) {
      const upstream = parent.#bind();
      lane = {
        pipeline: upstream.pipeline,
        operations: [...upstream.operations, operation],
        empty: upstream.empty || isTakeZero(operation),
      };
    } else {
      lane = {
        pipeline: parent.#branchFor(this),
        operations: [operation],
        empty: isTakeZero(operation),
      };
    }
    this.#lane = lane;
    return lane;
  }

  #branchFor(child: object): Pipeline {
    let hub = this.#hub;
    if (hub === undefined) {
      hub = new BranchHub(this.#bind(), this.#children);
      this.#hub = hub;
    }
    return hub.branchFor(child);
  }

  #claim(): void {
    if (this.#claimed) throw new TypeError(claimMessage);
    if (this.#children.length > 0) throw new TypeError(parentReadMessage);
    this.#claimed = true;
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
    const lane = this.#lane;
    if (lane === undefined) return this.#firstRead();
    let value: unknown;
    try {
      value = readNext(lane);
    } catch (error) {
      // A predicate or transform threw: the consumer sees it, the call is released.
      this.#stopped = true;
      void lane.pipeline.close();
      throw error;
    }
    if (value === needMore) return lane.pipeline.fill().then(this.#settle);
    if (value === finished) {
      this.#stopped = true;
      const failure = lane.pipeline.failure;
      if (failure !== undefined) {
        lane.pipeline.failure = undefined;
        throw failure.error;
      }
      return { value: undefined, done: true };
    }
    // The steps produced a T by construction of the derive methods.
    return { value: value as T, done: false };
  };

  // A derived stream fixes its lane one microtask after its first read, so that the
  // branches derived in the same synchronous run (`Promise.all([read(a), read(s.filter(…))])`)
  // are all known by then.
  #firstRead(): Promise<IteratorResult<T>> {
    return Promise.resolve().then(() => {
      this.#bind();
      return this.#settle();
    });
  }

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
      // As for for-await: the lane is fixed one microtask later (see #firstRead).
      if (this.#lane === undefined) await undefined;
      const lane = this.#bind();
      for (;;) {
        if (stopped) return;
        const value = readNext(lane);
        if (value === needMore) {
          await lane.pipeline.fill();
          continue;
        }
        if (value === finished) {
          const failure = lane.pipeline.failure;
          lane.pipeline.failure = undefined;
          if (failure !== undefined && !stopped) throw failure.error;
          return;
        }
        // The steps produced a T by construction of the derive methods.
        const result: unknown = callback(value as T);
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
    if (this.#claimed) throw new TypeError(claimMessage);
    if (this.#sealed) throw new TypeError(lateBranchMessage);
    pendingDerivation = { parent: this, operation };
    const child = new TypedEventStream<U>([]);
    this.#children.push(child);
    return child;
  }

  /** A child stream of the events that pass `predicate` (narrowed by a type guard). */
  filter<S extends T>(predicate: (event: T) => event is S): TypedEventStream<S>;
  filter(predicate: (event: T) => boolean): TypedEventStream<T>;
  filter(predicate: (event: T) => boolean): TypedEventStream<T> {
    if (typeof predicate !== "function") {
      throw new TypeError(`filter needs a predicate function; received ${typeof predicate}`);
    }
    // Steps see values the earlier steps produced, which are Ts here.
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
   * A child stream of the first `count` events; it is closed right after the
   * `count`-th event (and with it this stream, unless another branch of it is still
   * open). `take(0)` pulls nothing. Throws a `RangeError` unless `count` is a
   * non-negative integer.
   */
  take(count: number): TypedEventStream<T> {
    if (typeof count !== "number" || !Number.isInteger(count) || count < 0) {
      throw new RangeError(`take needs a non-negative integer count; received ${String(count)}`);
    }
    return this.#derive<T>({ kind: takeOperation, remaining: count });
  }

  /**
   * Closes the stream, cancelling the underlying call without waiting for the server.
   * On a stream with branches it closes every branch; on a branch it releases that
   * branch, and the stream it came from closes once its last branch has. Safe to call
   * more than once; every call returns the same promise. A pending read ends as if the
   * stream ended.
   */
  close(): Promise<void> {
    this.#stopped = true;
    return this.#bind().pipeline.close();
  }

  /** Closes the stream: `await using stream = ...` closes it on scope exit. */
  [asyncDispose](): Promise<void> {
    return this.close();
  }
}
