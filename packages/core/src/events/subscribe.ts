import { EventLogServiceDefinition, threadline } from "@threadline/protocol";
import { capability, type ServerCapabilities } from "../client/server-capabilities.js";
import { ValidationError } from "../errors/error-classes.js";
import { toThreadlineError } from "../errors/grpc-error-mapping.js";
import { type BackoffPolicy, createBackoffPolicy } from "../reconnect/backoff-policy.js";
import {
  createResumableConnection,
  type ResumableStream,
} from "../resumable/resumable-connection.js";
import { createTransportWatchdog } from "../resumable/stream-watchdog.js";
import type { EventSource } from "../stream/event-source.js";
import { createPushSource } from "../stream/push-source.js";
import type { StreamConnection, Transport } from "../transport/grpc-transport.js";
import { openCatchUp } from "./catch-up.js";
import type { CatchUpEvent, DomainEvent, EventDomain, SubscribedEvent } from "./domain-events.js";
import { decodeEventBatchFrame } from "./event-batch-frame.js";
import { decodeCursor, encodeCursor } from "./event-cursor.js";
import { eventFromFrame } from "./event-mapper.js";
import type { SubscribeOptions, SubscriptionState } from "./events-resource.js";
import { createInOrderRelease } from "./in-order-release.js";
import { openWatchedLiveSource } from "./live-streams.js";

/** Dependencies of a subscription, injectable for tests. */
export interface SubscribeDependencies {
  readonly transport: Transport;
  readonly capabilities: (operation?: string) => Promise<ServerCapabilities>;
  /** Randomness for the reconnect jitter. */
  readonly random?: () => number;
  /** How long an out-of-order hole may stay open in fallback mode before refilling, in ms. */
  readonly gapTimeoutMs?: number;
}

const operation = "events.subscribe";
const highWaterMark = 4096;
const domains: readonly EventDomain[] = ["message", "chat", "group", "poll"];

/** How often a changed {@link SubscriptionState} is reported at most while events flow, in ms. */
const stateIntervalMs = 1000;

// Emitted by the SubscribeEvents stream when its backlog is done.
interface LiveMarker {
  readonly type: "live";
  readonly headSequence: number;
}
type SubscribeFrameItem = CatchUpEvent | LiveMarker;

/**
 * Validates subscribe options before any network call.
 *
 * @internal not covered by semver
 */
export function checkSubscribeOptions(options: SubscribeOptions | undefined): {
  after: number | undefined;
  policy: BackoffPolicy;
  onReconnect: ((attempt: number) => void) | undefined;
  onState: ((state: SubscriptionState) => void) | undefined;
} {
  if (options !== undefined && (typeof options !== "object" || options === null)) {
    throw new ValidationError("subscribe options must be an object like { cursor?, reconnect? }", {
      field: "options",
    });
  }
  const after = options?.cursor === undefined ? undefined : decodeCursor(options.cursor);
  const policy = createBackoffPolicy(options?.reconnect);
  const onState = options?.onState;
  if (onState !== undefined && typeof onState !== "function") {
    throw new ValidationError("subscribe options.onState must be a function when given", {
      field: "onState",
      allowed: "a function (state) => void",
      received: onState,
    });
  }
  return { after, policy, onReconnect: options?.reconnect?.onReconnect, onState };
}

