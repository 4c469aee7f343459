import {
  type BackoffPolicy,
  createBackoffPolicy,
  type DomainEvent,
  type EventDomain,
  type EventsResource,
  type ReconnectOptions,
  ThreadlineError,
} from "@threadline/core";
import { sleep } from "./backoff.js";
import {
  type CheckpointQueue,
  type CheckpointQueueOptions,
  createCheckpointQueue,
  type QueueProgress,
} from "./checkpoint-queue.js";
import { invalidArgument, RecoveryError } from "./errors.js";

/** Options of {@link recover}: the queue's options plus where the events come from. */
export interface RecoverOptions
  extends Omit<CheckpointQueueOptions<DomainEvent>, "orderBy" | "filter"> {
  /** A Threadline client (anything with `events`), e.g. from `createClient`. */
  readonly client: { readonly events: EventsResource };
  /** Live domains to follow. Default all four: message, chat, group, poll. */
  readonly domains?: readonly EventDomain[];
  /** Run one chat's events one at a time in sequence order, e.g. `event => event.chatGuid`. */
  readonly orderBy?: (event: DomainEvent) => string | number | undefined;
  /** Events for which this returns false are not handled but still advance the checkpoint. */
  readonly filter?: (event: DomainEvent) => boolean;
  /**
   * Reconnect schedule after a retryable failure of a live stream or the catch-up:
   * initialDelay 1000 ms, multiplier 2, maxDelay 30000 ms, maxAttempts Infinity,
   * with jitter; reset after a connection whose catch-up completed.
   */
  readonly reconnect?: ReconnectOptions;
}

/** Counters of a running recovery. */
export interface RecoveryProgress extends QueueProgress {
  /** Highest sequence known to exist minus the checkpoint (0 when caught up). */
  readonly lag: number;
  /** Highest sequence seen from the server (live, catch-up or log info). */
  readonly headSequence: number;
  /** Connections opened so far (1 + reconnects). */
  readonly connections: number;
  readonly state: RecoveryState;
}

/** Where a recovery is in its life. */
export type RecoveryState =
  | "connecting"
  | "live"
  | "reconnecting"
  | "closing"
  | "closed"
  | "failed";

/** A running recovery: see {@link recover}. */
export interface Recovery {
  /** Counters, including `lag`. */
  progress(): RecoveryProgress;
  /**
   * Resolves when the live streams of the first connection are registered on the
   * server (from then on no new event can be missed).
   */
  readonly ready: Promise<void>;
  /**
   * Resolves with the head of the first catch-up once every event up to it is
   * complete (handled, skipped or dead-lettered).
   */
  readonly caughtUp: Promise<number>;
  /**
   * Settles when the recovery stops: resolves after `close()`, rejects with a
   * `HandlerFailedError` when a handler failure halted it, or with the typed error
   * that reconnecting cannot heal (authentication, validation, events no longer
   * retained, attempts exhausted).
   */
  readonly done: Promise<void>;
  /** Stop streaming, let started handlers finish, save the checkpoint. Rejects like `done`. Idempotent. */
  close(): Promise<void>;
  [Symbol.asyncDispose](): Promise<void>;
}

const allDomains: readonly EventDomain[] = ["message", "chat", "group", "poll"];
const asyncDispose: typeof Symbol.asyncDispose =
  Symbol.asyncDispose ?? Symbol.for("Symbol.asyncDispose");

/**
 * Recover every durable event after the stored checkpoint and keep handling new
 * ones, in one call:
 * 1. load the checkpoint for `key` from `store`;
 * 2. open the live streams and wait until the server registered every one;
 * 3. only then catch up from the checkpoint, so an event committed during the
 *    hand-off is on a live stream, the catch-up, or both, never neither;
 * 4. feed everything into one {@link createCheckpointQueue} queue (deduplicated,
 *    bounded concurrency, contiguous checkpoint);
 * 5. stay live; on a retryable failure reconnect with backoff and catch up again
 *    from the in-memory checkpoint.
 *
 * Resolves once the checkpoint is loaded; the connection runs in the background
 * (see `ready`, `caughtUp`, `done`).
 *
 * @throws ValidationError for invalid options (before any network call).
 * @throws CheckpointStoreError when the checkpoint cannot be loaded.
 */
