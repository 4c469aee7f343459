/** A live stream read in the background, so a test can write and then look. */
export interface StreamCollector<T> {
  readonly events: readonly T[];
  /** The error the stream ended with, if any. */
  readonly error: unknown;
  /** Resolves once `predicate` holds for the events so far; rejects if the stream fails first. */
  until(predicate: (events: readonly T[]) => boolean): Promise<void>;
  close(): Promise<void>;
}

/** Starts reading `stream`; `close` ends it and waits for the reader to stop. */
export function collectInBackground<T>(
  stream: AsyncIterable<T> & { close(): Promise<void> | void },
): StreamCollector<T> {
  const events: T[] = [];
  let failure: unknown;
  let wake: () => void = () => undefined;
  let changed = new Promise<void>((resolve) => {
    wake = resolve;
  });
  const notify = () => {
    const resolve = wake;
    changed = new Promise<void>((next) => {
      wake = next;
    });
    resolve();
  };
  const reader = (async () => {
    try {
      for await (const event of stream) {
        events.push(event);
        notify();
      }
    } catch (error) {
      failure = error;
    } finally {
      notify();
    }
  })();
  let ended = false;
  void reader.then(() => {
    ended = true;
  });
  return {
    events,
    get error() {
      return failure;
    },
    async until(predicate) {
      while (!predicate(events)) {
        if (failure !== undefined) throw failure;
        if (ended)
          throw new Error(
            `the stream ended after ${events.length} events before the condition held`,
          );
        await changed;
      }
    },
    async close() {
      await stream.close();
      await reader;
    },
  };
}
