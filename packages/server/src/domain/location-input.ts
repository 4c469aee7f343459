import { photon, type threadline, timestampToDate } from "@threadline/protocol";
import { invalidArgument } from "../errors/common-errors.js";
import { ServerError } from "../errors/server-error.js";
import { normalizeAddress } from "./address.js";
import { normalizeChatGuid } from "./chat-guid.js";

const locationTypes = photon.imessage.v1.FriendLocationType;

/** Longest `long_address` / `short_address` accepted, in characters. */
export const maxPlaceTextLength = 512;
/** Longest display `name` accepted, in characters. */
export const maxLocationNameLength = 256;
/** Most entries `allowed_addresses` and `allowed_chat_guids` may each list. */
export const maxAudienceEntries = 256;
/** How far into the future a fix's `location_timestamp` may lie (clock skew), in ms. */
export const maxFixClockSkewMs = 5 * 60 * 1000;

/** A position as the sharer sent it, checked. */
export interface SharedPosition {
  /** Latitude and longitude, both or neither. */
  readonly coordinates: { readonly latitude: number; readonly longitude: number } | undefined;
  readonly accuracy: number | undefined;
  readonly longAddress: string | undefined;
  readonly shortAddress: string | undefined;
  readonly name: string | undefined;
  readonly isLocatingInProgress: boolean;
  /** LEGACY, LIVE or SHALLOW (an unspecified type is taken as LIVE). */
  readonly locationType: photon.imessage.v1.FriendLocationType;
  readonly locationTimestamp: Date;
  readonly expiresAt: Date | undefined;
}

/** Who may see a shared location, as the request named them (normalised, not yet resolved). */
export interface AudienceInput {
  readonly addresses: readonly string[];
  readonly chatGuids: readonly string[];
}

/** A checked `ShareLocationRequest`. */
export interface ShareLocationInput {
  readonly position: SharedPosition;
  readonly audience: AudienceInput;
}

function coordinate(field: "latitude" | "longitude", value: number, limit: number): number {
  if (!Number.isFinite(value) || value < -limit || value > limit) {
    throw invalidArgument(
      `${field} must be a finite number of degrees from -${limit} to ${limit}; received ${String(value)}`,
      { field },
    );
  }
  return value;
}

function coordinatesOf(request: threadline.v1.ShareLocationRequest): SharedPosition["coordinates"] {
  const latitude = request.latitude ?? undefined;
  const longitude = request.longitude ?? undefined;
  if (latitude === undefined && longitude === undefined) {
    if (!request.isLocatingInProgress) {
      throw invalidArgument(
        "latitude and longitude are required unless is_locating_in_progress is true (a location still being acquired); send both",
        { field: "latitude" },
      );
    }
    return undefined;
  }
  if (latitude === undefined || longitude === undefined) {
    const missing = latitude === undefined ? "latitude" : "longitude";
    throw invalidArgument(`latitude and longitude must be set together; ${missing} is missing`, {
      field: missing,
    });
  }
  return {
    latitude: coordinate("latitude", latitude, 90),
    longitude: coordinate("longitude", longitude, 180),
  };
}

function optionalText(
  field: string,
  value: string | null | undefined,
  maxLength: number,
): string | undefined {
  if (value === null || value === undefined) return undefined;
  const trimmed = value.trim();
  if (trimmed.length === 0 || trimmed.length > maxLength) {
    throw invalidArgument(
      `${field} must be 1 to ${maxLength} characters (not blank) or unset; received ${trimmed.length === 0 ? "blank text" : `${trimmed.length} characters`}`,
      { field },
    );
  }
  return trimmed;
}

function timestampField(
  field: string,
  value: threadline.v1.ShareLocationRequest["expiresAt"],
): Date | undefined {
  if (value === null || value === undefined) return undefined;
  try {
    return timestampToDate(value);
  } catch (error) {
    const reason = error instanceof Error ? error.message : String(error);
    throw invalidArgument(`${field} is not a valid timestamp: ${reason}`, { field });
  }
}

function locationTypeOf(value: number): photon.imessage.v1.FriendLocationType {
  switch (value) {
    case locationTypes.FRIEND_LOCATION_TYPE_UNSPECIFIED:
      return locationTypes.FRIEND_LOCATION_TYPE_LIVE;
    case locationTypes.FRIEND_LOCATION_TYPE_LEGACY:
    case locationTypes.FRIEND_LOCATION_TYPE_LIVE:
    case locationTypes.FRIEND_LOCATION_TYPE_SHALLOW:
      return value;
    default:
      throw invalidArgument(
        `location_type ${value} is not a FriendLocationType; use LEGACY (1), LIVE (2), SHALLOW (3) or leave it unspecified (taken as LIVE)`,
        { field: "location_type" },
      );
  }
}

