import {
  type BackoffPolicy,
  type CatchUpEvent,
  createBackoffPolicy,
  createResumableConnection,
  type DomainEvent,
  type EventDomain,
  type EventsResource,
  type ReconnectOptions,
  type ResumableConnection,
  type ResumableStream,
} from "@threadline/core";
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
  /**
   * The domains whose events reach the handler. Default all four: message, chat, group,
   * poll. Events of the other domains are still received and count as complete, like
   * those `filter` skips, because the checkpoint only moves over every sequence.
   */
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
  /**
   * Called with {@link RecoveryProgress} when it changes: at once on every state change
   * (connecting, live, reconnecting, closing, closed, failed) and when the first
   * catch-up completes, then at most once per `progressIntervalMs` while events flow,
   * so nobody has to poll `progress()`. A throwing callback is ignored.
   */
  readonly onProgress?: (progress: RecoveryProgress) => void;
  /** Most frequent `onProgress` report while events flow, in ms. Default 1000. */
  readonly progressIntervalMs?: number;
}

/** Counters of a running recovery. */
export interface RecoveryProgress extends QueueProgress {
  /** Highest sequence known to exist minus the checkpoint (0 when caught up). */
  readonly lag: number;
  /** Highest sequence seen from the server (live, catch-up or log info). */
  readonly headSequence: number;
  /** Connections opened so far (1 + reconnects). */
  readonly connections: number;
  /** Reconnect attempts so far. */
  readonly reconnects: number;
  /**
   * Events dropped as already seen: by the queue, plus those the connection dropped
   * itself (live events the catch-up also carried, catch-up events re-sent after a
   * reconnect).
   */
  readonly duplicatesDropped: number;
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
  if (options.onProgress !== undefined && typeof options.onProgress !== "function") {
    throw invalidArgument("onProgress", "a function (progress) => void", options.onProgress);
  }
  const progressIntervalMs = options.progressIntervalMs ?? 1000;
  if (
    typeof progressIntervalMs !== "number" ||
    !Number.isFinite(progressIntervalMs) ||
    progressIntervalMs <= 0
  ) {
    throw invalidArgument("progressIntervalMs", "a finite number of ms > 0", progressIntervalMs);
  }
  const {
    client: _client,
    domains: _domains,
    reconnect: _reconnect,
    onProgress: _onProgress,
    progressIntervalMs: _progressIntervalMs,
    ...queueOptions
  } = options;
  const filter = handledFilter(domains, options.filter);
  const queue = await createCheckpointQueue<DomainEvent>(
    filter === undefined ? queueOptions : { ...queueOptions, filter },
  );
  const recovery = new RecoverySession(options.client.events, policy, queue, {
    onReconnect: options.reconnect?.onReconnect,
    onProgress: options.onProgress,
    progressIntervalMs,
  });
  recovery.start();
  return recovery;
}

/** The event's domain, from its type; an unknown change names its envelope, if any. */
function domainOf(event: DomainEvent): EventDomain | undefined {
  if (event.type === "unknown") return event.domain;
  const domain = event.type.slice(0, event.type.indexOf("."));
  return allDomains.find((known) => known === domain);
}

/** What the queue hands to the handler: events of the chosen domains that pass `filter`. */
function handledFilter(
  domains: readonly EventDomain[],
  filter: ((event: DomainEvent) => boolean) | undefined,
): ((event: DomainEvent) => boolean) | undefined {
  if (domains.length === allDomains.length) return filter;
  const chosen = new Set(domains);
  return (event) => {
    const domain = domainOf(event);
    if (domain === undefined || !chosen.has(domain)) return false;
    return filter === undefined || filter(event);
  };
}

interface SessionHooks {
  readonly onReconnect: ((attempt: number) => void) | undefined;
  readonly onProgress: ((progress: RecoveryProgress) => void) | undefined;
  readonly progressIntervalMs: number;
}

/** A stream of the public events API in the engine's shape. */
function resumable<T>(stream: {
  readonly ready?: Promise<void>;
  close(): Promise<void>;
  [Symbol.asyncIterator](): AsyncIterator<T>;
}): ResumableStream<T> {
  return {
    events: stream,
    ready: stream.ready ?? Promise.resolve(),
    close: () => stream.close(),
  };
}

/**
 * One recovery: the queue, fed by core's resumable-connection engine over the public
 * `events.live()` / `events.catchUp()` API (whose streams carry the heartbeat watchdog).
 */
class RecoverySession implements Recovery {
  readonly ready: Promise<void>;
  readonly caughtUp: Promise<number>;
  readonly done: Promise<void>;

  private state: RecoveryState = "connecting";
  private headSequence = 0;
  private closing: Promise<void> | undefined;
  private fatal: unknown;
  private stopping = false;
  private markReady!: () => void;
  private failReady!: (error: unknown) => void;
  private markCaughtUp!: (head: number) => void;
  private failCaughtUp!: (error: unknown) => void;
  private caughtUpStarted = false;
  private readonly engine: ResumableConnection;
  private reporter: NodeJS.Timeout | undefined;
  private lastReported = "";

