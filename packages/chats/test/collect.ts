/** The first `count` items of an async iterable; stops (and so closes the stream) after them. */
export async function firstEvents<T>(stream: AsyncIterable<T>, count: number): Promise<T[]> {
  const events: T[] = [];
  if (count === 0) return events;
  for await (const event of stream) {
    events.push(event);
    if (events.length === count) break;
  }
  return events;
}

/** The first item matching `predicate`; stops the stream there. */
export async function firstMatching<T, S extends T>(
  stream: AsyncIterable<T>,
  predicate: (event: T) => event is S,
): Promise<S> {
  for await (const event of stream) {
    if (predicate(event)) return event;
  }
  throw new Error("the stream ended before a matching event arrived");
}
