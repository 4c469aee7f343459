import { ConnectionError } from "../errors/error-classes.js";
import { toThreadlineError } from "../errors/grpc-error-mapping.js";
import type { ThreadlineError } from "../errors/threadline-error.js";
import { type BackoffPolicy, createBackoffPolicy } from "../reconnect/backoff-policy.js";
import { type EventSource, isEventSource } from "../stream/event-source.js";
import { canHeal as defaultCanHeal } from "./failure-classification.js";
import { createHandOff, type HandOff } from "./hand-off.js";

/**
 * One stream of a connection. `events` is pulled (an {@link EventSource}, pulled in
 * batches) or iterated; `ready` resolves when the server registered the stream (its
 * response headers arrived). Streams are expected to be watched
 * ({@link createStreamWatchdog}): a stream that goes silent must fail, not hang.
 */
export interface ResumableStream<Frame> {
  readonly events: EventSource<Frame> | AsyncIterable<Frame>;
  readonly ready: Promise<void>;
  /** Releases the stream (cancels its call) without waiting for the server. */
  close(): void | Promise<void>;
}

/** What one connection opens, as told by {@link ResumableConnectionOptions.connect}. */
export interface ConnectionPlan<Frame> {
  /** The live stream(s), already opened; the engine waits for every one's headers. */
  readonly live: readonly ResumableStream<Frame>[];
  /**
   * Opens the catch-up after `cursor`; called only once every live stream is
   * registered. Omit it when the live stream replays from the cursor itself (then
   * its backlog-done frame is the one `caughtUpHead` recognises).
   */
  readonly catchUp?: (
    cursor: number | undefined,
  ) => ResumableStream<Frame> | Promise<ResumableStream<Frame>>;
}

/** Counters of a {@link ResumableConnection}. */
export interface ResumableConnectionStats {
  /** Connections opened so far (1 + reconnects once started). */
  readonly connections: number;
  /** Reconnect attempts made so far. */
  readonly reconnects: number;
  /** Frames dropped as already delivered (across the hand-off and reconnects). */
  readonly duplicatesDropped: number;
  /** Highest sequence seen from the server (frames and catch-up heads), 0 before any. */
  readonly headSequence: number;
  /** Where the connection is. */
  readonly status: ResumableStatus;
}

/** Where a {@link ResumableConnection} is in its life. */
export type ResumableStatus =
  | "idle"
  | "connecting"
  | "catching-up"
  | "live"
  | "reconnecting"
  | "stopped"
  | "failed";

/** What {@link createResumableConnection} is told; everything else it owns. */
export interface ResumableConnectionOptions<Frame> {
  /** Names the operation in errors, e.g. `"events.subscribe"`. */
  readonly operation: string;
  /** Reconnect schedule (core's {@link createBackoffPolicy}); default the documented one. */
  readonly policy?: BackoffPolicy;
  /** Randomness for the reconnect jitter. */
  readonly random?: () => number;
  /** The consumer's cursor: each connection resumes after it (`undefined`: the start). */
  cursor(): number | undefined;
  /** Opens one connection's live stream(s) after `cursor` and says how to catch up. */
  connect(cursor: number | undefined): ConnectionPlan<Frame> | Promise<ConnectionPlan<Frame>>;
  /** A frame's log sequence, or `undefined` for a marker (catch-up complete, backlog done). */
  sequenceOf(frame: Frame): number | undefined;
  /** For a marker that ends the catch-up (or a replaying stream's backlog): the head. */
  caughtUpHead(frame: Frame): number | undefined;
  /**
   * Hands a new frame to the consumer: each sequence once per engine, catch-up frames in
   * order, then held live frames in order, then live frames as they arrive. A returned
   * promise pauses this stream until it settles; a rejection stops the engine with it.
   */
  deliver(frame: Frame): void | Promise<void>;
  /** Called when every live stream of a connection is registered. */
  onRegistered?(): void;
  /** Called when a connection's catch-up (or backlog) reached `head`. */
  onCaughtUp?(head: number): void;
  /** Called before reconnect attempt `attempt` (1, 2, ...); a throwing observer is ignored. */
  onReconnect?(attempt: number, cause: ThreadlineError): void;
  /** Called whenever the status or a counter changes in a way worth reporting. */
  onChange?(): void;
  /** Overrides which failures heal (default {@link canHeal}). */
  canHeal?(error: ThreadlineError): boolean;
}

/** A running resumable connection; see {@link createResumableConnection}. */
export interface ResumableConnection {
  /** Starts connecting; later calls do nothing. */
  start(): void;
  /** Stops at once: cancels every stream and any pending reconnect. Idempotent. */
  stop(): void;
  /**
   * Ends the current connection and opens the next at once, without spending a
   * reconnect attempt (e.g. to refill a hole the consumer noticed).
   */
  refill(reason: string): void;
  /** Counters. */
  stats(): ResumableConnectionStats;
  /** Resolves after `stop()`; rejects with the failure that cannot heal or outlived maxAttempts. */
  readonly done: Promise<void>;
}

