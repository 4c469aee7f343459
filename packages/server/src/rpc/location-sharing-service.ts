import type { LocationSharingServiceDefinition, threadline } from "@threadline/protocol";
import { validateShareLocation } from "../domain/location-input.js";
import { unary } from "./handlers.js";
import type { LocationServiceDependencies } from "./location-service.js";

type v1 = typeof threadline.v1;

/**
 * `threadline.v1.LocationSharingService`: the caller shares its own location with the
 * addresses and chats it allows, stops sharing, and lists who asked it to share. A
 * share replaces the caller's position and audience and reaches the audience's watches
 * at once; it is never written to the event log.
 */
export function createLocationSharingServiceImplementation(deps: LocationServiceDependencies) {
  const { store, locations } = deps;
  const { sharing, requests } = locations;
  return {
    shareLocation: unary<
      InstanceType<v1["ShareLocationRequest"]>,
      threadline.v1.ShareLocationResponse.$Properties
    >(deps, async (request, account) => {
      const now = new Date();
      const input = validateShareLocation(request, account.addresses, now);
      const result = await sharing.share(store.repositories, account, input, now);
      requests.answer(account, result.audienceAccountIds);
      return { location: result.location, audienceAccountCount: result.audienceAccountIds.length };
    }),

    stopSharingLocation: unary<
      InstanceType<v1["StopSharingLocationRequest"]>,
      threadline.v1.StopSharingLocationResponse.$Properties
    >(deps, (_request, account) => ({ wasSharing: sharing.stop(account.id, new Date()) })),

    listLocationSharingRequests: unary<
      InstanceType<v1["ListLocationSharingRequestsRequest"]>,
      threadline.v1.ListLocationSharingRequestsResponse.$Properties
    >(deps, async (_request, account) => ({
      requests: await requests.pendingFor(store.repositories, account, new Date()),
    })),
  } satisfies Record<keyof typeof LocationSharingServiceDefinition, unknown>;
}
