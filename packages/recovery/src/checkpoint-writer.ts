import { backoffDelay, type ResolvedBackoff, sleep } from "./backoff.js";
import type { CheckpointStore } from "./checkpoint-store.js";
import { CheckpointStoreError } from "./errors.js";

/** @internal not covered by semver */
export interface CheckpointWriterOptions {
  readonly store: CheckpointStore;
  readonly key: string;
  readonly initial: number;
  readonly flushIntervalMs: number;
  readonly maxUnsavedEvents: number;
  readonly maxAttempts: number;
  readonly backoff: ResolvedBackoff;
  readonly onFatal: (error: CheckpointStoreError) => void;
}

/**
 * Coalesces checkpoint saves: at most one save in flight, the newest value wins,
 * and a save starts either when `maxUnsavedEvents` have piled up or when the idle
 * timer fires, so a fast queue writes a handful of times per second instead of
 * once per event.
 *
 * @internal not covered by semver
 */
export class CheckpointWriter {
  private saved: number;
  private latest: number;
  private running: Promise<void> | undefined;
  private timer: ReturnType<typeof setTimeout> | undefined;
  private flushing = 0;
  private failures = 0;
  private fatal: CheckpointStoreError | undefined;
  private writeCount = 0;

  constructor(private readonly options: CheckpointWriterOptions) {
    this.saved = options.initial;
    this.latest = options.initial;
  }

  /** Highest value a save has confirmed. */
  get savedValue(): number {
    return this.saved;
  }

  /** Number of saves that succeeded. */
  get writes(): number {
    return this.writeCount;
  }

  /** Record a new checkpoint; the caller guarantees it only grows. */
  note(value: number): void {
    this.latest = value;
    if (this.running !== undefined || this.fatal !== undefined) return;
    if (value - this.saved >= this.options.maxUnsavedEvents) {
      this.clearTimer();
      this.kick();
    } else if (this.timer === undefined) {
      this.timer = setTimeout(this.onTimer, this.options.flushIntervalMs);
    }
  }

  /** Save the newest value now and wait for it; rejects if saving failed for good. */
  async flush(): Promise<void> {
    this.flushing++;
    try {
      this.clearTimer();
      while (this.fatal === undefined && (this.running !== undefined || this.latest > this.saved)) {
        await (this.running ?? this.kick());
      }
      if (this.fatal !== undefined) throw this.fatal;
    } finally {
      this.flushing--;
    }
  }

  /** Stop the idle timer; a save already in flight still completes. */
  stop(): void {
    this.clearTimer();
  }

  private readonly onTimer = (): void => {
    this.timer = undefined;
    if (this.running === undefined && this.fatal === undefined) this.kick();
  };

  private kick(): Promise<void> {
    const running = this.run().finally(() => {
      this.running = undefined;
      if (this.fatal === undefined && this.latest > this.saved && this.timer === undefined) {
        this.timer = setTimeout(this.onTimer, this.options.flushIntervalMs);
      }
    });
    this.running = running;
    return running;
  }

  private async run(): Promise<void> {
    const { store, key, maxAttempts, maxUnsavedEvents, backoff } = this.options;
    while (this.latest > this.saved && this.fatal === undefined) {
      const value = this.latest;
      try {
        await store.save(key, value);
        if (value > this.saved) this.saved = value;
        this.writeCount++;
        this.failures = 0;
      } catch (error) {
        this.failures++;
        if (this.failures >= maxAttempts) {
          this.fatal = new CheckpointStoreError(
            `saving checkpoint ${value} for key ${JSON.stringify(key)} failed ${this.failures} time(s) in a row`,
            { cause: error },
          );
          this.clearTimer();
          this.options.onFatal(this.fatal);
          return;
        }
        await sleep(backoffDelay(backoff, this.failures));
        continue;
      }
      // Outside a flush, leave small increments to the idle timer so writes coalesce.
      if (this.flushing === 0 && this.latest - this.saved < maxUnsavedEvents) return;
    }
  }

  private clearTimer(): void {
    if (this.timer !== undefined) {
      clearTimeout(this.timer);
      this.timer = undefined;
    }
  }
}
