import {
  createBackoffPolicy,
  createPushSource,
  createResumableConnection,
  createStreamWatchdog,
  type EventSource,
  invalidArgument,
  type ReconnectOptions,
  type ResumableStream,
  type StreamConnection,
  type Transport,
  toThreadlineError,
  UnimplementedError,
} from "@threadline/core";
import {
  photon,
  threadline,
  WhatsAppLogServiceDefinition,
  WhatsAppMessageServiceDefinition,
} from "@threadline/protocol";
import { checkCursor } from "./cursor-shape.js";
import { eventFromWire } from "./event-from-wire.js";
import { fetchPage, logPosition, maxFetchLimit, sequencedFromWire } from "./fetch-missed.js";
import type { WhatsAppEvent } from "./whatsapp-types.js";

/** Options of `events.subscribe()`. */
export interface SubscribeOptions {
  /**
   * Resume after this cursor (an event's `cursor`), on the first connect too; omit to
   * start at the oldest logged event. `undefined` counts as omitted, so a saved cursor
   * that may not exist yet can be passed as is.
   */
  readonly cursor?: string | undefined;
  /**
   * Resume after this log sequence instead (an event's `sequence`; 0 is the start), as
   * `@threadline/recovery` does from its checkpoint. Needs the Threadline log RPCs;
   * not together with `cursor`.
   */
  readonly afterSequence?: number;
  /** Reconnect schedule: initialDelay 1000, maxAttempts Infinity, maxDelay 30000, multiplier 2, onReconnect. */
  readonly reconnect?: ReconnectOptions;
}

/** What a subscription needs from its client. @internal not covered by semver */
export interface SubscribeDependencies {
  readonly transport: Transport;
  readonly logSupport: (operation: string) => Promise<boolean>;
  readonly heartbeatIntervalMs: number;
  readonly random?: () => number;
}

// A frame the engine sees: a logged event, or the end of a connection's backlog.
type Frame = { readonly event: WhatsAppEvent } | { readonly liveHead: number };

const operation = "events.subscribe";
const highWaterMark = 4096;

/** @internal not covered by semver */
export function checkSubscribeOptions(options: unknown): {
  cursor: string | undefined;
  afterSequence: number | undefined;
  reconnect: ReconnectOptions | undefined;
} {
  if (options === undefined) {
    return { cursor: undefined, afterSequence: undefined, reconnect: undefined };
  }
  if (typeof options !== "object" || options === null) {
    throw invalidArgument("subscribe options", "an object like { cursor?, reconnect? }", options);
  }
  const cursor: unknown = Reflect.get(options, "cursor");
  const reconnect: unknown = Reflect.get(options, "reconnect");
  const afterSequence: unknown = Reflect.get(options, "afterSequence");
  if (
    afterSequence !== undefined &&
    (typeof afterSequence !== "number" || !Number.isSafeInteger(afterSequence) || afterSequence < 0)
  ) {
    throw invalidArgument("afterSequence", "a non-negative safe integer", afterSequence);
  }
  if (afterSequence !== undefined && cursor !== undefined) {
    throw invalidArgument(
      "afterSequence",
      "either cursor or afterSequence, not both",
      afterSequence,
      "was given together with cursor",
    );
  }
  if (reconnect !== undefined && (typeof reconnect !== "object" || reconnect === null)) {
    throw invalidArgument(
      "reconnect",
      "an object like { initialDelay, maxDelay, maxAttempts, multiplier, onReconnect }",
      reconnect,
    );
  }
  return {
    cursor: cursor === undefined ? undefined : checkCursor("cursor", cursor),
    afterSequence: afterSequence === 0 ? undefined : afterSequence,
    // Checked field by field by createBackoffPolicy.
    reconnect: reconnect === undefined ? undefined : (reconnect as ReconnectOptions),
  };
}

/**
 * The source behind `events.subscribe()`, a thin layer over core's resumable-connection
 * engine. With the Threadline log RPCs, each connection is one SubscribeWhatsAppEvents
 * stream after the last delivered sequence (or, before any, after the given cursor):
 * the backlog, a live marker, then live events, with no gap and no repeat. Against a
 * server with only the published RPCs, each connection opens SubscribeEvents, waits
 * for its headers, then pages FetchMissedEvents after the last delivered cursor and
 * drops live events the pages already held (see {@link openFallbackStream}).
 *
 * @internal not covered by semver
 */
