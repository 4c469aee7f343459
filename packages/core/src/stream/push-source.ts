import type { EventSource } from "./event-source.js";

/** Hooks a {@link PushSource} calls to apply back-pressure to its producer. */
export interface PushSourceOptions {
  /** Buffered events above which `pause` is called. Default 4096. */
  readonly highWaterMark?: number;
  /** Called when the buffer grows past the high-water mark. */
  readonly pause?: () => void;
  /** Called when the consumer has drained the buffer after a pause. */
  readonly resume?: () => void;
  /** Called once when the consumer cancels. */
  readonly cancel?: () => void;
}

/**
 * A buffered {@link EventSource} fed by callbacks (a gRPC stream's `data`, `end` and
 * `error`). `pull` hands over everything buffered at once, so a consumer that keeps up
 * pays one promise per burst of frames, not per frame.
 *
 * @internal not covered by semver
 */
export interface PushSource<T> extends EventSource<T> {
  push(event: T): void;
  end(): void;
  fail(error: unknown): void;
  /** True once ended, failed or cancelled. */
  readonly finished: boolean;
  /** Events pushed and not yet pulled. */
  readonly buffered: number;
  /** Resolves when the consumer next takes the buffer (or the source is cancelled). */
  drained(): Promise<void>;
}

/** @internal not covered by semver */
export function createPushSource<T>(options: PushSourceOptions = {}): PushSource<T> {
  const highWaterMark = options.highWaterMark ?? 4096;
  let buffer: T[] = [];
  let ended = false;
  let cancelled = false;
  let failure: { error: unknown } | undefined;
  let paused = false;
  let waiter: ((value: readonly T[] | undefined) => void) | undefined;
  let rejecter: ((error: unknown) => void) | undefined;
  let drainWaiters: (() => void)[] = [];

  function notifyDrained(): void {
    if (drainWaiters.length === 0) return;
    const waiters = drainWaiters;
    drainWaiters = [];
    for (const wake of waiters) wake();
  }

  function settle(): void {
    const resolve = waiter;
    const reject = rejecter;
    if (resolve === undefined || reject === undefined) return;
    waiter = undefined;
    rejecter = undefined;
    if (buffer.length > 0) {
      const batch = buffer;
      buffer = [];
      resolve(batch);
      notifyDrained();
    } else if (failure !== undefined) {
      reject(failure.error);
    } else {
      resolve(undefined);
    }
  }

  return {
    // cancel() resolves the waiting pull.
    settlesOnCancel: true,
    get finished() {
      return ended || cancelled || failure !== undefined;
    },
    get buffered() {
      return buffer.length;
    },
    drained() {
      if (cancelled || buffer.length === 0) return Promise.resolve();
      return new Promise<void>((resolve) => {
        drainWaiters.push(resolve);
      });
    },
    push(event) {
      if (ended || cancelled || failure !== undefined) return;
      buffer.push(event);
      if (waiter !== undefined) {
        settle();
      } else if (!paused && buffer.length >= highWaterMark && options.pause !== undefined) {
        paused = true;
        options.pause();
      }
    },
    end() {
      if (ended || cancelled || failure !== undefined) return;
      ended = true;
      settle();
    },
    fail(error) {
      if (ended || cancelled || failure !== undefined) return;
      failure = { error };
      settle();
    },
    pull() {
      if (buffer.length > 0) {
        const batch = buffer;
        buffer = [];
        if (paused) {
          paused = false;
          options.resume?.();
        }
        notifyDrained();
        return batch;
      }
      if (failure !== undefined) throw failure.error;
      if (ended || cancelled) return undefined;
      if (paused) {
        paused = false;
        options.resume?.();
      }
      return new Promise<readonly T[] | undefined>((resolve, reject) => {
        waiter = resolve;
        rejecter = reject;
      });
    },
    cancel() {
      if (cancelled) return;
      cancelled = true;
      buffer = [];
      const resolve = waiter;
      waiter = undefined;
      rejecter = undefined;
      resolve?.(undefined);
      notifyDrained();
      options.cancel?.();
    },
  };
}
