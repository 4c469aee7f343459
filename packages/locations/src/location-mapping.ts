import { ProtocolError } from "@threadline/core";
import { photon, type threadline, timestampToDate } from "@threadline/protocol";
import type {
  FriendLocationType,
  LocationRequestReceipt,
  LocationSharingRequest,
  SharedFriendLocation,
  SharedFriendLocationUpdated,
} from "./location.js";

const wireTypes = photon.imessage.v1.FriendLocationType;

/** The SDK name of a wire location type. @internal not covered by semver */
export function locationTypeFromWire(value: number): FriendLocationType {
  switch (value) {
    case wireTypes.FRIEND_LOCATION_TYPE_LEGACY:
      return "legacy";
    case wireTypes.FRIEND_LOCATION_TYPE_LIVE:
      return "live";
    case wireTypes.FRIEND_LOCATION_TYPE_SHALLOW:
      return "shallow";
    default:
      return "unknown";
  }
}

function timestamp(
  value: { seconds?: number | null; nanos?: number | null } | null | undefined,
  where: string,
): Date | undefined {
  if (value === null || value === undefined) return undefined;
  try {
    return timestampToDate(value);
  } catch (error) {
    throw new ProtocolError(`the server sent an invalid timestamp in ${where}`, {
      cause: error,
      context: { field: where },
    });
  }
}

function present<Value>(value: Value | null | undefined): Value | undefined {
  return value === null ? undefined : value;
}

/**
 * Maps a wire location onto {@link SharedFriendLocation}; absent optional fields stay absent.
 *
 * @throws ProtocolError when the location is missing or carries an invalid timestamp.
 * @internal not covered by semver
 */
export function locationFromWire(
  location: photon.imessage.v1.SharedFriendLocation | null | undefined,
  where: string,
): SharedFriendLocation {
  if (location === null || location === undefined) {
    throw new ProtocolError(
      `the server's ${where} has no location, which a conforming server always sends`,
      { context: { field: "location" } },
    );
  }
  const expiresAt = timestamp(location.expiresAt, `${where}.expires_at`);
  const locationTimestamp = timestamp(location.locationTimestamp, `${where}.location_timestamp`);
  const accuracy = present(location.accuracy);
  const latitude = present(location.latitude);
  const longitude = present(location.longitude);
  const longAddress = present(location.longAddress);
  const shortAddress = present(location.shortAddress);
  const name = present(location.name);
  return {
    ...(accuracy === undefined ? {} : { accuracy }),
    address: location.address,
    ...(expiresAt === undefined ? {} : { expiresAt }),
    isLocatingInProgress: location.isLocatingInProgress,
    ...(latitude === undefined ? {} : { latitude }),
    ...(locationTimestamp === undefined ? {} : { locationTimestamp }),
    locationType: locationTypeFromWire(location.locationType),
    ...(longAddress === undefined ? {} : { longAddress }),
    ...(longitude === undefined ? {} : { longitude }),
    ...(name === undefined ? {} : { name }),
    ...(shortAddress === undefined ? {} : { shortAddress }),
  };
}

/** Maps one watch frame's update. @internal not covered by semver */
export function updateFromWire(
  update: photon.imessage.v1.SharedFriendLocationUpdated,
): SharedFriendLocationUpdated {
  return {
    location: locationFromWire(update.location, "WatchSharedFriendLocations update"),
    sourceSequence: update.sourceSequence,
  };
}

/** Maps a request receipt. @internal not covered by semver */
export function receiptFromWire(
  response: photon.imessage.v1.RequestFriendLocationSharingResponse,
): LocationRequestReceipt {
  return {
    address: response.address,
    status: response.status,
    ...(response.reason === null || response.reason === undefined
      ? {}
      : { reason: response.reason }),
    ...(response.messageGuid === null || response.messageGuid === undefined
      ? {}
      : { messageGuid: response.messageGuid }),
  };
}

/** Maps one pending request. @internal not covered by semver */
export function sharingRequestFromWire(
  request: threadline.v1.LocationSharingRequest,
): LocationSharingRequest {
  const requestedAt = timestamp(request.requestedAt, "LocationSharingRequest.requested_at");
  if (requestedAt === undefined) {
    throw new ProtocolError(
      "the server sent a location sharing request without requested_at, which a conforming server always sends",
      { context: { field: "requested_at" } },
    );
  }
  return {
    requesterAddress: request.requesterAddress,
    chatGuid: request.chatGuid,
    requestedAt,
  };
}
