/**
 * Memoises a frame encoder per event: the hub hands the same event objects to every
 * subscriber of a log, so the first subscriber to send an event encodes its frame and
 * every other stream of that log sends the same bytes. Entries go with their events.
 */
export function shareFrames<Event extends object>(
  encode: (event: Event) => Uint8Array,
): (event: Event) => Uint8Array {
  const frames = new WeakMap<Event, Uint8Array>();
  return (event) => {
    let frame = frames.get(event);
    if (frame === undefined) {
      frame = encode(event);
      frames.set(event, frame);
    }
    return frame;
  };
}

/**
 * Memoises a frame built from a run of consecutive events, keyed by the run's first
 * event and its length. Only for subscribers that take every event of the log (no
 * filter), for whom the first event and the length determine the whole run.
 */
export function shareRunFrames<Event extends object>(
  encode: (events: readonly Event[]) => Uint8Array,
): (events: readonly Event[], start: number, end: number) => Uint8Array {
  const frames = new WeakMap<Event, Map<number, Uint8Array>>();
  return (events, start, end) => {
    const first = events[start];
    if (first === undefined) throw new RangeError("no event to frame");
    let byLength = frames.get(first);
    if (byLength === undefined) {
      byLength = new Map();
      frames.set(first, byLength);
    }
    const length = end - start;
    let frame = byLength.get(length);
    if (frame === undefined) {
      frame = encode(events.slice(start, end));
      byLength.set(length, frame);
    }
    return frame;
  };
}
