import { EventLogServiceDefinition, threadline } from "@threadline/protocol";
import { capability, type ServerCapabilities } from "../client/server-capabilities.js";
import {
  AuthenticationError,
  ConflictError,
  ConnectionError,
  NotFoundError,
  ProtocolError,
  SequenceNotRetainedError,
  UnimplementedError,
  ValidationError,
} from "../errors/error-classes.js";
import { toThreadlineError } from "../errors/grpc-error-mapping.js";
import type { ThreadlineError } from "../errors/threadline-error.js";
import {
  type BackoffPolicy,
  createBackoffPolicy,
  createBackoffState,
} from "../reconnect/backoff-policy.js";
import type { EventSource } from "../stream/event-source.js";
import { createPushSource } from "../stream/push-source.js";
import type { StreamConnection, Transport } from "../transport/grpc-transport.js";
import { openBatchedCatchUp, openStandardCatchUp } from "./catch-up.js";
import type { CatchUpEvent, DomainEvent, EventDomain, SubscribedEvent } from "./domain-events.js";
import { decodeCursor, encodeCursor } from "./event-cursor.js";
import { eventFromFrame } from "./event-mapper.js";
import type { SubscribeOptions } from "./events-resource.js";
import { createInOrderRelease } from "./in-order-release.js";
import { openLiveSource } from "./live-streams.js";

/** Dependencies of a subscription, injectable for tests. */
export interface SubscribeDependencies {
  readonly transport: Transport;
  readonly capabilities: () => Promise<ServerCapabilities>;
  /** Randomness for the reconnect jitter. */
  readonly random?: () => number;
  /** How long an out-of-order hole may stay open in fallback mode before refilling, in ms. */
  readonly gapTimeoutMs?: number;
}

const operation = "events.subscribe";
const highWaterMark = 4096;
const domains: readonly EventDomain[] = ["message", "chat", "group", "poll"];

// Emitted by the SubscribeEvents stream when its backlog is done.
const liveMarker = { type: "live" } as const;
type SubscribeFrameItem = DomainEvent | typeof liveMarker;

/**
 * Errors that repeat however often the call is retried; everything else (connection
 * loss, server restarts, a stalled stream, a subscriber ended as too slow) can heal.
 */
function canHeal(error: ThreadlineError): boolean {
  return !(
    AuthenticationError.is(error) ||
    ValidationError.is(error) ||
    SequenceNotRetainedError.is(error) ||
    ProtocolError.is(error) ||
    UnimplementedError.is(error) ||
    NotFoundError.is(error) ||
    ConflictError.is(error) ||
    error.code === "CLIENT_CLOSED"
  );
}

/**
 * Validates subscribe options before any network call.
 *
 * @internal not covered by semver
 */
export function checkSubscribeOptions(options: SubscribeOptions | undefined): {
  after: number | undefined;
  policy: BackoffPolicy;
  onReconnect: ((attempt: number) => void) | undefined;
} {
  if (options !== undefined && (typeof options !== "object" || options === null)) {
    throw new ValidationError("subscribe options must be an object like { cursor?, reconnect? }", {
      field: "options",
    });
  }
  const after = options?.cursor === undefined ? undefined : decodeCursor(options.cursor);
  const policy = createBackoffPolicy(options?.reconnect);
  return { after, policy, onReconnect: options?.reconnect?.onReconnect };
}

/**
 * The source behind `events.subscribe()`: one resumable, deduplicated, in-order stream of
 * every durable event, with the cursor to persist on each.
 *
 * Per connection: with `threadline.subscribe_events`, one SubscribeEvents stream after
 * the last delivered sequence (backlog, then live, no gap). Otherwise the four live
 * streams are opened, their headers awaited, then a catch-up from the last delivered
 * sequence runs while live events are held; events are released strictly in sequence
 * order, so a cursor never covers an event that was not delivered.
 *
 * @internal not covered by semver
 */