/**
 * The source behind `events.subscribe()`: one resumable, deduplicated, in-order stream of
 * every durable event, with the cursor to persist on each. A thin layer over the
 * resumable-connection engine ({@link createResumableConnection}), which registers,
 * catches up, hands off, watches, classifies failures and reconnects.
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
  const { after, policy, onReconnect, onState } = checkSubscribeOptions(options);
  const gapTimeoutMs = dependencies.gapTimeoutMs ?? 1000;
  const { transport, capabilities } = dependencies;
  let gapTimer: NodeJS.Timeout | undefined;
  let releaser = createInOrderRelease<DomainEvent>(after, deliver);

  const outer = createPushSource<SubscribedEvent>({
    cancel: () => {
      clearTimeout(gapTimer);
      engine.stop();
    },
  });

  function deliver(event: DomainEvent): void {
    outer.push(withCursor(event));
  }

  // While the consumer is behind, the streams wait (and so do their watchdogs).
  const backPressure = (): Promise<void> | undefined =>
    outer.buffered >= highWaterMark ? outer.drained() : undefined;

  const offer = (event: DomainEvent): Promise<void> | undefined => {
    releaser.offer(event);
    if (releaser.holding === 0) {
      clearTimeout(gapTimer);
      gapTimer = undefined;
    } else {
      // A hole that does not close soon (an event on no live stream, e.g. a newer
      // domain) is refilled by reconnecting, which catches up from the last delivered.
      gapTimer ??= setTimeout(() => {
        gapTimer = undefined;
        engine.refill(`event ${(releaser.last ?? 0) + 1} did not arrive; refilling from the log`);
      }, gapTimeoutMs);
    }
    return backPressure();
  };

  const engine = createResumableConnection<SubscribeFrameItem>({
    operation,
    policy,
    ...(dependencies.random === undefined ? {} : { random: dependencies.random }),
    cursor: () => releaser.last,
    async connect(cursor) {
      clearTimeout(gapTimer);
      gapTimer = undefined;
      releaser = createInOrderRelease<DomainEvent>(cursor, deliver);
      const server = await capabilities("events.subscribe()");
      if (server.capabilities.has(capability.subscribeEvents)) {
        return { live: [resumable(openSubscribeEvents(transport, server, cursor))] };
      }
      return {
        live: domains.map((domain) =>
          resumable(
            openWatchedLiveSource(
              transport,
              () => Promise.resolve(server),
              domain,
              {},
              {
                highWaterMark,
              },
            ),
          ),
        ),
        catchUp: async (from) => resumable(await openCatchUp(transport, server, from)),
      };
    },
    sequenceOf: (item) =>
      item.type === "live" || item.type === "catchup.complete" ? undefined : item.sequence,
    caughtUpHead: (item) =>
      item.type === "live" || item.type === "catchup.complete" ? item.headSequence : undefined,
    deliver: (item) =>
      item.type === "live" || item.type === "catchup.complete" ? undefined : offer(item),
    onCaughtUp(head) {
      // Every event up to the head has been delivered (the mapper skips no sequence),
      // so an empty log also leaves the cursor at the head.
      if (releaser.last === undefined) releaser.advanceTo(head);
    },
    ...(onReconnect === undefined
      ? {}
      : { onReconnect: (attempt: number) => onReconnect(attempt) }),
    ...(onState === undefined ? {} : { onChange: () => report() }),
  });

  let lastReported = "";
  function report(): void {
    if (onState === undefined) return;
    const stats = engine.stats();
    const sequence = releaser.last ?? 0;
    const state: SubscriptionState = {
      status: stats.status,
      sequence,
      headSequence: Math.max(stats.headSequence, sequence),
      lag: Math.max(0, stats.headSequence - sequence),
      buffered: outer.buffered,
      holding: releaser.holding,
      connections: stats.connections,
      reconnects: stats.reconnects,
      duplicatesDropped: stats.duplicatesDropped,
    };
    const key = JSON.stringify(state);
    if (key === lastReported) return;
    lastReported = key;
    try {
      onState(state);
    } catch {
      // A throwing observer must not break the subscription.
    }
  }
  const reporter = onState === undefined ? undefined : setInterval(report, stateIntervalMs);
  reporter?.unref?.();

  let started = false;
  const release = transport.register(outer);
  const finish = () => {
    clearTimeout(gapTimer);
    if (reporter !== undefined) clearInterval(reporter);
    release();
  };
  return {
    pull() {
      if (!started) {
        started = true;
        engine.start();
        engine.done
          .then(
            () => outer.end(),
            (error: unknown) => outer.fail(toThreadlineError(error, operation)),
          )
          .finally(() => {
            report();
            finish();
          });
      }
      return outer.pull();
    },
    cancel() {
      finish();
      outer.cancel();
    },
  };
}

/**
 * Adds the cursor to an event in place. Safe because every event reaching here was
 * built by the mapper for this subscription alone and is delivered once; copying it
 * with a spread was the costliest step between the decoder and the reader.
 */
function withCursor(event: DomainEvent): SubscribedEvent {
  const target: DomainEvent & { cursor?: string } = event;
  target.cursor = encodeCursor(event.sequence);
  return target as SubscribedEvent;
}

/** Adapts a watched stream connection to the engine's stream shape. */
function resumable<T>(connection: StreamConnection<T>): ResumableStream<T> {
  return {
    events: connection.source,
    ready: connection.ready,
    close: () => connection.source.cancel(),
  };
}

/** Opens a watched SubscribeEvents stream after `after`: backlog, a live marker, then live. */
function openSubscribeEvents(
  transport: Transport,
  server: ServerCapabilities,
  after: number | undefined,
): StreamConnection<SubscribeFrameItem> {
  const watchdog = createTransportWatchdog(
    transport,
    () => Promise.resolve(server),
    "EventLogService.SubscribeEvents",
  );
  return watchdog.watch(
    transport.openSource<threadline.v1.SubscribeEventsRequest.$Properties, SubscribeFrameItem>(
      EventLogServiceDefinition.subscribeEvents,
      after === undefined ? {} : { afterSequence: after },
      (bytes, emit) => {
        const elements = decodeEventBatchFrame(bytes);
        if (elements !== undefined) {
          for (const element of elements) {
            const event = eventFromFrame(element);
            if (event !== undefined) emit(event);
          }
          return;
        }
        const frame = threadline.v1.SubscribeEventsResponse.decode(bytes);
        const events = frame.batch?.events;
        if (events !== undefined && events !== null) {
          for (const element of events) {
            const event = eventFromFrame(element);
            if (event !== undefined) emit(event);
          }
        } else if (frame.live !== null && frame.live !== undefined) {
          emit({ type: "live", headSequence: frame.live.headSequence });
        }
      },
      { onFrame: watchdog.frame, highWaterMark },
    ),
  );
}
