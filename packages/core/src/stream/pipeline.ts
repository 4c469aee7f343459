import type { EventSource } from "./event-source.js";

/**
 * What a chain of streams reads from: the batch being read, a read position, and a
 * one-shot close. A source's {@link SourcePipeline} is one; each branch of a stream
 * with several children is another (see `branch-hub.ts`).
 *
 * @internal not covered by semver
 */
export interface Pipeline {
  /** The batch being read; `index` is the next unread position in it. */
  readonly batch: readonly unknown[];
  index: number;
  /** Set when the pipeline ended, failed or was closed: nothing more will arrive. */
  readonly done: boolean;
  /** The failure to deliver once, if the pipeline failed; the reader clears it. */
  failure: { readonly error: unknown } | undefined;
  /** True once closed (which also happens when it ends or fails). */
  readonly closed: boolean;
  /** Resolves once the batch has unread events, or the pipeline is done. Never rejects. */
  fill(): Promise<void>;
  /** Closes the pipeline once; every call returns the same promise. */
  close(): Promise<void>;
  /** Calls `listener` synchronously when the pipeline closes, for whatever reason. */
  onClosed(listener: () => void): void;
}

/**
 * The pipeline over an {@link EventSource}: it pulls batches on demand and, on close,
 * cancels the source (the gRPC call) and runs `onClose` once.
 *
 * @internal not covered by semver
 */
export class SourcePipeline implements Pipeline {
  private readonly source: EventSource<unknown>;
  private readonly onClose: (() => void | Promise<void>) | undefined;
  batch: readonly unknown[] = [];
  index = 0;
  done = false;
  failure: { readonly error: unknown } | undefined;
  private filling: Promise<void> | undefined;
  private wake: (() => void) | undefined;
  private closing: Promise<void> | undefined;
  private listeners: (() => void)[] | undefined;

  constructor(source: EventSource<unknown>, onClose: (() => void | Promise<void>) | undefined) {
    this.source = source;
    this.onClose = onClose;
  }

  get closed(): boolean {
    return this.closing !== undefined;
  }

  onClosed(listener: () => void): void {
    if (this.closing !== undefined) {
      listener();
      return;
    }
    if (this.listeners === undefined) this.listeners = [listener];
    else this.listeners.push(listener);
  }

  fill(): Promise<void> {
    if (this.filling !== undefined) return this.filling;
    if (this.done) return Promise.resolve();
    let pulled: readonly unknown[] | undefined | Promise<readonly unknown[] | undefined>;
    try {
      pulled = this.source.pull();
    } catch (error) {
      this.fail(error);
      return Promise.resolve();
    }
    if (!(pulled instanceof Promise)) {
      this.accept(pulled);
      return Promise.resolve();
    }
    const pending = pulled;
    if (this.source.settlesOnCancel === true) {
      this.filling = pending.then(
        (batch) => {
          this.filling = undefined;
          this.accept(batch);
        },
        (error: unknown) => {
          this.filling = undefined;
          this.fail(error);
        },
      );
      return this.filling;
    }
    this.filling = new Promise<void>((resolve) => {
      // close() wakes the reader even if the source never settles its pull.
      this.wake = resolve;
      pending.then(
        (batch) => {
          this.filling = undefined;
          this.wake = undefined;
          this.accept(batch);
          resolve();
        },
        (error: unknown) => {
          this.filling = undefined;
          this.wake = undefined;
          this.fail(error);
          resolve();
        },
      );
    });
    return this.filling;
  }

  private accept(batch: readonly unknown[] | undefined): void {
    if (this.closing !== undefined) return;
    if (batch === undefined) {
      this.done = true;
      void this.close();
      return;
    }
    this.batch = batch;
    this.index = 0;
  }

  private fail(error: unknown): void {
    if (this.done || this.closing !== undefined) return;
    this.done = true;
    this.failure = { error };
    void this.close();
  }

  close(): Promise<void> {
    if (this.closing !== undefined) return this.closing;
    this.done = true;
    this.batch = [];
    this.index = 0;
    const wake = this.wake;
    this.wake = undefined;
    this.closing = (async () => {
      wake?.();
      try {
        await this.source.cancel();
      } catch {
        // Releasing a call that already failed can throw; the stream is closed either way.
      }
      await this.onClose?.();
    })();
    const listeners = this.listeners;
    this.listeners = undefined;
    if (listeners !== undefined) for (const listener of listeners) listener();
    return this.closing;
  }
}
