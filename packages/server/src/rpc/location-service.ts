import { Metadata } from "@grpc/grpc-js";
import type { LocationServiceDefinition, photon } from "@threadline/protocol";
import { idempotencyKeyOf } from "../domain/idempotency.js";
import { locationAddress } from "../domain/location-input.js";
import { assertSubscriberCapacity } from "../live/live-hub.js";
import { createFramedLiveSubscriber } from "../live/live-subscriber.js";
import { serviceErrorOf } from "./error-status.js";
import { serverStream, unary } from "./handlers.js";
import type { LocationFeed, LocationLiveEvent } from "./location-feed.js";
import type { ServiceDependencies } from "./service-dependencies.js";

type v1 = typeof photon.imessage.v1;

/** What {@link createLocationServiceImplementation} needs. */
export type LocationServiceDependencies = Pick<
  ServiceDependencies,
  "store" | "logger" | "config"
> & {
  readonly locations: LocationFeed;
};

/**
 * The `photon.imessage.v1.LocationService` implementation. Reads return the latest
 * locations shared with the caller, held in memory (never in the event log); the watch
 * streams updates as they are shared, with heartbeats, and cuts a watcher that falls
 * too far behind (RESOURCE_EXHAUSTED / SUBSCRIBER_TOO_SLOW). Nothing is replayed: a
 * watcher reads `list()` for the present and watches for what follows.
 */
export function createLocationServiceImplementation(deps: LocationServiceDependencies) {
  const { store, config, locations } = deps;
  const { sharing, requests, hub } = locations;
  return {
    listSharedFriendLocations: unary<
      InstanceType<v1["ListSharedFriendLocationsRequest"]>,
      photon.imessage.v1.ListSharedFriendLocationsResponse.$Properties
    >(deps, async (_request, account) => ({
      locations: await sharing.list(store.repositories, account, new Date()),
    })),

    getSharedFriendLocation: unary<
      InstanceType<v1["GetSharedFriendLocationRequest"]>,
      photon.imessage.v1.GetSharedFriendLocationResponse.$Properties
    >(deps, async (request, account) => {
      const address = locationAddress(request.address);
      return { location: await sharing.get(store.repositories, account, address, new Date()) };
    }),

    requestFriendLocationSharing: unary<
      InstanceType<v1["RequestFriendLocationSharingRequest"]>,
      photon.imessage.v1.RequestFriendLocationSharingResponse.$Properties
    >(deps, (request, account, call) => {
      const key = idempotencyKeyOf(request.clientMessageId, call.metadata);
      return requests.request(
        store.repositories,
        account,
        request.chatGuid,
        request.address,
        key,
        new Date(),
      );
    }),

    watchSharedFriendLocations: serverStream<
      InstanceType<v1["WatchSharedFriendLocationsRequest"]>,
      Uint8Array
    >(deps, async (request, account, call) => {
      const raw = request.address ?? undefined;
      const address = raw === undefined || raw === "" ? undefined : locationAddress(raw);
      assertSubscriberCapacity(hub, account.id, config.maxSubscribersPerAccount);
      const subscriber = createFramedLiveSubscriber<LocationLiveEvent>({
        accountId: account.id,
        call,
        accepts: (event) => address === undefined || event.sharerAddresses.includes(address),
        encode: (buffer, start) => {
          const event = buffer[start];
          if (event === undefined) throw new RangeError("no location update to frame");
          return { frame: event.payload, taken: 1 };
        },
        limits: config.subscriberBuffer,
        heartbeatIntervalMs: config.heartbeatIntervalMs,
        startImmediately: true,
        onEnd: (ended) => hub.unregister(ended),
        wireError: serviceErrorOf,
        resumeHint:
          "location updates cannot be replayed: read the latest locations with list() and watch again",
      });
      hub.register(subscriber);
      // Headers once registered: from now on no shared update is missed.
      call.sendMetadata(new Metadata());
      await subscriber.ended;
    }),
  } satisfies Record<keyof typeof LocationServiceDefinition, unknown>;
}
