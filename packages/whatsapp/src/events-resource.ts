import { type Transport, TypedEventStream } from "@threadline/core";
import {
  checkFetchOptions,
  type FetchMissedOptions,
  type FetchMissedResult,
  fetchPage,
} from "./fetch-missed.js";
import { createSubscribeSource, type SubscribeOptions } from "./subscribe-source.js";
import type { WhatsAppEvent } from "./whatsapp-types.js";

/** A business number's event log: inbound messages and status updates. */
export interface EventsResource {
  /**
   * Every event after `cursor` (on the first connect too), then live events, as one
   * stream that reconnects on its own: no gap and no repeat across reconnects. Fails
   * (never retries) on bad credentials or a cursor from another number.
   */
  subscribe(options?: SubscribeOptions): TypedEventStream<WhatsAppEvent>;
  /** One page of events after `cursor`, oldest first, with `hasMore` and where to continue. */
  fetchMissed(options: FetchMissedOptions): Promise<FetchMissedResult>;
}

/** @internal not covered by semver */
export function createEventsResource(
  transport: Transport,
  logSupport: (operation: string) => Promise<boolean>,
  heartbeatIntervalMs: number,
): EventsResource {
  return {
    subscribe(options) {
      return new TypedEventStream(
        createSubscribeSource({ transport, logSupport, heartbeatIntervalMs }, options),
      );
    },
    async fetchMissed(options) {
      const { cursor, limit } = checkFetchOptions(options);
      const operation = "events.fetchMissed()";
      return fetchPage(transport, await logSupport(operation), cursor, limit, operation);
    },
  };
}
