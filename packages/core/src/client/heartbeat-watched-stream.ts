import type { GrpcMethodDefinition } from "@threadline/protocol";
import { createTransportWatchdog } from "../resumable/stream-watchdog.js";
import { LiveEventStream } from "../stream/live-event-stream.js";
import { expandEach, operationName, type Transport } from "../transport/grpc-transport.js";
import type { StreamCallOptions } from "../transport/rpc-calls.js";
import type { ServerCapabilities } from "./server-capabilities.js";

/**
 * A server stream like {@link Transport.stream}, watched by the heartbeat watchdog: for
 * resource packages' live streams (`StreamCallOptions.heartbeats`), which get the same
 * stall detection as `events.live()`.
 */
export function openHeartbeatWatchedStream<
  RequestDecoded,
  RequestProperties,
  ResponseDecoded,
  ResponseProperties,
  Event,
>(
  transport: Transport,
  capabilities: () => Promise<ServerCapabilities>,
  method: GrpcMethodDefinition<
    RequestDecoded,
    RequestProperties,
    ResponseDecoded,
    ResponseProperties
  >,
  request: RequestProperties,
  map: (frame: ResponseDecoded) => Event | undefined,
  options: StreamCallOptions,
): LiveEventStream<Event> {
  const watchdog = createTransportWatchdog(
    transport,
    capabilities,
    options.operation ?? operationName(method.path),
  );
  const onFrame = options.onFrame;
  const { source, ready } = watchdog.watch(
    transport.openSource<RequestProperties, Event>(method, request, expandEach(method, map), {
      ...options,
      onFrame:
        onFrame === undefined
          ? watchdog.frame
          : () => {
              watchdog.frame();
              onFrame();
            },
    }),
  );
  return new LiveEventStream(source, ready);
}
