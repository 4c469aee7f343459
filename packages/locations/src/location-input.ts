import { invalidArgument, normalizeAddress, parseChatGuid } from "@threadline/core";
import { photon, type threadline, timestampFromDate } from "@threadline/protocol";
import type { LocationShare } from "./location.js";

/** Longest `longAddress` / `shortAddress`, in characters (the server's limit). */
export const maxPlaceTextLength = 512;
/** Longest `name`, in characters (the server's limit). */
export const maxLocationNameLength = 256;
/** Most entries `allowedAddresses` and `allowedChats` may each list (the server's limit). */
export const maxAudienceEntries = 256;

const wireTypes = photon.imessage.v1.FriendLocationType;
const shareFields = new Set([
  "allowedAddresses",
  "allowedChats",
  "latitude",
  "longitude",
  "accuracy",
  "longAddress",
  "shortAddress",
  "name",
  "isLocatingInProgress",
  "locationType",
  "locationTimestamp",
  "expiresAt",
]);

function list(field: string, value: unknown): readonly unknown[] {
  if (value === undefined) return [];
  if (!Array.isArray(value) || value.length > maxAudienceEntries) {
    throw invalidArgument(
      field,
      `an array of at most ${maxAudienceEntries} entries or omitted`,
      value,
    );
  }
  return value;
}

function degrees(field: string, value: unknown, limit: number): number {
  if (typeof value !== "number" || !Number.isFinite(value) || value < -limit || value > limit) {
    throw invalidArgument(field, `a finite number of degrees from -${limit} to ${limit}`, value);
  }
  return value;
}

function text(field: string, value: unknown, maxLength: number): string | undefined {
  if (value === undefined) return undefined;
  if (typeof value !== "string" || value.trim().length === 0 || value.trim().length > maxLength) {
    throw invalidArgument(
      field,
      `a string of 1 to ${maxLength} characters, not blank, or omitted`,
      value,
    );
  }
  return value.trim();
}

function date(field: string, value: unknown): Date | undefined {
  if (value === undefined) return undefined;
  if (!(value instanceof Date) || Number.isNaN(value.getTime())) {
    throw invalidArgument(field, "a valid Date or omitted", value);
  }
  return value;
}

function locationType(value: unknown): photon.imessage.v1.FriendLocationType {
  switch (value) {
    case undefined:
    case "live":
      return wireTypes.FRIEND_LOCATION_TYPE_LIVE;
    case "legacy":
      return wireTypes.FRIEND_LOCATION_TYPE_LEGACY;
    case "shallow":
      return wireTypes.FRIEND_LOCATION_TYPE_SHALLOW;
    default:
      throw invalidArgument("share.locationType", '"live", "legacy", "shallow" or omitted', value);
  }
}

/**
 * Checks `locations.share(...)`'s argument before any network call and builds the
 * request. The server checks again (and also refuses a fix in the future or an expiry
 * in the past by its own clock).
 *
 * @throws ValidationError naming the field for: a value that is not an object, an
 * unknown key, an empty audience, a malformed address or chat GUID, coordinates out of
 * range, not finite or only one of the two, no coordinates while not locating, a
 * negative accuracy or one without coordinates, blank or over-long texts, an unknown
 * location type, and dates that are not valid Dates.
 * @internal not covered by semver
 */
export function shareRequestOf(share: unknown): threadline.v1.ShareLocationRequest.$Properties {
  if (typeof share !== "object" || share === null || Array.isArray(share)) {
    throw invalidArgument(
      "share",
      "an object like { allowedAddresses, latitude, longitude }",
      share,
    );
  }
  for (const key of Object.keys(share)) {
    if (!shareFields.has(key)) {
      throw invalidArgument(
        `share.${key}`,
        `one of the known keys (${[...shareFields].join(", ")})`,
        key,
        "is not a known option",
      );
    }
  }
  const input: LocationShare = share;
  const allowedAddresses = list("share.allowedAddresses", input.allowedAddresses).map(
    (address, index) => normalizeAddress(address, `share.allowedAddresses[${index}]`),
  );
  const allowedChatGuids = list("share.allowedChats", input.allowedChats).map(
    (chat, index) => parseChatGuid(chat, `share.allowedChats[${index}]`).guid,
  );
  if (allowedAddresses.length === 0 && allowedChatGuids.length === 0) {
    throw invalidArgument(
      "share.allowedAddresses",
      "at least one address in allowedAddresses or one chat in allowedChats (use stopSharing() to stop)",
      share,
      "and share.allowedChats are both empty",
    );
  }
  const locating = input.isLocatingInProgress ?? false;
  if (typeof locating !== "boolean") {
    throw invalidArgument("share.isLocatingInProgress", "true, false or omitted", locating);
  }
  const hasLatitude = input.latitude !== undefined;
  const hasLongitude = input.longitude !== undefined;
  if (hasLatitude !== hasLongitude) {
    const missing = hasLatitude ? "share.longitude" : "share.latitude";
    throw invalidArgument(
      missing,
      "set together with the other coordinate",
      undefined,
      "is missing",
    );
  }
  if (!hasLatitude && !locating) {
    throw invalidArgument(
      "share.latitude",
      "latitude and longitude, unless isLocatingInProgress is true",
      undefined,
      "is missing",
    );
  }
  const coordinates = hasLatitude
    ? {
        latitude: degrees("share.latitude", input.latitude, 90),
        longitude: degrees("share.longitude", input.longitude, 180),
      }
    : {};
  if (input.accuracy !== undefined) {
    if (
      typeof input.accuracy !== "number" ||
      !Number.isFinite(input.accuracy) ||
      input.accuracy < 0
    ) {
      throw invalidArgument(
        "share.accuracy",
        "a finite number of metres, 0 or more",
        input.accuracy,
      );
    }
    if (!hasLatitude) {
      throw invalidArgument(
        "share.accuracy",
        "omitted when there are no coordinates",
        input.accuracy,
        "describes coordinates",
      );
    }
  }
  const longAddress = text("share.longAddress", input.longAddress, maxPlaceTextLength);
  const shortAddress = text("share.shortAddress", input.shortAddress, maxPlaceTextLength);
  const name = text("share.name", input.name, maxLocationNameLength);
  const locationTimestamp = date("share.locationTimestamp", input.locationTimestamp);
  const expiresAt = date("share.expiresAt", input.expiresAt);
  return {
    allowedAddresses,
    allowedChatGuids,
    ...coordinates,
    ...(input.accuracy === undefined ? {} : { accuracy: input.accuracy }),
    ...(longAddress === undefined ? {} : { longAddress }),
    ...(shortAddress === undefined ? {} : { shortAddress }),
    ...(name === undefined ? {} : { name }),
    isLocatingInProgress: locating,
    locationType: locationType(input.locationType),
    ...(locationTimestamp === undefined
      ? {}
      : { locationTimestamp: timestampFromDate(locationTimestamp) }),
    ...(expiresAt === undefined ? {} : { expiresAt: timestampFromDate(expiresAt) }),
  };
}
