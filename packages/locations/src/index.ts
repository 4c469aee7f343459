/**
 * @threadline/locations: the locations friends share with you, as `im.locations`.
 *
 * ```ts
 * import { createClient } from "@threadline/core";
 * import { locations } from "@threadline/locations";
 *
 * const im = createClient({ address, token, resources: { locations } });
 * const shared = await im.locations.list();
 * for await (const update of im.locations.watch()) console.log(update.location);
 * ```
 *
 * Locations are transient: never in the event log, never caught up.
 */

export type {
  FriendLocationType,
  LocationCallOptions,
  LocationRequestReceipt,
  LocationShare,
  LocationShareResult,
  LocationSharingRequest,
  LocationWriteOptions,
  SharedFriendLocation,
  SharedFriendLocationUpdated,
} from "./location.js";
export { maxAudienceEntries, maxLocationNameLength, maxPlaceTextLength } from "./location-input.js";
export {
  type LocationsResource,
  locationSharingCapability,
  locations,
} from "./locations-resource.js";
