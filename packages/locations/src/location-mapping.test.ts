import { ProtocolError } from "@threadline/core";
import { photon } from "@threadline/protocol";
import { describe, expect, it } from "vitest";
import { locationFromWire, locationTypeFromWire, receiptFromWire } from "./location-mapping.js";

const v1 = photon.imessage.v1;

describe("location mapping", () => {
  it("keeps absent optional fields absent and converts timestamps to Dates", () => {
    const wire = v1.SharedFriendLocation.decode(
      v1.SharedFriendLocation.encode({
        address: "a@example.com",
        latitude: 0,
        longitude: 0,
        locationType: v1.FriendLocationType.FRIEND_LOCATION_TYPE_LIVE,
        locationTimestamp: { seconds: 1_700_000_000, nanos: 500_000_000 },
      }).finish(),
    );
    expect(locationFromWire(wire, "test")).toStrictEqual({
      address: "a@example.com",
      isLocatingInProgress: false,
      latitude: 0,
      locationTimestamp: new Date(1_700_000_000_500),
      locationType: "live",
      longitude: 0,
    });
  });

  it("names every location type and calls a new one unknown", () => {
    expect([0, 1, 2, 3, 42].map(locationTypeFromWire)).toEqual([
      "unknown",
      "legacy",
      "live",
      "shallow",
      "unknown",
    ]);
  });

  it("a missing location or an invalid timestamp is a ProtocolError", () => {
    expect(() => locationFromWire(undefined, "GetSharedFriendLocation response")).toThrow(
      ProtocolError,
    );
    const broken = v1.SharedFriendLocation.create({
      address: "a@example.com",
      expiresAt: { seconds: 1, nanos: -5 },
    });
    expect(() => locationFromWire(broken, "test")).toThrow(ProtocolError);
  });

  it("a receipt without reason or message GUID has neither key", () => {
    const wire = v1.RequestFriendLocationSharingResponse.decode(
      v1.RequestFriendLocationSharingResponse.encode({
        address: "b@example.com",
        status: "requested",
      }).finish(),
    );
    expect(receiptFromWire(wire)).toStrictEqual({ address: "b@example.com", status: "requested" });
  });
});
