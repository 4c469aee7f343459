/** Anything with a log sequence. */
interface Sequenced {
  readonly sequence: number;
}

/**
 * Releases events strictly in sequence order, each at most once, from sources that may
 * repeat events or deliver them out of order (catch-up plus four live streams).
 *
 * @internal not covered by semver
 */
export interface InOrderRelease<Event extends Sequenced> {
  /**
   * Delivers `event` if it is the next sequence (then every held successor), holds it
   * if it is ahead of a hole, drops it if it was already delivered.
   */
  offer(event: Event): void;
  /** Declares everything up to `sequence` delivered (an empty log's head, say). */
  advanceTo(sequence: number): void;
  /** Last sequence delivered, `undefined` before the first when starting from nothing. */
  readonly last: number | undefined;
  /** Events held behind a hole. */
  readonly holding: number;
}

/**
 * Creates a releaser after `last` (`undefined`: accept the first event offered as the
 * start, as when replaying a log whose oldest events were trimmed).
 *
 * @internal not covered by semver
 */
export function createInOrderRelease<Event extends Sequenced>(
  last: number | undefined,
  deliver: (event: Event) => void,
): InOrderRelease<Event> {
  let current = last;
  const held = new Map<number, Event>();

  function drainHeld(): void {
    // The common case, events arriving in order, holds nothing: no lookups, no iterator.
    if (current === undefined || held.size === 0) return;
    for (let next = held.get(current + 1); next !== undefined; next = held.get(current + 1)) {
      held.delete(next.sequence);
      current = next.sequence;
      deliver(next);
    }
    for (const sequence of held.keys()) if (sequence <= current) held.delete(sequence);
  }

  return {
    offer(event) {
      if (current !== undefined) {
        if (event.sequence <= current) return;
        if (event.sequence !== current + 1) {
          held.set(event.sequence, event);
          return;
        }
      }
      current = event.sequence;
      deliver(event);
      drainHeld();
    },
    advanceTo(sequence) {
      if (current !== undefined && sequence <= current) return;
      current = sequence;
      drainHeld();
    },
    get last() {
      return current;
    },
    get holding() {
      return held.size;
    },
  };
}
