/**
 * What a {@link TypedEventStream} pulls from. Sources hand over events in batches so a
 * stream pays for one promise per batch rather than one per event.
 */
export interface EventSource<T> {
  /**
   * The next non-empty batch, `undefined` once the source has ended, or a promise of
   * either. Throws or rejects with the failure that ended the source. Not called again
   * after it returned `undefined`, failed, or the source was cancelled.
   */
  pull(): readonly T[] | undefined | Promise<readonly T[] | undefined>;
  /**
   * Releases whatever the source holds (cancels the gRPC call) without waiting for the
   * other side. A pull in flight may stay pending forever; the stream stops waiting on it.
   */
  cancel(): void | Promise<void>;
  /**
   * Set when `cancel()` always settles a pull in flight. The stream then waits on the
   * pull alone instead of also arming its own wake-up, one promise less per batch.
   */
  readonly settlesOnCancel?: boolean;
}

/** Anything a {@link TypedEventStream} can be built from. */
export type StreamInput<T> = EventSource<T> | AsyncIterable<T> | Iterable<T>;

/** @internal not covered by semver */
export function isEventSource<T>(value: StreamInput<T>): value is EventSource<T> {
  return (
    typeof Reflect.get(value, "pull") === "function" &&
    typeof Reflect.get(value, "cancel") === "function"
  );
}

/**
 * Adapts an async or sync iterable to an {@link EventSource}, one event per batch for
 * async iterables (they hand over one value per promise anyway) and one batch for sync
 * ones.
 *
 * @internal not covered by semver
 */
export function sourceFromIterable<T>(input: AsyncIterable<T> | Iterable<T>): EventSource<T> {
  if (Symbol.asyncIterator in input) {
    let iterator: AsyncIterator<T> | undefined;
    let settlePending: ((batch: undefined) => void) | undefined;
    let cancelled = false;
    return {
      settlesOnCancel: true,
      pull() {
        if (cancelled) return undefined;
        iterator ??= input[Symbol.asyncIterator]();
        const source = iterator;
        return new Promise<readonly T[] | undefined>((resolve, reject) => {
          settlePending = resolve;
          source.next().then((result) => {
            settlePending = undefined;
            resolve(result.done === true ? undefined : [result.value]);
          }, reject);
        });
      },
      cancel() {
        cancelled = true;
        settlePending?.(undefined);
        settlePending = undefined;
        // Not awaited: a generator parked on an await would make close() hang.
        const pending = iterator?.return?.();
        if (pending !== undefined) pending.catch(() => undefined);
      },
    };
  }
  let delivered = false;
  return {
    pull() {
      if (delivered) return undefined;
      delivered = true;
      const batch = Array.from(input);
      return batch.length === 0 ? undefined : batch;
    },
    cancel() {
      delivered = true;
    },
  };
}
