import { finished, type Lane, needMore, readNext } from "./operations.js";
import type { Pipeline } from "./pipeline.js";

const settled: Promise<void> = Promise.resolve();

/**
 * Shares one parent stream among its branches (the children derived from it).
 *
 * The branches read the same batch in step: the parent is pulled for the next batch
 * only once every open branch has read all of the current one, so the parent moves at
 * the pace of the slowest open branch and nothing is buffered beyond one batch. A
 * branch that closes stops counting; when the last one closes, the parent closes (and
 * with it the source and its call). When the parent ends or fails, every branch ends
 * after the batch it holds, and each delivers the failure once.
 *
 * @internal not covered by semver
 */
export class BranchHub {
  private readonly upstream: Lane;
  private readonly branches = new Map<object, BranchPipeline>();
  private readonly open = new Set<BranchPipeline>();
  // Open branches that have read the whole current batch and wait for the next.
  private waiting = 0;
  private advancing = false;
  private ended = false;
  private failure: { readonly error: unknown } | undefined;

  constructor(upstream: Lane, owners: readonly object[]) {
    this.upstream = upstream;
    for (const owner of owners) this.branchFor(owner);
    upstream.pipeline.onClosed(() => {
      // A close the hub caused while pulling (a take in the parent's steps) is handled
      // when the pull returns, so the batch that carried the last event is delivered.
      if (!this.advancing) this.end();
    });
  }

  /** The branch pipeline of `owner`, created on first use. */
  branchFor(owner: object): BranchPipeline {
    let branch = this.branches.get(owner);
    if (branch === undefined) {
      branch = new BranchPipeline(this);
      this.branches.set(owner, branch);
      if (this.ended) branch.finish(this.failure);
      else this.open.add(branch);
    }
    return branch;
  }

  /** `branch` has read its whole batch: resolves when the next batch or the end is in. */
  next(branch: BranchPipeline): Promise<void> {
    if (this.ended || !this.open.has(branch)) {
      branch.finish(this.failure);
      return settled;
    }
    const arrived = new Promise<void>((resolve) => {
      branch.wake = resolve;
    });
    this.waiting += 1;
    if (this.waiting >= this.open.size && !this.advancing) void this.advance();
    return arrived;
  }

  /** `branch` closed: it no longer holds the others back; the last one closes the parent. */
  remove(branch: BranchPipeline, wasWaiting: boolean): Promise<void> {
    if (!this.open.delete(branch)) return settled;
    if (wasWaiting) this.waiting -= 1;
    if (this.open.size === 0) return this.upstream.pipeline.close();
    if (this.waiting > 0 && this.waiting >= this.open.size && !this.advancing) {
      void this.advance();
    }
    return settled;
  }

  private async advance(): Promise<void> {
    this.advancing = true;
    let batch: readonly unknown[] | undefined;
    try {
      batch = await this.pull();
    } catch (error) {
      // A step of the parent threw: every branch sees it, and the call is released.
      this.failure = { error };
      batch = undefined;
    }
    this.advancing = false;
    if (batch === undefined) {
      this.end();
      return;
    }
    if (this.open.size === 0) return;
    this.waiting = 0;
    for (const branch of this.open) branch.receive(batch);
  }

  // The next non-empty batch of the parent's events, or undefined once it is done.
  private async pull(): Promise<readonly unknown[] | undefined> {
    const lane = this.upstream;
    const pipeline = lane.pipeline;
    for (;;) {
      if (lane.operations.length === 0 && !lane.empty) {
        const available = pipeline.batch;
        const start = pipeline.index;
        if (start < available.length) {
          pipeline.index = available.length;
          return start === 0 ? available : available.slice(start);
        }
        if (pipeline.done) return undefined;
      } else {
        const collected: unknown[] = [];
        let value = readNext(lane);
        while (value !== needMore && value !== finished) {
          collected.push(value);
          value = readNext(lane);
        }
        if (collected.length > 0) return collected;
        if (value === finished) return undefined;
      }
      await pipeline.fill();
    }
  }

  // The parent is done (ended, failed or closed): every branch ends with its failure.
  private end(): void {
    if (this.ended) return;
    this.ended = true;
    const pipeline = this.upstream.pipeline;
    if (this.failure === undefined && pipeline.failure !== undefined) {
      this.failure = pipeline.failure;
      pipeline.failure = undefined;
    }
    if (!pipeline.closed) void pipeline.close();
    const branches = [...this.open];
    this.open.clear();
    this.waiting = 0;
    for (const branch of branches) branch.finish(this.failure);
  }
}

/**
 * One branch's view of a {@link BranchHub}: the shared batch with its own read position,
 * its own copy of a failure, and a close that releases only this branch.
 *
 * @internal not covered by semver
 */
export class BranchPipeline implements Pipeline {
  private readonly hub: BranchHub;
  batch: readonly unknown[] = [];
  index = 0;
  done = false;
  failure: { readonly error: unknown } | undefined;
  /** Set while this branch waits for the hub's next batch. */
  wake: (() => void) | undefined;
  private closing: Promise<void> | undefined;
  private listeners: (() => void)[] | undefined;

  constructor(hub: BranchHub) {
    this.hub = hub;
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
    if (this.done) return settled;
    if (this.index < this.batch.length) return settled;
    return this.hub.next(this);
  }

  /** The hub's next batch. */
  receive(batch: readonly unknown[]): void {
    this.batch = batch;
    this.index = 0;
    this.wakeReader();
  }

  /** The parent is done: end after nothing more, delivering `failure` once if given. */
  finish(failure: { readonly error: unknown } | undefined): void {
    if (this.closing !== undefined) return;
    this.failure = failure;
    this.shut(settled);
  }

  close(): Promise<void> {
    if (this.closing !== undefined) return this.closing;
    const wasWaiting = this.wake !== undefined;
    // Closed before the hub hears of it, so whatever the hub does next sees it closed.
    this.shut(settled);
    const released = this.hub.remove(this, wasWaiting);
    this.closing = released;
    return released;
  }

  private shut(closing: Promise<void>): Promise<void> {
    this.done = true;
    this.batch = [];
    this.index = 0;
    this.closing = closing;
    this.wakeReader();
    const listeners = this.listeners;
    this.listeners = undefined;
    if (listeners !== undefined) for (const listener of listeners) listener();
    return closing;
  }

  private wakeReader(): void {
    const wake = this.wake;
    this.wake = undefined;
    wake?.();
  }
}
