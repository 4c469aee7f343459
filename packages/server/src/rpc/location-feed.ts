import { photon } from "@threadline/protocol";
import { createLocationRequests, type LocationRequests } from "../domain/location-requests.js";
import {
  createLocationSharing,
  type LocationSharing,
  type LocationUpdate,
} from "../domain/location-sharing.js";
import { ServerError } from "../errors/server-error.js";
import { createLiveHub, type LiveHub } from "../live/live-hub.js";
import type { LiveEvent } from "../live/live-subscriber.js";

/** One location update on its way to one viewing account's watches. */
export interface LocationLiveEvent extends LiveEvent {
  /** The viewing account. */
  readonly accountId: number;
  /** The viewer's `source_sequence` for this update (not a log sequence). */
  readonly sequence: number;
  /** The encoded `WatchSharedFriendLocationsResponse` frame. */
  readonly payload: Uint8Array;
  /** The sharer's addresses, for watches filtered by address. */
  readonly sharerAddresses: readonly string[];
}

/**
 * The transient location state of one server process: the latest shared locations,
 * the open requests, and the live hub their updates reach watchers through. Nothing of
 * it touches the event log.
 */
export interface LocationFeed {
  readonly sharing: LocationSharing;
  readonly requests: LocationRequests;
  readonly hub: LiveHub<LocationLiveEvent>;
  /** Ends every watch (UNAVAILABLE, retryable) at shutdown. */
  close(): Promise<void>;
}

function liveEventsOf(update: LocationUpdate): LocationLiveEvent[] {
  return update.deliveries.map((delivery) => ({
    accountId: delivery.accountId,
    sequence: delivery.sourceSequence,
    sharerAddresses: update.sharerAddresses,
    payload: photon.imessage.v1.WatchSharedFriendLocationsResponse.encode({
      locationUpdated: { sourceSequence: delivery.sourceSequence, location: update.location },
    }).finish(),
  }));
}

/** Creates an empty {@link LocationFeed}. */
export function createLocationFeed(): LocationFeed {
  const hub = createLiveHub<LocationLiveEvent>();
  const sharing = createLocationSharing({
    publish: (update) => hub.publish(liveEventsOf(update)),
  });
  return {
    sharing,
    requests: createLocationRequests(sharing),
    hub,
    close: () =>
      hub.endAll(
        new ServerError(
          "UNAVAILABLE",
          "the server is shutting down; reconnect, read the latest locations with list() and watch again",
          { retryable: true },
        ),
      ),
  };
}