export function createSubscribeSource(
  dependencies: SubscribeDependencies,
  options: SubscribeOptions | undefined,
): EventSource<WhatsAppEvent> {
  const checked = checkSubscribeOptions(options);
  const policy = createBackoffPolicy(checked.reconnect);
  const onReconnect = checked.reconnect?.onReconnect;
  const { transport } = dependencies;
  let lastSequence: number | undefined = checked.afterSequence;
  let lastCursor = checked.cursor ?? "";

  const outer = createPushSource<WhatsAppEvent>({ highWaterMark, cancel: () => engine.stop() });

  const engine = createResumableConnection<Frame>({
    operation,
    policy,
    ...(dependencies.random === undefined ? {} : { random: dependencies.random }),
    cursor: () => lastSequence,
    async connect(after) {
      const withLog = await dependencies.logSupport("events.subscribe()");
      if (withLog) {
        return {
          live: [openLogStream(transport, logPosition(lastCursor, after), dependencies)],
        };
      }
      if (checked.afterSequence !== undefined && lastCursor === "") {
        throw new UnimplementedError(
          "subscribe({ afterSequence }) needs a server with the Threadline log RPCs (threadline.v1.WhatsAppLogService); this server has only photon.whatsapp.v1, so resume with a cursor",
        );
      }
      return { live: [openFallbackStream(transport, lastCursor, after ?? 0, dependencies)] };
    },
    sequenceOf: (frame) => ("event" in frame ? frame.event.sequence : undefined),
    caughtUpHead: (frame) => ("liveHead" in frame ? frame.liveHead : undefined),
    deliver(frame) {
      if (!("event" in frame)) return undefined;
      lastSequence = frame.event.sequence;
      lastCursor = frame.event.cursor;
      outer.push(frame.event);
      // While the consumer is behind, the stream waits (and so does its watchdog).
      return outer.buffered >= highWaterMark ? outer.drained() : undefined;
    },
    ...(onReconnect === undefined
      ? {}
      : { onReconnect: (attempt: number) => onReconnect(attempt) }),
  });

  let started = false;
  const release = transport.register(outer);
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

function watchdogFor(transport: Transport, heartbeatIntervalMs: number, call: string) {
  return createStreamWatchdog({
    heartbeatIntervalMs,
    operation: call,
    onStall: () => transport.resetStreamChannel(),
  });
}

function resumable<T>(connection: StreamConnection<T>): ResumableStream<T> {
  return {
    events: connection.source,
    ready: connection.ready,
    close: () => connection.source.cancel(),
  };
}

/** One watched SubscribeWhatsAppEvents stream after `position`. */
function openLogStream(
  transport: Transport,
  position: threadline.v1.WhatsAppLogPosition.$Properties,
  dependencies: SubscribeDependencies,
): ResumableStream<Frame> {
  const watchdog = watchdogFor(
    transport,
    dependencies.heartbeatIntervalMs,
    "WhatsAppLogService.SubscribeWhatsAppEvents",
  );
  return resumable(
    watchdog.watch(
      transport.openSource<threadline.v1.SubscribeWhatsAppEventsRequest.$Properties, Frame>(
        WhatsAppLogServiceDefinition.subscribeWhatsAppEvents,
        { position },
        (bytes, emit) => {
          const frame = threadline.v1.SubscribeWhatsAppEventsResponse.decode(bytes);
          if (frame.event !== null && frame.event !== undefined) {
            emit({ event: sequencedFromWire(frame.event) });
          } else if (frame.live !== null && frame.live !== undefined) {
            emit({ liveHead: frame.live.headSequence });
          }
        },
        { onFrame: watchdog.frame, highWaterMark, operation: "events.subscribe()" },
      ),
    ),
  );
}

interface LiveFrame {
  readonly cursor: string;
  readonly frame: photon.whatsapp.v1.SubscribeEventsResponse;
}

/**
 * The fallback for a server with only the published RPCs, as one replaying stream:
 * SubscribeEvents is opened and its headers awaited (so it is registered), then every
 * page of FetchMissedEvents after `cursor` is sent, then a live marker, then live
 * events whose cursor the pages did not hold. Sequences count deliveries of this
 * subscription on from `base`: that server has no numeric log positions.
 *
 * The window: this is gap-free only if the server registers SubscribeEvents before it
 * sends its headers. A server that sends headers earlier can lose events committed
 * between the headers and the registration.
 */
function openFallbackStream(
  transport: Transport,
  cursor: string,
  base: number,
  dependencies: SubscribeDependencies,
): ResumableStream<Frame> {
  const watchdog = watchdogFor(
    transport,
    dependencies.heartbeatIntervalMs,
    "MessageService.SubscribeEvents",
  );
  const live = watchdog.watch(
    transport.openSource<photon.whatsapp.v1.SubscribeEventsRequest.$Properties, LiveFrame>(
      WhatsAppMessageServiceDefinition.subscribeEvents,
      {},
      (bytes, emit) => {
        const frame = photon.whatsapp.v1.SubscribeEventsResponse.decode(bytes);
        const at = frame.cursor?.value;
        if (at !== undefined && at !== "" && (frame.message || frame.status)) {
          emit({ cursor: at, frame });
        }
      },
      { onFrame: watchdog.frame, highWaterMark, operation: "events.subscribe()" },
    ),
  );
  let over = false;
  const out = createPushSource<Frame>({
    highWaterMark,
    cancel: () => {
      over = true;
      live.source.cancel();
    },
  });
  let sequence = base;
  const run = async () => {
    await live.ready;
    const fetched = new Set<string>();
    let after = cursor;
    for (;;) {
      const page = await fetchPage(transport, false, after, maxFetchLimit, operation, sequence + 1);
      if (over) return;
      for (const event of page.events) {
        fetched.add(event.cursor);
        sequence = event.sequence;
        out.push({ event });
      }
      after = page.cursor;
      if (!page.hasMore) break;
    }
    out.push({ liveHead: sequence });
    for (;;) {
      const batch = await live.source.pull();
      if (over) return;
      if (batch === undefined) {
        out.end();
        return;
      }
      for (const item of batch) {
        if (fetched.delete(item.cursor)) continue;
        const event = eventFromWire(item.frame, item.cursor, sequence + 1);
        if (event === undefined) continue;
        sequence += 1;
        out.push({ event });
      }
      if (out.buffered >= highWaterMark) await out.drained();
    }
  };
  run().catch((error: unknown) => {
    live.source.cancel();
    out.fail(error);
  });
  return { events: out, ready: live.ready, close: () => out.cancel() };
}