export async function recover(options: RecoverOptions): Promise<Recovery> {
  if (typeof options !== "object" || options === null) {
    throw invalidArgument("options", "an object", options);
  }
  const client: unknown = options.client;
  if (
    typeof client !== "object" ||
    client === null ||
    !("events" in client) ||
    typeof client.events !== "object" ||
    client.events === null
  ) {
    throw invalidArgument("client", "a Threadline client (from createClient)", client);
  }
  const domains = options.domains ?? allDomains;
  if (
    !Array.isArray(domains) ||
    domains.length === 0 ||
    domains.some((domain) => !allDomains.includes(domain)) ||
    new Set(domains).size !== domains.length
  ) {
    throw invalidArgument(
      "domains",
      'a non-empty list of distinct domains from "message", "chat", "group", "poll"',
      domains,
    );
  }
  const policy = createBackoffPolicy(options.reconnect);
  const { client: _client, domains: _domains, reconnect: _reconnect, ...queueOptions } = options;
  const queue = await createCheckpointQueue<DomainEvent>(queueOptions);
  const recovery = new RecoverySession(
    options.client.events,
    domains,
    policy,
    queue,
    options.reconnect,
  );
  recovery.start();
  return recovery;
}

interface Connection {
  readonly closers: (() => void)[];
  fail(error: unknown): void;
  readonly failed: Promise<unknown>;
}

class RecoverySession implements Recovery {
  readonly ready: Promise<void>;
  readonly caughtUp: Promise<number>;
  readonly done: Promise<void>;

  private state: RecoveryState = "connecting";
  private headSequence = 0;
  private connections = 0;
  private stopping = false;
  private current: Connection | undefined;
  private closing: Promise<void> | undefined;
  private loop: Promise<void> = Promise.resolve();
  private fatal: unknown;
  /** Set when the queue refused an event: it halted or closed, so reconnecting cannot help. */
  private queueStopped = false;
  private markReady!: () => void;
  private failReady!: (error: unknown) => void;
  private markCaughtUp!: (head: number) => void;
  private failCaughtUp!: (error: unknown) => void;
  private caughtUpStarted = false;
  private wakeStop: () => void = () => undefined;
  private readonly stopped: Promise<void>;

  constructor(
    private readonly events: EventsResource,
    private readonly domains: readonly EventDomain[],
    private readonly policy: BackoffPolicy,
    private readonly queue: CheckpointQueue<DomainEvent>,
    private readonly reconnect: ReconnectOptions | undefined,
  ) {
    this.ready = new Promise<void>((resolve, reject) => {
      this.markReady = resolve;
      this.failReady = reject;
    });
    this.caughtUp = new Promise<number>((resolve, reject) => {
      this.markCaughtUp = resolve;
      this.failCaughtUp = reject;
    });
    this.stopped = new Promise<void>((resolve) => {
      this.wakeStop = resolve;
    });
    this.done = this.queue.done.then(
      () => {
        if (this.fatal !== undefined) throw this.fatal;
      },
      (error: unknown) => {
        throw this.fatal ?? error;
      },
    );
    // All three are optional to observe; failures also surface through close().
    for (const promise of [this.ready, this.caughtUp, this.done]) promise.catch(() => undefined);
  }

  start(): void {
    this.loop = this.run();
    // A queue halt must stop the streams even if nobody calls close().
    this.queue.done.catch(() => {
      this.state = "failed";
      this.stop();
    });
  }

  progress(): RecoveryProgress {
    const queue = this.queue.progress();
    return {
      ...queue,
      lag: Math.max(0, this.headSequence - queue.checkpoint),
      headSequence: this.headSequence,
      connections: this.connections,
      state: this.state,
    };
  }

  close(): Promise<void> {
    this.closing ??= this.shutdown();
    return this.closing;
  }

  [asyncDispose](): Promise<void> {
    return this.close();
  }

  private async shutdown(): Promise<void> {
    if (this.state !== "failed") this.state = "closing";
    this.stop();
    await this.loop;
    try {
      await this.queue.close();
    } catch (error) {
      this.state = "failed";
      throw this.fatal ?? error;
    }
    if (this.fatal !== undefined) {
      this.state = "failed";
      throw this.fatal;
    }
    this.state = "closed";
  }

  private stop(): void {
    if (this.stopping) return;
    this.stopping = true;
    this.wakeStop();
    this.current?.fail(undefined);
    const reason = new RecoveryError("recovery stopped before this happened", {
      code: "RECOVERY_STOPPED",
    });
    this.failReady(this.fatal ?? reason);
    this.failCaughtUp(this.fatal ?? reason);
  }

