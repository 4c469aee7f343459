import type { CompletionWindow } from "./completion-window.js";

/** The held sequences of one key, oldest first, behind the one of its that is running. */
interface KeyChain {
  readonly items: number[];
  head: number;
}

/**
 * Per-key order for a {@link CompletionWindow}: events with the same key run one at a
 * time in sequence order, events of different keys (or without a key) run in
 * parallel. An event is released only once every lower sequence has arrived,
 * because only then is its place in its key's order known.
 *
 * The window owns the slots; this tracks each held sequence's key, how far the
 * arrivals are contiguous, and which key has an event released and unfinished.
 *
 * @internal not covered by semver
 */
export class KeyOrder {
  private readonly keys: (string | number | undefined)[];
  private readonly chains = new Map<string | number, KeyChain>();
  private arrivedThrough: number;

  /**
   * @param window the slots; sequences are held there before {@link hold} is called.
   * @param release called with each sequence that may run now, in sequence order per
   *   key, after the window marked it ready.
   */
  constructor(
    private readonly window: CompletionWindow<unknown>,
    private readonly release: (sequence: number) => void,
  ) {
    this.keys = new Array<string | number | undefined>(window.capacity);
    this.arrivedThrough = window.checkpoint;
  }

  /** Remember the key of a sequence the window holds; `undefined` means unordered. */
  hold(sequence: number, key: string | number | undefined): void {
    this.keys[sequence % this.window.capacity] = key;
  }

  /**
   * Release, in sequence order, the held sequences whose lower sequences have all
   * arrived: each at once unless an earlier one of its key is unfinished, in which
   * case it waits for {@link finished} of that one. Call after an arrival and after
   * the checkpoint moved.
   */
  releaseArrived(): void {
    const window = this.window;
    const capacity = window.capacity;
    if (this.arrivedThrough < window.checkpoint) this.arrivedThrough = window.checkpoint;
    const limit = window.checkpoint + capacity;
    while (this.arrivedThrough < limit) {
      const next = this.arrivedThrough + 1;
      if (!window.arrived(next)) break;
      this.arrivedThrough = next;
      if (!window.isHeld(next)) continue;
      const key = this.keys[next % capacity];
      if (key === undefined) {
        this.start(next);
        continue;
      }
      const chain = this.chains.get(key);
      if (chain === undefined) {
        this.chains.set(key, { items: [], head: 0 });
        this.start(next);
      } else {
        chain.items.push(next);
      }
    }
  }

  /** A released sequence finished: release the next held one of its key, if any. */
  finished(sequence: number): void {
    const index = sequence % this.window.capacity;
    const key = this.keys[index];
    this.keys[index] = undefined;
    if (key === undefined) return;
    const chain = this.chains.get(key);
    if (chain === undefined) return;
    const next = chain.items[chain.head];
    if (next === undefined) {
      this.chains.delete(key);
      return;
    }
    chain.head++;
    // Drop the consumed front now and then, so a long-lived busy key does not grow forever.
    if (chain.head > 64 && chain.head * 2 > chain.items.length) {
      chain.items.splice(0, chain.head);
      chain.head = 0;
    }
    this.start(next);
  }

  private start(sequence: number): void {
    this.window.markReady(sequence);
    this.release(sequence);
  }
}