  constructor(
    private readonly events: EventsResource,
    policy: BackoffPolicy,
    private readonly queue: CheckpointQueue<DomainEvent>,
    private readonly hooks: SessionHooks,
  ) {
    this.ready = new Promise<void>((resolve, reject) => {
      this.markReady = resolve;
      this.failReady = reject;
    });
    this.caughtUp = new Promise<number>((resolve, reject) => {
      this.markCaughtUp = resolve;
      this.failCaughtUp = reject;
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
    this.engine = createResumableConnection<CatchUpEvent>({
      operation: "recover",
      policy,
      // Resume after what the queue has completed; what it holds above that is
      // deduplicated by the engine (already delivered) and by the queue.
      cursor: () => this.queue.checkpoint,
      connect: () => ({
        // Every domain, whatever `domains` says: the checkpoint needs every sequence.
        live: allDomains.map((domain) => resumable(this.events.live(domain))),
        catchUp: (cursor) => {
          void this.refreshHead();
          return resumable(this.events.catchUp(cursor));
        },
      }),
      sequenceOf: (event) => (event.type === "catchup.complete" ? undefined : event.sequence),
      caughtUpHead: (event) => (event.type === "catchup.complete" ? event.headSequence : undefined),
      deliver: (event) => {
        if (event.type === "catchup.complete") return undefined;
        if (event.sequence > this.headSequence) this.headSequence = event.sequence;
        return this.queue.push(event);
      },
      onRegistered: () => {
        this.setState("live");
        this.markReady();
      },
      onCaughtUp: (head) => {
        if (head > this.headSequence) this.headSequence = head;
        this.noteCaughtUp(head);
      },
      onReconnect: (attempt) => {
        this.hooks.onReconnect?.(attempt);
      },
      onChange: () => {
        const status = this.engine.stats().status;
        if (status === "reconnecting") this.setState("reconnecting");
      },
    });
  }

  start(): void {
    this.engine.start();
    this.engine.done.then(
      () => undefined,
      (error: unknown) => this.failWith(error),
    );
    // A queue halt must stop the streams even if nobody calls close().
    this.queue.done.catch(() => {
      this.setState("failed");
      this.stop();
    });
    if (this.hooks.onProgress !== undefined) {
      this.report();
      this.reporter = setInterval(() => this.report(), this.hooks.progressIntervalMs);
      this.reporter.unref?.();
    }
  }

  progress(): RecoveryProgress {
    const queue = this.queue.progress();
    const engine = this.engine.stats();
    return {
      ...queue,
      duplicatesDropped: queue.duplicatesDropped + engine.duplicatesDropped,
      lag: Math.max(0, this.headSequence - queue.checkpoint),
      headSequence: this.headSequence,
      connections: engine.connections,
      reconnects: engine.reconnects,
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

  private setState(state: RecoveryState): void {
    if (this.state === state) return;
    // Terminal states stay; "live"/"reconnecting" never override closing or failure.
    if (this.state === "failed" || this.state === "closed") return;
    if (this.state === "closing" && state !== "closed" && state !== "failed") return;
    this.state = state;
    this.report();
  }

  private report(): void {
    const onProgress = this.hooks.onProgress;
    if (onProgress === undefined) return;
    const progress = this.progress();
    const key = JSON.stringify(progress);
    if (key === this.lastReported) return;
    this.lastReported = key;
    try {
      onProgress(progress);
    } catch {
      // A throwing observer must not break recovery.
    }
  }

  private async shutdown(): Promise<void> {
    this.setState("closing");
    this.stop();
    try {
      await this.engine.done;
    } catch {
      // Recorded as `fatal` by failWith.
    }
    try {
      await this.queue.close();
    } catch (error) {
      this.finish("failed");
      throw this.fatal ?? error;
    }
    if (this.fatal !== undefined) {
      this.finish("failed");
      throw this.fatal;
    }
    this.finish("closed");
  }

  private finish(state: "closed" | "failed"): void {
    this.setState(state);
    this.report();
    if (this.reporter !== undefined) clearInterval(this.reporter);
  }

  private stop(): void {
    if (this.stopping) return;
    this.stopping = true;
    this.engine.stop();
    const reason = new RecoveryError("recovery stopped before this happened", {
      code: "RECOVERY_STOPPED",
    });
    this.failReady(this.fatal ?? reason);
    this.failCaughtUp(this.fatal ?? reason);
  }

  private failWith(error: unknown): void {
    if (this.fatal === undefined && !this.stopping) this.fatal = error;
    this.setState("failed");
    this.stop();
    void this.close().catch(() => undefined);
  }

  private noteCaughtUp(head: number): void {
    if (this.caughtUpStarted) return;
    this.caughtUpStarted = true;
    this.queue.reached(head).then(
      () => {
        this.markCaughtUp(head);
        this.report();
      },
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
