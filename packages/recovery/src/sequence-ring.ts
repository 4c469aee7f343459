/**
 * A fixed-capacity FIFO of sequence numbers. The checkpoint queue never holds more
 * sequences than its window, so a preallocated ring avoids per-event allocation.
 *
 * @internal not covered by semver
 */
export class SequenceRing {
  private readonly items: Float64Array;
  private head = 0;
  private count = 0;

  constructor(capacity: number) {
    this.items = new Float64Array(capacity);
  }

  get length(): number {
    return this.count;
  }

  push(sequence: number): void {
    const capacity = this.items.length;
    if (this.count === capacity) throw new RangeError("sequence ring is full");
    this.items[(this.head + this.count) % capacity] = sequence;
    this.count++;
  }

  /** Removes and returns the oldest sequence; call only when `length > 0`. */
  shift(): number {
    const sequence = this.items[this.head] ?? 0;
    this.head = (this.head + 1) % this.items.length;
    this.count--;
    return sequence;
  }

  clear(): void {
    this.head = 0;
    this.count = 0;
  }
}
