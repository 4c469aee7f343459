import {
  EventLogServiceDefinition,
  EventServiceDefinition,
  photon,
  threadline,
} from "@threadline/protocol";
import type { ServerCapabilities } from "../client/server-capabilities.js";
import { capability } from "../client/server-capabilities.js";
import { UnimplementedError } from "../errors/error-classes.js";
import { createTransportWatchdog } from "../resumable/stream-watchdog.js";
import type { EventSource } from "../stream/event-source.js";
import type { StreamConnection, Transport } from "../transport/grpc-transport.js";
import type { CatchUpEvent } from "./domain-events.js";
import { decodeEventBatchFrame } from "./event-batch-frame.js";
import { eventFromFrame } from "./event-mapper.js";

/** How a catch-up reaches the server. */
export type CatchUpPath = "batched" | "standard";

function afterSequenceField(afterSequence: number | undefined) {
  return afterSequence === undefined ? {} : { afterSequence };
}

/**
 * Opens the standard `EventService.CatchUpEvents` stream after `afterSequence`.
 *
 * @internal not covered by semver
 */
export function openStandardCatchUp(
  transport: Transport,
  afterSequence: number | undefined,
  onFrame?: () => void,
): StreamConnection<CatchUpEvent> {
  return transport.openSource<photon.imessage.v1.CatchUpEventsRequest.$Properties, CatchUpEvent>(
    EventServiceDefinition.catchUpEvents,
    afterSequenceField(afterSequence),
    (bytes, emit) => {
      const frame = photon.imessage.v1.CatchUpEventsResponse.decode(bytes);
      if (frame.complete !== null && frame.complete !== undefined) {
        emit({ type: "catchup.complete", headSequence: frame.complete.headSequence });
        return;
      }
      const event = eventFromFrame(frame);
      if (event !== undefined) emit(event);
    },
    onFrame === undefined ? {} : { onFrame },
  );
}

/**
 * Opens `threadline.v1.EventLogService.CatchUpEventBatches` after `afterSequence`:
 * the same events as the standard call, many per frame.
 *
 * @internal not covered by semver
 */
export function openBatchedCatchUp(
  transport: Transport,
  afterSequence: number | undefined,
  onFrame?: () => void,
): StreamConnection<CatchUpEvent> {
  return transport.openSource<threadline.v1.CatchUpEventBatchesRequest.$Properties, CatchUpEvent>(
    EventLogServiceDefinition.catchUpEventBatches,
    afterSequenceField(afterSequence),
    (bytes, emit) => {
      const elements = decodeEventBatchFrame(bytes);
      if (elements !== undefined) {
        for (const element of elements) {
          const event = eventFromFrame(element);
          if (event !== undefined) emit(event);
        }
        return;
      }
      const frame = threadline.v1.CatchUpEventBatchesResponse.decode(bytes);
      const events = frame.batch?.events;
      if (events !== undefined && events !== null) {
        for (const element of events) {
          const event = eventFromFrame(element);
          if (event !== undefined) emit(event);
        }
        return;
      }
      if (frame.complete !== null && frame.complete !== undefined) {
        emit({ type: "catchup.complete", headSequence: frame.complete.headSequence });
      }
    },
    { ...(onFrame === undefined ? {} : { onFrame }), highWaterMark: 16_384 },
  );
}

/**
 * Opens a watched catch-up after `afterSequence` on `server`: the batched RPC when it
 * lists `threadline.catch_up_batches` (falling back if it still answers UNIMPLEMENTED),
 * otherwise the standard RPC. A catch-up whose reader waits twice the heartbeat
 * interval without a frame fails with `STREAM_STALLED`.
 *
 * @internal not covered by semver
 */
export async function openCatchUp(
  transport: Transport,
  server: ServerCapabilities,
  afterSequence: number | undefined,
): Promise<StreamConnection<CatchUpEvent>> {
  const watched = (open: typeof openStandardCatchUp) => {
    const watchdog = createTransportWatchdog(
      transport,
      () => Promise.resolve(server),
      open === openBatchedCatchUp
        ? "EventLogService.CatchUpEventBatches"
        : "EventService.CatchUpEvents",
    );
    return watchdog.watch(open(transport, afterSequence, watchdog.frame));
  };
  if (!server.capabilities.has(capability.catchUpBatches)) return watched(openStandardCatchUp);
  const batched = watched(openBatchedCatchUp);
  try {
    await batched.ready;
  } catch (error) {
    if (UnimplementedError.is(error)) {
      batched.source.cancel();
      return watched(openStandardCatchUp);
    }
    // Any other failure is delivered by the source on the first pull.
  }
  return batched;
}

/**
 * The source behind `events.catchUp`: see {@link openCatchUp}.
 *
 * @internal not covered by semver
 */
export async function openCatchUpSource(
  transport: Transport,
  capabilities: (operation?: string) => Promise<ServerCapabilities>,
  afterSequence: number | undefined,
): Promise<EventSource<CatchUpEvent>> {
  const server = await capabilities("events.catchUp()");
  return (await openCatchUp(transport, server, afterSequence)).source;
}
