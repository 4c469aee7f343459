/**
 * The gap-free, duplicate-free hand-off of one connection between its catch-up and its
 * live stream(s). Pure bookkeeping over sequences: no I/O, no timers.
 *
 * - Before the catch-up completes, live frames are held (they were committed after the
 *   live streams registered, so each is either in the catch-up too or after its head).
 * - Catch-up frames pass unless at or below the floor (already delivered) or repeated.
 * - At the catch-up's head, held frames above it are released in sequence order, each
 *   once; from then on a live frame passes when it is above the head.
 * - Without a catch-up (a stream that replays from the cursor itself), frames pass in
 *   stream order when above the last one passed.
 *
 * @internal not covered by semver
 */
export interface HandOff<Frame> {
  /** A catch-up frame with `sequence`: true to deliver it. */
  catchUp(sequence: number): boolean;
  /** A live frame with `sequence`: true to deliver it now (else it was held or dropped). */
  live(frame: Frame, sequence: number): boolean;
  /** The catch-up reached `head`: returns the held frames to deliver now, in order. */
  caughtUp(head: number): Frame[];
  /** Whether the catch-up is still running. */
  readonly catchingUp: boolean;
  /**
   * Highest sequence at or below which every event has been delivered (or was at or
   * below the cursor): where the next connection's duplicates start.
   */
  readonly floor: number | undefined;
  /** Frames dropped as already delivered. */
  readonly dropped: number;
  /** Live frames held while catching up. */
  readonly holding: number;
}

/** Options of {@link createHandOff}. */
export interface HandOffOptions {
  /** Everything at or below this sequence was delivered already; `undefined` for none. */
  readonly floor: number | undefined;
  /** True when a catch-up runs before live frames may pass. */
  readonly catchingUp: boolean;
}

/** @internal not covered by semver */
export function createHandOff<Frame>(options: HandOffOptions): HandOff<Frame> {
  let floor = options.floor;
  let catchingUp = options.catchingUp;
  // The last sequence a catch-up (or replaying stream) passed; they arrive in order.
  let last = floor;
  let held: { frame: Frame; sequence: number }[] = [];
  let dropped = 0;

  const above = (sequence: number, bound: number | undefined) =>
    bound === undefined || sequence > bound;

  return {
    catchUp(sequence) {
      if (!above(sequence, last)) {
        dropped += 1;
        return false;
      }
      last = sequence;
      return true;
    },
    live(frame, sequence) {
      if (catchingUp) {
        held.push({ frame, sequence });
        return false;
      }
      if (!above(sequence, floor)) {
        dropped += 1;
        return false;
      }
      if (!options.catchingUp) {
        // A replaying stream: its frames are in order and the floor follows them.
        floor = sequence;
        last = sequence;
      }
      return true;
    },
    caughtUp(head) {
      catchingUp = false;
      const bound = Math.max(head, last ?? 0, floor ?? 0);
      floor = bound;
      last = bound;
      const release = held;
      held = [];
      release.sort((left, right) => left.sequence - right.sequence);
      const frames: Frame[] = [];
      let previous = bound;
      for (const entry of release) {
        if (entry.sequence <= previous) {
          dropped += 1;
          continue;
        }
        previous = entry.sequence;
        frames.push(entry.frame);
      }
      return frames;
    },
    get catchingUp() {
      return catchingUp;
    },
    get floor() {
      return floor;
    },
    get dropped() {
      return dropped;
    },
    get holding() {
      return held.length;
    },
  };
}
