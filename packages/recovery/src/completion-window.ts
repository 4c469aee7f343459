// Slot states. A slot describes sequence s with s % capacity === slot, for
// checkpoint < s <= checkpoint + capacity; EMPTY means that sequence has not arrived.
const EMPTY = 0;
const HELD = 1;
const READY = 2;
const RUNNING = 3;
const DONE = 4;
const ABANDONED = 5;

/**
 * The sequences tracked above a checkpoint, one slot each in a fixed ring of
 * `capacity` slots, and the checkpoint itself: the highest sequence below which every
 * sequence is done. The checkpoint only moves over a contiguous prefix of done
 * sequences, so it never passes one that is held, ready, running or abandoned.
 *
 * The caller keeps every sequence it passes within `checkpoint < sequence` and
 * {@link fits}; the window does not check, because it sits on the hot path.
 *
 * @internal not covered by semver
 */
export class CompletionWindow<E> {
  /** How many sequences above the checkpoint can be tracked at once. */
  readonly capacity: number;
  private current: number;
  private occupiedSlots = 0;
  private readonly states: Uint8Array;
  private readonly events: (E | undefined)[];

  constructor(capacity: number, checkpoint: number) {
    this.capacity = capacity;
    this.current = checkpoint;
    this.states = new Uint8Array(capacity);
    this.events = new Array<E | undefined>(capacity);
  }

  /** Highest sequence below which every sequence is done. */
  get checkpoint(): number {
    return this.current;
  }

  /** Sequences that arrived above the checkpoint and are not yet passed by it. */
  get occupied(): number {
    return this.occupiedSlots;
  }

  /** Whether `sequence` is close enough to the checkpoint to get a slot. */
  fits(sequence: number): boolean {
    return sequence <= this.current + this.capacity;
  }

  /** Whether `sequence` has arrived (it holds a slot in any state). */
  arrived(sequence: number): boolean {
    return this.states[sequence % this.capacity] !== EMPTY;
  }

  /** Whether `sequence` arrived and is held back, not yet ready to run. */
  isHeld(sequence: number): boolean {
    return this.states[sequence % this.capacity] === HELD;
  }

  /**
   * Take the slot of an arrived event that may run at once. Returns false, and changes
   * nothing, when `sequence` already arrived (a duplicate).
   */
  admit(sequence: number, event: E): boolean {
    const index = sequence % this.capacity;
    if (this.states[index] !== EMPTY) return false;
    this.occupiedSlots++;
    this.events[index] = event;
    this.states[index] = READY;
    return true;
  }

  /** Take the slot of an arrived event that waits until released with {@link markReady}. */
  hold(sequence: number, event: E): void {
    const index = sequence % this.capacity;
    this.occupiedSlots++;
    this.events[index] = event;
    this.states[index] = HELD;
  }

  /** Take the slot of an arrived sequence that needs no run: it is done at once. */
  skip(sequence: number): void {
    this.occupiedSlots++;
    this.states[sequence % this.capacity] = DONE;
  }

  /** A held sequence may run now. */
  markReady(sequence: number): void {
    this.states[sequence % this.capacity] = READY;
  }

  /**
   * Mark `sequence` running and return its event, or `undefined` (and change nothing)
   * when the slot holds no event.
   */
  start(sequence: number): E | undefined {
    const index = sequence % this.capacity;
    const event = this.events[index];
    if (event !== undefined) this.states[index] = RUNNING;
    return event;
  }

  /** `sequence` finished; its event is released. Call {@link advance} to move the checkpoint. */
  complete(sequence: number): void {
    const index = sequence % this.capacity;
    this.states[index] = DONE;
    this.events[index] = undefined;
  }

  /** `sequence` will never finish: the checkpoint can never pass it. Its event is released. */
  abandon(sequence: number): void {
    const index = sequence % this.capacity;
    this.states[index] = ABANDONED;
    this.events[index] = undefined;
  }

  /**
   * Move the checkpoint over the done sequences right above it and free their slots.
   * Returns whether it moved.
   */
  advance(): boolean {
    const { capacity, states } = this;
    let checkpoint = this.current;
    for (;;) {
      const index = (checkpoint + 1) % capacity;
      if (states[index] !== DONE) break;
      states[index] = EMPTY;
      checkpoint++;
      this.occupiedSlots--;
    }
    if (checkpoint === this.current) return false;
    this.current = checkpoint;
    return true;
  }
}