  private async run(): Promise<void> {
    let attempt = 0;
    while (!this.stopping) {
      this.connections++;
      const outcome = await this.connect();
      if (this.stopping) return;
      if (outcome.healthy) attempt = 0;
      const error = outcome.error;
      if (this.queueStopped || !isRetryable(error)) {
        this.failWith(error);
        return;
      }
      attempt++;
      if (attempt > this.policy.maxAttempts) {
        this.failWith(error);
        return;
      }
      this.state = "reconnecting";
      this.reconnect?.onReconnect?.(attempt);
      await Promise.race([sleep(this.policy.delay(attempt)), this.stopped]);
    }
  }

  private failWith(error: unknown): void {
    this.fatal = error;
    this.state = "failed";
    this.stop();
    void this.close().catch(() => undefined);
  }

  /** One connection: live streams first, then catch-up; returns when it fails. */
  private async connect(): Promise<{ error: unknown; healthy: boolean }> {
    let fail: (error: unknown) => void = () => undefined;
    const failed = new Promise<unknown>((resolve) => {
      fail = resolve;
    });
    const connection: Connection = { closers: [], fail: (error) => fail(error), failed };
    this.current = connection;
    let healthy = false;
    try {
      const streams = this.domains.map((domain) => this.events.live(domain));
      for (const stream of streams) connection.closers.push(() => void stream.close());
      const registered = Promise.all(streams.map((stream) => stream.ready));
      const first = await Promise.race([
        registered.then(() => ({ registered: true as const })),
        failed.then((error) => ({ registered: false as const, error })),
      ]);
      if (!first.registered) return { error: first.error, healthy };
      this.state = "live";
      this.markReady();
      // Only now is the catch-up head guaranteed to be at or after what the live streams will deliver.
      const from = this.queue.checkpoint;
      const catchUp = this.events.catchUp(from);
      connection.closers.push(() => void catchUp.close());
      void this.refreshHead();
      for (const stream of streams) void this.pump(stream, connection);
      void this.pumpCatchUp(catchUp, connection).then((completed) => {
        if (completed) healthy = true;
      });
      const error = await failed;
      return { error, healthy };
    } catch (error) {
      return { error, healthy };
    } finally {
      for (const close of connection.closers) close();
      if (this.current === connection) this.current = undefined;
    }
  }

  private async pump(stream: AsyncIterable<DomainEvent>, connection: Connection): Promise<void> {
    try {
      for await (const event of stream) {
        if (event.sequence > this.headSequence) this.headSequence = event.sequence;
        await this.push(event);
      }
      // A live stream never ends by itself while the connection is wanted.
      connection.fail(
        new ThreadlineError("a live stream ended; reconnecting", {
          code: "STREAM_ENDED",
          retryable: true,
        }),
      );
    } catch (error) {
      connection.fail(error);
    }
  }

  /** Resolves true when the catch-up delivered everything up to its head. */
  private async pumpCatchUp(
    stream: AsyncIterable<DomainEvent | { type: "catchup.complete"; headSequence: number }>,
    connection: Connection,
  ): Promise<boolean> {
    try {
      for await (const event of stream) {
        if (event.type === "catchup.complete") {
          const head = event.headSequence;
          if (head > this.headSequence) this.headSequence = head;
          this.noteCaughtUp(head);
          return true;
        }
        if (event.sequence > this.headSequence) this.headSequence = event.sequence;
        await this.push(event);
      }
      connection.fail(
        new ThreadlineError("the catch-up ended without catchup.complete; reconnecting", {
          code: "STREAM_ENDED",
          retryable: true,
        }),
      );
      return false;
    } catch (error) {
      connection.fail(error);
      return false;
    }
  }

  private async push(event: DomainEvent): Promise<void> {
    try {
      await this.queue.push(event);
    } catch (error) {
      this.queueStopped = true;
      throw error;
    }
  }

  private noteCaughtUp(head: number): void {
    if (this.caughtUpStarted) return;
    this.caughtUpStarted = true;
    this.queue.reached(head).then(
      () => this.markCaughtUp(head),
      (error: unknown) => this.failCaughtUp(error),
    );
  }

  private async refreshHead(): Promise<void> {
    try {
      const info = await this.events.getLogInfo();
      if (info.headSequence > this.headSequence) this.headSequence = info.headSequence;
    } catch {
      // Lag is advisory; a server without log info still recovers.
    }
  }
}

function isRetryable(error: unknown): boolean {
  return ThreadlineError.is(error) && error.retryable;
}
