import type { ResourceCallOptions, ResourceWriteOptions } from "@threadline/core";

/** How fresh a shared position is (`"unknown"` for a value this SDK version does not know). */
export type FriendLocationType = "legacy" | "live" | "shallow" | "unknown";

/** The latest location one address shares with you. */
export interface SharedFriendLocation {
  /** Horizontal accuracy in metres. */
  readonly accuracy?: number;
  /** The sharer's address (lower-case email or E.164 phone). */
  readonly address: string;
  /** When the sharing session ends; absent until it is stopped. */
  readonly expiresAt?: Date;
  /** True while the sharer is still acquiring a fix (then there are no coordinates). */
  readonly isLocatingInProgress: boolean;
  readonly latitude?: number;
  /** When the fix was taken. */
  readonly locationTimestamp?: Date;
  readonly locationType: FriendLocationType;
  readonly longAddress?: string;
  readonly longitude?: number;
  readonly name?: string;
  readonly shortAddress?: string;
}

/** One update of `locations.watch(...)`. */
export interface SharedFriendLocationUpdated {
  readonly location: SharedFriendLocation;
  /**
   * Counts this feed's updates within one server process. It is not a log sequence:
   * location updates are never in the event log and cannot be caught up.
   */
  readonly sourceSequence: number;
}

/** What `locations.request(...)` did. */
export interface LocationRequestReceipt {
  /** The asked participant, normalised. */
  readonly address: string;
  /** The message carrying the request, on servers that send one (a Threadline server does not). */
  readonly messageGuid?: string;
  /** Why, when the status needs an explanation. */
  readonly reason?: string;
  /** `"requested"`, or `"alreadySharing"` on a Threadline server when they share with you already. */
  readonly status: string;
}

/** Your own position, for `locations.share(...)`. */
export interface LocationShare {
  /** Addresses whose accounts may see it. */
  readonly allowedAddresses?: readonly string[];
  /** Chats whose current participants may see it (you must take part in each). */
  readonly allowedChats?: readonly string[];
  /** Degrees, -90 to 90; together with `longitude`. */
  readonly latitude?: number;
  /** Degrees, -180 to 180; together with `latitude`. */
  readonly longitude?: number;
  /** Metres, 0 or more; only with coordinates. */
  readonly accuracy?: number;
  readonly longAddress?: string;
  readonly shortAddress?: string;
  /** The name your audience sees. */
  readonly name?: string;
  /** True while acquiring a fix; coordinates may then be left out. */
  readonly isLocatingInProgress?: boolean;
  /** Default `"live"`. */
  readonly locationType?: Exclude<FriendLocationType, "unknown">;
  /** When the fix was taken; default now. */
  readonly locationTimestamp?: Date;
  /** When sharing ends by itself; default never (until `stopSharing()`). */
  readonly expiresAt?: Date;
}

/** What `locations.share(...)` returns. */
export interface LocationShareResult {
  /** Your location as your audience sees it. */
  readonly location: SharedFriendLocation;
  /** How many accounts can see it right now. */
  readonly audienceAccountCount: number;
}

/** Someone asking you to share your location. */
export interface LocationSharingRequest {
  readonly requesterAddress: string;
  /** The chat they asked in, named from your side. */
  readonly chatGuid: string;
  readonly requestedAt: Date;
}

/** Per-call options of the location reads. */
export type LocationCallOptions = ResourceCallOptions;

/** Per-call options of `request(...)`: `clientMessageId`, `signal`, `timeoutMs`. */
export type LocationWriteOptions = ResourceWriteOptions;