function audienceAddresses(raw: readonly string[], own: readonly string[]): string[] {
  const seen = new Set<string>();
  raw.forEach((entry, index) => {
    const field = `allowed_addresses[${index}]`;
    let address: string;
    try {
      address = normalizeAddress(entry);
    } catch (error) {
      if (!(error instanceof ServerError)) throw error;
      throw invalidArgument(`${field}: ${error.message}`, { field: "allowed_addresses" });
    }
    if (own.includes(address)) {
      throw invalidArgument(
        `${field} ${JSON.stringify(entry)} is one of your own addresses; list the addresses of the people who may see your location`,
        { field: "allowed_addresses" },
      );
    }
    seen.add(address);
  });
  return [...seen];
}

function audienceChats(raw: readonly string[]): string[] {
  const seen = new Set<string>();
  raw.forEach((entry, index) => {
    seen.add(normalizeChatGuid(entry, `allowed_chat_guids[${index}]`));
  });
  return [...seen];
}

/**
 * Checks a `ShareLocationRequest` from the account with addresses `ownAddresses`.
 * Throws INVALID_ARGUMENT naming the field and what is allowed for: an empty audience,
 * more than {@link maxAudienceEntries} entries, a malformed or own address, a malformed
 * chat GUID, coordinates out of range, not finite or only one of the two, missing
 * coordinates while not locating, a negative or non-finite accuracy, blank or over-long
 * texts, an unknown location type, a fix more than five minutes in the future, and an
 * expiry that is not in the future. Repeated audience entries count once.
 */
export function validateShareLocation(
  request: threadline.v1.ShareLocationRequest,
  ownAddresses: readonly string[],
  now: Date,
): ShareLocationInput {
  for (const field of ["allowed_addresses", "allowed_chat_guids"] as const) {
    const list =
      field === "allowed_addresses" ? request.allowedAddresses : request.allowedChatGuids;
    if (list.length > maxAudienceEntries) {
      throw invalidArgument(
        `${field} lists ${list.length} entries; at most ${maxAudienceEntries} are allowed`,
        { field },
      );
    }
  }
  if (request.allowedAddresses.length === 0 && request.allowedChatGuids.length === 0) {
    throw invalidArgument(
      "the audience is empty: list at least one address in allowed_addresses or one chat in allowed_chat_guids; to stop sharing call StopSharingLocation",
      { field: "allowed_addresses" },
    );
  }
  const addresses = audienceAddresses(request.allowedAddresses, ownAddresses);
  const chatGuids = audienceChats(request.allowedChatGuids);
  const coordinates = coordinatesOf(request);
  const accuracy = request.accuracy ?? undefined;
  if (accuracy !== undefined && (!Number.isFinite(accuracy) || accuracy < 0)) {
    throw invalidArgument(
      `accuracy must be a finite number of metres, 0 or more; received ${String(accuracy)}`,
      { field: "accuracy" },
    );
  }
  if (accuracy !== undefined && coordinates === undefined) {
    throw invalidArgument("accuracy describes coordinates; send latitude and longitude with it", {
      field: "accuracy",
    });
  }
  const locationTimestamp = timestampField("location_timestamp", request.locationTimestamp) ?? now;
  if (locationTimestamp.getTime() > now.getTime() + maxFixClockSkewMs) {
    throw invalidArgument(
      `location_timestamp ${locationTimestamp.toISOString()} lies in the future; a fix can be at most 5 minutes ahead of the server's clock (${now.toISOString()})`,
      { field: "location_timestamp" },
    );
  }
  const expiresAt = timestampField("expires_at", request.expiresAt);
  if (expiresAt !== undefined && expiresAt.getTime() <= now.getTime()) {
    throw invalidArgument(
      `expires_at ${expiresAt.toISOString()} is not in the future (now ${now.toISOString()}); leave it unset to share until you stop`,
      { field: "expires_at" },
    );
  }
  return {
    position: {
      coordinates,
      accuracy,
      longAddress: optionalText("long_address", request.longAddress, maxPlaceTextLength),
      shortAddress: optionalText("short_address", request.shortAddress, maxPlaceTextLength),
      name: optionalText("name", request.name, maxLocationNameLength),
      isLocatingInProgress: request.isLocatingInProgress,
      locationType: locationTypeOf(request.locationType),
      locationTimestamp,
      expiresAt,
    },
    audience: { addresses, chatGuids },
  };
}

/**
 * Normalises the address a location read or watch names. Throws INVALID_ARGUMENT
 * (field `address`) naming what an address may be.
 */
export function locationAddress(raw: string): string {
  try {
    return normalizeAddress(raw);
  } catch (error) {
    if (!(error instanceof ServerError)) throw error;
    throw invalidArgument(error.message, { field: "address" });
  }
}
