import type protobuf from "protobufjs";
import { describe, expect, it } from "vitest";
import {
  LocationServiceDefinition,
  LocationSharingServiceDefinition,
  photon,
} from "../src/index.js";
import { loadPublishedRoot, loadThreadlineRoot } from "./proto-roots.js";

const published = loadPublishedRoot();
const ours = loadThreadlineRoot();
const v1 = photon.imessage.v1;

describe("the location contract", () => {
  it("LocationService has every method of the published service, with the same paths", () => {
    const theirs = published.lookupService("photon.imessage.v1.LocationService");
    const ourMethods = Object.values(LocationServiceDefinition).map((method) => method.path);
    expect(ourMethods.sort()).toEqual(
      theirs.methodsArray
        .map((method) => `/photon.imessage.v1.LocationService/${method.name}`)
        .sort(),
    );
    expect(LocationServiceDefinition.watchSharedFriendLocations.responseStream).toBe(true);
  });

  it("a watch frame we encode decodes with the published descriptors, every field intact", () => {
    const bytes = v1.WatchSharedFriendLocationsResponse.encode({
      locationUpdated: {
        sourceSequence: 2 ** 53 - 1,
        location: {
          address: "+14155550100",
          name: "Ada",
          latitude: -33.8688,
          longitude: 151.2093,
          accuracy: 12.5,
          longAddress: "1 Macquarie St, Sydney NSW",
          shortAddress: "Sydney",
          isLocatingInProgress: false,
          locationType: v1.FriendLocationType.FRIEND_LOCATION_TYPE_LIVE,
          locationTimestamp: { seconds: 1_800_000_000, nanos: 5 },
          expiresAt: { seconds: 1_800_003_600, nanos: 7 },
        },
      },
    }).finish();
    const type = published.lookupType("photon.imessage.v1.WatchSharedFriendLocationsResponse");
    const decoded = type.toObject(type.decode(bytes), { longs: Number, enums: String });
    expect(decoded).toEqual({
      locationUpdated: {
        sourceSequence: 2 ** 53 - 1,
        location: {
          address: "+14155550100",
          name: "Ada",
          latitude: -33.8688,
          longitude: 151.2093,
          accuracy: 12.5,
          longAddress: "1 Macquarie St, Sydney NSW",
          shortAddress: "Sydney",
          locationType: "FRIEND_LOCATION_TYPE_LIVE",
          locationTimestamp: { seconds: 1_800_000_000, nanos: 5 },
          expiresAt: { seconds: 1_800_003_600, nanos: 7 },
        },
      },
    });
  });

  it("a location at 0°, 0° keeps its coordinates on the wire (explicit presence)", () => {
    const bytes = v1.SharedFriendLocation.encode({
      address: "a@example.com",
      latitude: 0,
      longitude: 0,
    }).finish();
    const type = published.lookupType("photon.imessage.v1.SharedFriendLocation");
    const decoded = type.toObject(type.decode(bytes));
    expect(decoded).toMatchObject({ latitude: 0, longitude: 0 });
  });

  it("the sharing extension lives in threadline.v1 and reuses the published location type", () => {
    expect(Object.values(LocationSharingServiceDefinition).map((method) => method.path)).toEqual([
      "/threadline.v1.LocationSharingService/ShareLocation",
      "/threadline.v1.LocationSharingService/StopSharingLocation",
      "/threadline.v1.LocationSharingService/ListLocationSharingRequests",
    ]);
    const response = ours.lookupType("threadline.v1.ShareLocationResponse");
    const field = response.fields.location as protobuf.Field;
    field.resolve();
    expect(field.resolvedType?.fullName).toBe(".photon.imessage.v1.SharedFriendLocation");
    expect(published.lookup("threadline")).toBeNull();
  });
});
