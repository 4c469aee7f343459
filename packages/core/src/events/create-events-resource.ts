import { EventLogServiceDefinition } from "@threadline/protocol";
import { capability, type ServerCapabilities } from "../client/server-capabilities.js";
import { UnimplementedError } from "../errors/error-classes.js";
import { checkSequence } from "../errors/invalid-argument.js";
import { createDeferredSource } from "../stream/deferred-source.js";
import { LiveEventStream } from "../stream/live-event-stream.js";
import { TypedEventStream } from "../stream/typed-event-stream.js";
import type { Transport } from "../transport/grpc-transport.js";
import { openCatchUpSource } from "./catch-up.js";
import type { CatchUpEvent, EventDomain, LiveEventMap, SubscribedEvent } from "./domain-events.js";
import type { EventsResource, LiveFilter, LogInfo, SubscribeOptions } from "./events-resource.js";
import { fetchMissed } from "./fetch-missed.js";
import { checkLiveArguments, openWatchedLiveSource } from "./live-streams.js";
import { createSubscribeSource } from "./subscribe.js";

/**
 * Builds `im.events` over a transport and the server's capabilities.
 *
 * @internal not covered by semver
 */
export function createEventsResource(
  transport: Transport,
  capabilities: (operation?: string) => Promise<ServerCapabilities>,
): EventsResource {
  return {
    catchUp(lastHandledSequence?: number): TypedEventStream<CatchUpEvent> {
      const after =
        lastHandledSequence === undefined
          ? undefined
          : checkSequence("lastHandledSequence", lastHandledSequence);
      const source = createDeferredSource(() => openCatchUpSource(transport, capabilities, after));
      const release = transport.register(source);
      return new TypedEventStream(source, release);
    },

    live<Domain extends EventDomain>(
      domain: Domain,
      filter?: LiveFilter,
    ): LiveEventStream<LiveEventMap[Domain]> {
      const checked = checkLiveArguments(domain, filter);
      const { source, ready } = openWatchedLiveSource(transport, capabilities, domain, checked);
      return new LiveEventStream(source, ready);
    },

    subscribe(options?: SubscribeOptions): TypedEventStream<SubscribedEvent> {
      return new TypedEventStream(createSubscribeSource({ transport, capabilities }, options));
    },

    fetchMissed(options) {
      return fetchMissed(transport, capabilities, options);
    },

    async getLogInfo(): Promise<LogInfo> {
      const server = await capabilities("events.getLogInfo()");
      if (!server.capabilities.has(capability.logInfo)) {
        throw new UnimplementedError(
          "getLogInfo needs a Threadline server (capability threadline.log_info); this server is a plain photon.imessage.v1 server",
        );
      }
      const info = await transport.unary(
        EventLogServiceDefinition.getLogInfo,
        {},
        { operation: "events.getLogInfo()" },
      );
      return {
        headSequence: info.headSequence ?? 0,
        oldestRetainedSequence: info.oldestRetainedSequence ?? 0,
      };
    },
  };
}