export function createSubscribeSource(
  dependencies: SubscribeDependencies,
  options: SubscribeOptions | undefined,
): EventSource<SubscribedEvent> {
  const { after, policy, onReconnect } = checkSubscribeOptions(options);
  const random = dependencies.random ?? Math.random;
  const gapTimeoutMs = dependencies.gapTimeoutMs ?? 1000;
  let last: number | undefined = after;
  let stopped = false;
  let endConnection: ((error?: unknown) => void) | undefined;
  let wakeSleep: (() => void) | undefined;

  const outer = createPushSource<SubscribedEvent>({
    cancel: () => {
      stopped = true;
      endConnection?.();
      wakeSleep?.();
    },
  });

  function deliver(event: DomainEvent): void {
    last = event.sequence;
    outer.push({ ...event, cursor: encodeCursor(event.sequence) });
  }

  /** Runs one connection until it breaks; resolves only when stopped. */
  async function connectOnce(healthy: () => void): Promise<void> {
    const server = await dependencies.capabilities();
    if (stopped) return;
    const connections: StreamConnection<unknown>[] = [];
    let stallTimer: NodeJS.Timeout | undefined;
    let gapTimer: NodeJS.Timeout | undefined;
    let finish: (error?: unknown) => void = () => undefined;
    const finished = new Promise<void>((resolve, reject) => {
      finish = (error?: unknown) => {
        if (error === undefined) resolve();
        else reject(error);
      };
    });
    let over = false;
    // Local to this connection, so a late callback of an old connection can never end
    // the next one; `endConnection` only lets cancel() reach the current one.
    const end = (error?: unknown) => {
      if (over) return;
      over = true;
      clearTimeout(stallTimer);
      clearTimeout(gapTimer);
      for (const connection of connections) connection.source.cancel();
      finish(error);
    };
    endConnection = end;
    const stallAfter = 2 * server.heartbeatIntervalMs;
    const alive = () => {
      if (over) return;
      clearTimeout(stallTimer);
      stallTimer = setTimeout(() => {
        end(
          new ConnectionError(
            `no frame for ${stallAfter} ms (twice the heartbeat interval); treating the connection as dead`,
            { code: "STREAM_STALLED" },
          ),
        );
      }, stallAfter);
      stallTimer.unref?.();
    };
    alive();
    // While the consumer is behind, the calls are paused on purpose and heartbeats go
    // unread: that silence is ours, not a dead connection, so the watchdog waits too.
    const waitForConsumer = async () => {
      clearTimeout(stallTimer);
      await outer.drained();
      alive();
    };

    // Pulls a source until it ends; an end is a lost connection for a live stream.
    const pump = async <T>(source: EventSource<T>, handle: (batch: readonly T[]) => void) => {
      try {
        for (;;) {
          if (over) return;
          const batch = await source.pull();
          if (over) return;
          if (batch === undefined) {
            end(new ConnectionError("the server ended the event stream", { retryable: true }));
            return;
          }
          handle(batch);
          if (outer.buffered >= highWaterMark) await waitForConsumer();
        }
      } catch (error) {
        end(error);
      }
    };

    if (server.capabilities.has(capability.subscribeEvents)) {
      const connection = dependencies.transport.openSource<
        threadline.v1.SubscribeEventsRequest.$Properties,
        SubscribeFrameItem
      >(
        EventLogServiceDefinition.subscribeEvents,
        last === undefined ? {} : { afterSequence: last },
        (bytes, emit) => {
          const frame = threadline.v1.SubscribeEventsResponse.decode(bytes);
          const events = frame.batch?.events;
          if (events !== undefined && events !== null) {
            for (const element of events) {
              const event = eventFromFrame(element);
              if (event !== undefined) emit(event);
            }
          } else if (frame.live !== null && frame.live !== undefined) {
            emit(liveMarker);
          }
        },
        { onFrame: alive, highWaterMark },
      );
      connections.push(connection);
      void pump(connection.source, (batch) => {
        for (const item of batch) {
          if (item.type === "live") {
            healthy();
            continue;
          }
          // The server promises no repeat; this keeps "once per stream" true across reconnects.
          if (last !== undefined && item.sequence <= last) continue;
          deliver(item);
        }
      });
      return finished;
    }

    // Fallback: register every live stream, then catch up, then release in order.
    const releaser = createInOrderRelease<DomainEvent>(last, deliver);
    const release = (event: DomainEvent) => {
      releaser.offer(event);
      if (releaser.holding === 0) {
        clearTimeout(gapTimer);
        gapTimer = undefined;
      } else {
        // A hole that does not close soon (an event on no live stream, e.g. a newer
        // domain) is refilled by reconnecting, which catches up from `last`.
        gapTimer ??= setTimeout(() => {
          end(
            new ConnectionError(
              `event ${(releaser.last ?? 0) + 1} did not arrive; refilling from the log`,
              {
                code: "EVENT_GAP",
              },
            ),
          );
        }, gapTimeoutMs);
      }
    };

    const held: DomainEvent[] = [];
    let catchingUp = true;
    const live = domains.map((domain) =>
      openLiveSource(dependencies.transport, domain, {}, { onFrame: alive, highWaterMark }),
    );
    connections.push(...live);
    for (const connection of live) {
      void pump(connection.source, (batch) => {
        for (const event of batch) {
          if (catchingUp) held.push(event);
          else release(event);
        }
      });
    }
    try {
      await Promise.all(live.map((connection) => connection.ready));
    } catch (error) {
      end(error);
      return finished;
    }
    if (over) return finished;
    const catchUp: StreamConnection<CatchUpEvent> = server.capabilities.has(
      capability.catchUpBatches,
    )
      ? openBatchedCatchUp(dependencies.transport, last, alive)
      : openStandardCatchUp(dependencies.transport, last, alive);
    connections.push(catchUp);
    void (async () => {
      try {
        for (;;) {
          const batch = await catchUp.source.pull();
          if (over) return;
          if (batch === undefined) {
            end(new ConnectionError("catch-up ended without its complete frame"));
            return;
          }
          for (const event of batch) {
            if (event.type === "catchup.complete") {
              catchingUp = false;
              // Every event up to the head has been delivered (the mapper skips no
              // sequence), so an empty log also leaves `last` at the head.
              if (releaser.last === undefined) {
                releaser.advanceTo(event.headSequence);
                last = event.headSequence;
              }
              held.sort((left, right) => left.sequence - right.sequence);
              for (const heldEvent of held.splice(0)) release(heldEvent);
              healthy();
              return;
            }
            release(event);
          }
          if (outer.buffered >= highWaterMark) await waitForConsumer();
        }
      } catch (error) {
        end(error);
      }
    })();
    return finished;
  }

  const sleep = (ms: number) =>
    new Promise<void>((resolve) => {
      const timer = setTimeout(done, ms);
      function done() {
        wakeSleep = undefined;
        clearTimeout(timer);
        resolve();
      }
      wakeSleep = done;
    });

  async function run(): Promise<void> {
    const backoff = createBackoffState(policy, random);
    for (;;) {
      if (stopped) return;
      let failure: ThreadlineError;
      try {
        await connectOnce(() => backoff.succeeded());
        if (stopped) return;
        failure = new ConnectionError("the event stream ended");
      } catch (error) {
        if (stopped) return;
        failure = toThreadlineError(error, operation);
      } finally {
        endConnection = undefined;
      }
      if (!canHeal(failure)) {
        outer.fail(failure);
        return;
      }
      if (failure.code === "STREAM_STALLED") dependencies.transport.resetStreamChannel();
      // A hole in the merged live streams is not a failure of the connection: refill at
      // once, without spending a reconnect attempt.
      if (failure.code === "EVENT_GAP") continue;
      const attempt = backoff.nextAttempt();
      if (attempt === undefined) {
        outer.fail(failure);
        return;
      }
      await sleep(backoff.delayFor(attempt));
      if (stopped) return;
      try {
        onReconnect?.(attempt);
      } catch {
        // A throwing observer must not break reconnection.
      }
    }
  }

  let started = false;
  const release = dependencies.transport.register(outer);
  return {
    pull() {
      if (!started) {
        started = true;
        run()
          .catch((error: unknown) => outer.fail(toThreadlineError(error, operation)))
          .finally(release);
      }
      return outer.pull();
    },
    cancel() {
      release();
      outer.cancel();
    },
  };
}
