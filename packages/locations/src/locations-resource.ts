import {
  type ClientContext,
  type LiveEventStream,
  normalizeAddress,
  parseChatGuid,
  type ResourceFactory,
  resourceCallSettings,
  resourceWriteSettings,
  UnimplementedError,
} from "@threadline/core";
import { LocationServiceDefinition, LocationSharingServiceDefinition } from "@threadline/protocol";
import type {
  LocationCallOptions,
  LocationRequestReceipt,
  LocationShare,
  LocationShareResult,
  LocationSharingRequest,
  LocationWriteOptions,
  SharedFriendLocation,
  SharedFriendLocationUpdated,
} from "./location.js";
import { shareRequestOf } from "./location-input.js";
import {
  locationFromWire,
  receiptFromWire,
  sharingRequestFromWire,
  updateFromWire,
} from "./location-mapping.js";

/** The capability a server lists when it offers `threadline.v1.LocationSharingService`. */
export const locationSharingCapability = "threadline.location_sharing";

/**
 * `im.locations`: the locations other people share with you, live updates of them,
 * asking someone to share, and (on a Threadline server) sharing your own.
 *
 * Locations are transient: they are never in the event log, so `im.events` catch-up
 * never yields one, and updates made while no `watch()` was open are not replayed;
 * read the present with `list()` and follow it with `watch()`. Arguments are checked
 * before any network call (ValidationError saying what is allowed).
 */
export interface LocationsResource {
  /**
   * The location `address` currently shares with you.
   *
   * @throws ValidationError for a malformed address; NotFoundError when that address
   * shares no location with you.
   */
  get(address: string, options?: LocationCallOptions): Promise<SharedFriendLocation>;
  /** Every location currently shared with you, sorted by address (empty when none). */
  list(options?: LocationCallOptions): Promise<SharedFriendLocation[]>;
  /**
   * Asks the participant `address` of `chat` to share their location with you. Asking
   * grants nothing by itself. Writes are idempotent with `clientMessageId`.
   *
   * @throws ValidationError for a malformed chat GUID or address, an address that is
   * not in the chat or is your own; NotFoundError when you are not in the chat.
   */
  request(
    chat: string,
    address: string,
    options?: LocationWriteOptions,
  ): Promise<LocationRequestReceipt>;
  /**
   * Live updates of every location shared with you, or of one `address`. `ready`
   * resolves once the server has registered the watch. A watcher that falls too far
   * behind is ended with RateLimitError (read `list()` and watch again).
   *
   * @throws ValidationError (synchronously) for a malformed address.
   */
  watch(address?: string): LiveEventStream<SharedFriendLocationUpdated>;
  /**
   * Shares your location with the addresses and chats you allow, replacing the
   * position and the audience of a session that is running. Threadline servers only.
   *
   * @throws ValidationError for a bad position or audience; NotFoundError for a chat
   * you are not in; UnimplementedError when the server does not list
   * `threadline.location_sharing`.
   */
  share(share: LocationShare, options?: LocationCallOptions): Promise<LocationShareResult>;
  /**
   * Stops sharing your location; resolves `false` when nothing was shared. Safe to
   * repeat. Threadline servers only (UnimplementedError otherwise).
   */
  stopSharing(options?: LocationCallOptions): Promise<boolean>;
  /**
   * Who asked you to share your location, newest first. Threadline servers only
   * (UnimplementedError otherwise).
   */
  listRequests(options?: LocationCallOptions): Promise<LocationSharingRequest[]>;
}

async function requireSharing(context: ClientContext, operation: string): Promise<void> {
  const server = await context.serverCapabilities(operation);
  if (!server.capabilities.has(locationSharingCapability)) {
    throw new UnimplementedError(
      `${operation} needs a Threadline server with the "${locationSharingCapability}" capability; this server does not list it (the published photon.imessage.v1 protocol only reads locations others share)`,
      { context: { capability: locationSharingCapability } },
    );
  }
}

/**
 * Builds `im.locations` on a client's {@link ClientContext}.
 *
 * @internal not covered by semver; use {@link locations}.
 */
export function createLocationsResource(context: ClientContext): LocationsResource {
  return {
    async get(address, options) {
      const normalized = normalizeAddress(address, "address");
      const response = await context.unary(
        LocationServiceDefinition.getSharedFriendLocation,
        { address: normalized },
        { ...resourceCallSettings("options", options), operation: "locations.get()" },
      );
      return locationFromWire(response.location, "GetSharedFriendLocation response");
    },

    async list(options) {
      const response = await context.unary(
        LocationServiceDefinition.listSharedFriendLocations,
        {},
        { ...resourceCallSettings("options", options), operation: "locations.list()" },
      );
      return response.locations.map((location) =>
        locationFromWire(location, "ListSharedFriendLocations response"),
      );
    },

    async request(chat, address, options) {
      const chatGuid = parseChatGuid(chat, "chat").guid;
      const normalized = normalizeAddress(address, "address");
      const { clientMessageId, settings } = resourceWriteSettings("options", options);
      const response = await context.unary(
        LocationServiceDefinition.requestFriendLocationSharing,
        {
          chatGuid,
          address: normalized,
          ...(clientMessageId !== undefined ? { clientMessageId } : {}),
        },
        { ...settings, operation: "locations.request()" },
      );
      return receiptFromWire(response);
    },

    watch(address) {
      const normalized = address === undefined ? undefined : normalizeAddress(address, "address");
      return context.stream(
        LocationServiceDefinition.watchSharedFriendLocations,
        normalized === undefined ? {} : { address: normalized },
        (frame) =>
          frame.payload === "locationUpdated" &&
          frame.locationUpdated !== null &&
          frame.locationUpdated !== undefined
            ? updateFromWire(frame.locationUpdated)
            : undefined,
        { operation: "locations.watch()", heartbeats: true },
      );
    },

    async share(share, options) {
      const request = shareRequestOf(share);
      const settings = resourceCallSettings("options", options);
      await requireSharing(context, "locations.share()");
      const response = await context.unary(
        LocationSharingServiceDefinition.shareLocation,
        request,
        { ...settings, operation: "locations.share()" },
      );
      return {
        location: locationFromWire(response.location, "ShareLocation response"),
        audienceAccountCount: response.audienceAccountCount,
      };
    },

    async stopSharing(options) {
      const settings = resourceCallSettings("options", options);
      await requireSharing(context, "locations.stopSharing()");
      const response = await context.unary(
        LocationSharingServiceDefinition.stopSharingLocation,
        {},
        { ...settings, operation: "locations.stopSharing()" },
      );
      return response.wasSharing;
    },

    async listRequests(options) {
      const settings = resourceCallSettings("options", options);
      await requireSharing(context, "locations.listRequests()");
      const response = await context.unary(
        LocationSharingServiceDefinition.listLocationSharingRequests,
        {},
        { ...settings, operation: "locations.listRequests()" },
      );
      return response.requests.map(sharingRequestFromWire);
    },
  };
}

/**
 * The locations resource. Add it when creating a client and use it as `im.locations`:
 *
 * ```ts
 * const im = createClient({ address, token, resources: { locations } });
 * for await (const { location } of im.locations.watch()) console.log(location.address);
 * ```
 */
export const locations: ResourceFactory<LocationsResource> = createLocationsResource;