const refillCode = "RESUMABLE_REFILL";

/** Closes a stream without waiting; closing is best effort once a connection is over. */
function closeQuietly(stream: { close(): void | Promise<void> }): void {
  try {
    const closing = stream.close();
    if (closing instanceof Promise) closing.catch(() => undefined);
  } catch {
    // The connection is over either way.
  }
}

class ConsumerFailure {
  constructor(readonly error: unknown) {}
}

/**
 * The resumable-connection engine under `events.subscribe()`, `recover()` and any other
 * client that follows a sequenced log (a WhatsApp client, say). Per connection it:
 * 1. opens the live stream(s) after the consumer's cursor and waits for every one's
 *    headers (the gap-free hand-off: a stream registered before the catch-up captures
 *    its head misses nothing);
 * 2. catches up after the same cursor, holding live frames meanwhile;
 * 3. hands off without gaps or duplicates (by sequence; see {@link createHandOff});
 * 4. on a failure, classifies it once ({@link canHeal}): what cannot heal stops the
 *    engine with that error; the rest reconnects with core's backoff, reset after a
 *    connection whose catch-up completed, and resumes after the consumer's cursor.
 */
export function createResumableConnection<Frame>(
  options: ResumableConnectionOptions<Frame>,
): ResumableConnection {
  const policy = options.policy ?? createBackoffPolicy();
  const random = options.random ?? Math.random;
  const heals = options.canHeal ?? defaultCanHeal;
  let started = false;
  let stopped = false;
  let status: ResumableStatus = "idle";
  let connections = 0;
  let reconnects = 0;
  let droppedBefore = 0;
  let headSequence = 0;
  let floor: number | undefined;
  let handOff: HandOff<Frame> | undefined;
  let endCurrent: ((error: unknown) => void) | undefined;
  let wakeSleep: (() => void) | undefined;
  let settleDone: { resolve(): void; reject(error: unknown): void } = {
    resolve: () => undefined,
    reject: () => undefined,
  };
  const done = new Promise<void>((resolve, reject) => {
    settleDone = { resolve, reject };
  });
  done.catch(() => undefined);

  const changed = (next?: ResumableStatus) => {
    if (next !== undefined) status = next;
    options.onChange?.();
  };
  const seeHead = (sequence: number) => {
    if (sequence > headSequence) headSequence = sequence;
  };

  /** Runs one connection; resolves with the failure that ended it (undefined when stopped). */
  async function connectOnce(onHealthy: () => void): Promise<unknown> {
    const opened: ResumableStream<Frame>[] = [];
    let over = false;
    let finish: (error: unknown) => void = () => undefined;
    const finished = new Promise<unknown>((resolve) => {
      finish = resolve;
    });
    const end = (error: unknown) => {
      if (over) return;
      over = true;
      for (const stream of opened) closeQuietly(stream);
      finish(error);
    };
    endCurrent = end;

    const cursor = options.cursor();
    if (cursor !== undefined && (floor === undefined || cursor > floor)) floor = cursor;
    let plan: ConnectionPlan<Frame>;
    try {
      plan = await options.connect(cursor);
    } catch (error) {
      end(error);
      return finished;
    }
    if (over) {
      // Stopped while the streams were being opened: release them at once.
      for (const stream of plan.live) closeQuietly(stream);
      return finished;
    }
    opened.push(...plan.live);
    const current = createHandOff<Frame>({ floor, catchingUp: plan.catchUp !== undefined });
    handOff = current;

    // Synchronous unless the consumer applies back-pressure: most frames cost no extra
    // promise. A consumer's rejection is told apart from a stream's failure in `pump`.
    const deliver = (frame: Frame): Promise<void> | undefined => {
      let pending: void | Promise<void>;
      try {
        pending = options.deliver(frame);
      } catch (error) {
        throw new ConsumerFailure(error);
      }
      return typeof pending === "object" && pending !== null ? pending : undefined;
    };
    const caughtUp = async (head: number): Promise<boolean> => {
      seeHead(head);
      const release = current.caughtUp(head);
      floor = current.floor;
      onHealthy();
      changed("live");
      options.onCaughtUp?.(head);
      for (const frame of release) {
        if (over) return true;
        const pending = deliver(frame);
        if (pending !== undefined) await pending;
      }
      return true;
    };

    // One frame of a live stream (or of a stream that replays from the cursor).
    const onLiveFrame = (frame: Frame): Promise<unknown> | undefined => {
      const sequence = options.sequenceOf(frame);
      if (sequence === undefined) {
        const head = options.caughtUpHead(frame);
        if (head !== undefined && plan.catchUp === undefined) {
          // The replaying stream goes on after its backlog: keep pumping it.
          return caughtUp(head).then(() => false);
        }
        return undefined;
      }
      seeHead(sequence);
      if (!current.live(frame, sequence)) return undefined;
      if (plan.catchUp === undefined) floor = current.floor;
      return deliver(frame);
    };
    // One frame of the catch-up; resolves true once it reached its head.
    const onCatchUpFrame = (frame: Frame): Promise<unknown> | true | undefined => {
      const sequence = options.sequenceOf(frame);
      if (sequence === undefined) {
        const head = options.caughtUpHead(frame);
        return head === undefined ? undefined : caughtUp(head);
      }
      seeHead(sequence);
      return current.catchUp(sequence) ? deliver(frame) : undefined;
    };

    // Reads a stream until `handle` answers true (or resolves true), the connection is
    // over, or the stream ends (which, for a stream that should go on, is a failure).
    const pump = async (
      stream: ResumableStream<Frame>,
      handle: (frame: Frame) => Promise<unknown> | true | undefined,
      endedEarly: string,
    ) => {
      try {
        if (isEventSource(stream.events)) {
          const source = stream.events;
          for (;;) {
            if (over) return;
            const batch = await source.pull();
            if (over) return;
            if (batch === undefined) break;
            for (const frame of batch) {
              const outcome = handle(frame);
              if (outcome === true) return;
              if (outcome !== undefined) {
                let value: unknown;
                try {
                  value = await outcome;
                } catch (error) {
                  throw error instanceof ConsumerFailure ? error : new ConsumerFailure(error);
                }
                if (value === true) return;
              }
              if (over) return;
            }
          }
        } else {
          for await (const frame of stream.events) {
            if (over) return;
            const outcome = handle(frame);
            if (outcome === true) return;
            if (outcome !== undefined) {
              let value: unknown;
              try {
                value = await outcome;
              } catch (error) {
                throw error instanceof ConsumerFailure ? error : new ConsumerFailure(error);
              }
              if (value === true) return;
            }
            if (over) return;
          }
        }
        end(new ConnectionError(endedEarly, { code: "STREAM_ENDED", retryable: true }));
      } catch (error) {
        end(error);
      }
    };

    for (const stream of plan.live) {
      void pump(
        stream,
        onLiveFrame,
        `${options.operation}: the server ended a live stream; reconnecting`,
      );
    }
    try {
      await Promise.race([Promise.all(plan.live.map((stream) => stream.ready)), finished]);
    } catch (error) {
      end(error);
      return finished;
    }
    if (over) return finished;
    options.onRegistered?.();
    if (plan.catchUp !== undefined) {
      changed("catching-up");
      let catchUp: ResumableStream<Frame>;
      try {
        catchUp = await plan.catchUp(cursor);
      } catch (error) {
        end(error);
        return finished;
      }
      opened.push(catchUp);
      if (over) {
        closeQuietly(catchUp);
        return finished;
      }
      void pump(
        catchUp,
        onCatchUpFrame,
        `${options.operation}: the catch-up ended without its complete frame; reconnecting`,
      );
    } else {
      changed("catching-up");
    }
    return finished;
  }

  const sleep = (ms: number) =>
    new Promise<void>((resolve) => {
      const timer = setTimeout(wake, ms);
      function wake() {
        wakeSleep = undefined;
        clearTimeout(timer);
        resolve();
      }
      wakeSleep = wake;
    });

  async function run(): Promise<void> {
    let failures = 0;
    for (;;) {
      if (stopped) return;
      connections += 1;
      changed(connections === 1 ? "connecting" : "reconnecting");
      const ended = await connectOnce(() => {
        failures = 0;
      });
      endCurrent = undefined;
      if (handOff !== undefined) {
        droppedBefore += handOff.dropped;
        handOff = undefined;
      }
      if (stopped) return;
      if (ended instanceof ConsumerFailure) throw ended.error;
      const failure =
        ended === undefined
          ? new ConnectionError(`${options.operation}: the connection ended`, { retryable: true })
          : toThreadlineError(ended, options.operation);
      if (failure.code === refillCode) continue;
      if (!heals(failure)) throw failure;
      if (failures >= policy.maxAttempts) throw failure;
      failures += 1;
      reconnects += 1;
      changed("reconnecting");
      await sleep(policy.delay(failures, random));
      if (stopped) return;
      try {
        options.onReconnect?.(failures, failure);
      } catch {
        // A throwing observer must not break reconnection.
      }
    }
  }

  return {
    start() {
      if (started) return;
      started = true;
      run().then(
        () => {
          changed("stopped");
          settleDone.resolve();
        },
        (error: unknown) => {
          stopped = true;
          changed("failed");
          settleDone.reject(error);
        },
      );
    },
    stop() {
      if (stopped) return;
      stopped = true;
      endCurrent?.(undefined);
      wakeSleep?.();
      if (!started) {
        started = true;
        changed("stopped");
        settleDone.resolve();
      }
    },
    refill(reason) {
      endCurrent?.(new ConnectionError(reason, { code: refillCode, retryable: true }));
    },
    stats() {
      return {
        connections,
        reconnects,
        duplicatesDropped: droppedBefore + (handOff?.dropped ?? 0),
        headSequence,
        status,
      };
    },
    done,
  };
}
