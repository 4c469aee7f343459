import { ValidationError } from "@threadline/core";
import { photon, timestampToDate } from "@threadline/protocol";
import { describe, expect, it } from "vitest";
import { shareRequestOf } from "./location-input.js";

function refusal(share: unknown): ValidationError {
  try {
    shareRequestOf(share);
  } catch (error) {
    if (error instanceof ValidationError) return error;
    throw error;
  }
  throw new Error("the share was accepted");
}

describe("shareRequestOf", () => {
  it("builds the request with normalised addresses, trimmed texts and wire types", () => {
    const expiresAt = new Date("2030-01-02T03:04:05.678Z");
    const request = shareRequestOf({
      allowedAddresses: ["Bob@Example.com", "+1 (415) 555-0100"],
      allowedChats: ["any;-;CYD@example.com"],
      latitude: -33.9,
      longitude: 18.4,
      accuracy: 0,
      name: "  Ada ",
      locationType: "legacy",
      expiresAt,
    });
    expect(request).toMatchObject({
      allowedAddresses: ["bob@example.com", "+14155550100"],
      allowedChatGuids: ["any;-;cyd@example.com"],
      latitude: -33.9,
      longitude: 18.4,
      accuracy: 0,
      name: "Ada",
      isLocatingInProgress: false,
      locationType: photon.imessage.v1.FriendLocationType.FRIEND_LOCATION_TYPE_LEGACY,
    });
    expect(timestampToDate(request.expiresAt)).toEqual(expiresAt);
  });

  it("a location still being acquired needs no coordinates", () => {
    const request = shareRequestOf({
      allowedAddresses: ["bob@example.com"],
      isLocatingInProgress: true,
    });
    expect(request.latitude).toBeUndefined();
    expect(request.locationType).toBe(
      photon.imessage.v1.FriendLocationType.FRIEND_LOCATION_TYPE_LIVE,
    );
  });

  it.each([
    ["not an object", "x", "share"],
    [
      "an unknown key",
      { allowedAddresses: ["b@example.com"], latitude: 1, longitude: 1, altitude: 3 },
      "share.altitude",
    ],
    ["an empty audience", { latitude: 1, longitude: 1 }, "share.allowedAddresses"],
    [
      "addresses that are not an array",
      { allowedAddresses: "b@example.com", latitude: 1, longitude: 1 },
      "share.allowedAddresses",
    ],
    [
      "a bad address",
      { allowedAddresses: ["b"], latitude: 1, longitude: 1 },
      "share.allowedAddresses[0]",
    ],
    [
      "a bad chat",
      { allowedChats: ["any;+;"], latitude: 1, longitude: 1 },
      "share.allowedChats[0]",
    ],
    [
      "latitude -90.1",
      { allowedAddresses: ["b@example.com"], latitude: -90.1, longitude: 1 },
      "share.latitude",
    ],
    [
      "longitude 180.5",
      { allowedAddresses: ["b@example.com"], latitude: 1, longitude: 180.5 },
      "share.longitude",
    ],
    [
      "a latitude string",
      { allowedAddresses: ["b@example.com"], latitude: "1", longitude: 1 },
      "share.latitude",
    ],
    ["a longitude alone", { allowedAddresses: ["b@example.com"], longitude: 1 }, "share.latitude"],
    ["no coordinates", { allowedAddresses: ["b@example.com"] }, "share.latitude"],
    [
      "a NaN accuracy",
      { allowedAddresses: ["b@example.com"], latitude: 1, longitude: 1, accuracy: Number.NaN },
      "share.accuracy",
    ],
    [
      "a blank short address",
      { allowedAddresses: ["b@example.com"], latitude: 1, longitude: 1, shortAddress: " " },
      "share.shortAddress",
    ],
    [
      "an over-long name",
      { allowedAddresses: ["b@example.com"], latitude: 1, longitude: 1, name: "n".repeat(257) },
      "share.name",
    ],
    [
      "a non-boolean isLocatingInProgress",
      { allowedAddresses: ["b@example.com"], isLocatingInProgress: "yes" },
      "share.isLocatingInProgress",
    ],
    [
      "a timestamp that is not a Date",
      { allowedAddresses: ["b@example.com"], latitude: 1, longitude: 1, locationTimestamp: 5 },
      "share.locationTimestamp",
    ],
  ])("refuses %s", (_name, share, field) => {
    const error = refusal(share);
    expect(error.field).toBe(field);
    expect(error.message.length).toBeGreaterThan(field.length + 10);
  });
});
