import { status } from "@grpc/grpc-js";
import { photon } from "@threadline/protocol";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { startTestServer, type TestServer } from "../src/testing.js";
import {
  cancelWatch,
  type LocationAccount,
  locationAccount,
  nextFrame,
  position,
  registered,
} from "./support/location-harness.js";

const LIVE = photon.imessage.v1.FriendLocationType.FRIEND_LOCATION_TYPE_LIVE;

describe("locations: share, list, get, stop", () => {
  let server: TestServer;
  let ada: LocationAccount;
  let bob: LocationAccount;
  let cyd: LocationAccount;
  let dan: LocationAccount;
  let group: string;

  beforeAll(async () => {
    server = await startTestServer();
    ada = await locationAccount(server, "ada@example.com");
    bob = await locationAccount(server, "bob@example.com");
    cyd = await locationAccount(server, "+14155550101");
    dan = await locationAccount(server, "dan@example.com");
    group = await ada.createChat([bob.address, cyd.address]);
  });

  afterAll(async () => {
    for (const account of [ada, bob, cyd, dan]) account.close();
    await server.close();
  });

  it("an allowed address sees the latest location; nobody else does", async () => {
    await ada.share(position(10, 20, { addresses: [bob.address] }));
    const shared = await ada.share({
      ...position(48.8584, 2.2945, { addresses: ["BOB@example.com"] }),
      name: "Ada",
      shortAddress: "Paris",
      longAddress: "Champ de Mars, 75007 Paris",
    });
    expect(shared.audienceAccountCount).toBe(1);
    const seen = await bob.get(ada.address);
    expect(seen).toMatchObject({
      address: ada.address,
      name: "Ada",
      latitude: 48.8584,
      longitude: 2.2945,
      accuracy: 10,
      shortAddress: "Paris",
      longAddress: "Champ de Mars, 75007 Paris",
      isLocatingInProgress: false,
      locationType: LIVE,
    });
    expect(seen.locationTimestamp?.seconds).toBeGreaterThan(0);
    expect((await bob.list()).map((location) => location.address)).toEqual([ada.address]);
    for (const outsider of [cyd, dan]) {
      expect(await outsider.list()).toEqual([]);
      const failure = await outsider.failure(outsider.get(ada.address));
      expect(failure.code).toBe(status.NOT_FOUND);
      expect(failure.errorCode).toBe("NOT_FOUND");
    }
    // The sharer does not list itself.
    expect(await ada.list()).toEqual([]);
    await ada.stop();
  });

  it("a chat audience is every current participant of the chat", async () => {
    const shared = await ada.share(position(1, 2, { chats: [group] }));
    expect(shared.audienceAccountCount).toBe(2);
    expect((await bob.get(ada.address)).latitude).toBe(1);
    expect((await cyd.get(ada.address)).latitude).toBe(1);
    expect(await dan.list()).toEqual([]);
    await ada.stop();
  });

  it("a chat audience follows membership: a removed member stops seeing it, and so does the chat once the sharer leaves", async () => {
    const { createRawClient } = await import("./support/grpc-client.js");
    const { GroupServiceDefinition } = await import("@threadline/protocol");
    const adaGroups = createRawClient(server.address, GroupServiceDefinition, ada.token);
    const bobGroups = createRawClient(server.address, GroupServiceDefinition, bob.token);
    try {
      const team = await ada.createChat([bob.address, cyd.address, dan.address]);
      await bob.share(position(6, 6, { chats: [team] }));
      expect((await dan.get(bob.address)).latitude).toBe(6);
      await adaGroups.unary("removeParticipants", { chatGuid: team, addresses: [dan.address] });
      expect(await dan.list()).toEqual([]);
      expect((await ada.get(bob.address)).latitude).toBe(6);
      await bobGroups.unary("leaveGroup", { chatGuid: team });
      expect(await ada.list()).toEqual([]);
      expect((await cyd.failure(cyd.get(bob.address))).code).toBe(status.NOT_FOUND);
      // A new share into the chat Bob left is refused: he no longer takes part in it.
      const refused = await bob.failure(bob.share(position(7, 7, { chats: [team] })));
      expect(refused.code).toBe(status.NOT_FOUND);
      await bob.stop();
    } finally {
      adaGroups.close();
      bobGroups.close();
    }
  });

  it("a new share replaces the audience as a whole", async () => {
    await ada.share(position(1, 2, { addresses: [bob.address, dan.address] }));
    await ada.share(position(3, 4, { addresses: [dan.address] }));
    expect(await bob.list()).toEqual([]);
    expect((await dan.get(ada.address)).latitude).toBe(3);
    await ada.stop();
  });

  it("stop removes the location everywhere and is safe to repeat", async () => {
    await bob.share(position(5, 6, { addresses: [ada.address] }));
    expect(await bob.stop()).toMatchObject({ wasSharing: true });
    expect(await ada.list()).toEqual([]);
    expect((await ada.failure(ada.get(bob.address))).code).toBe(status.NOT_FOUND);
    expect((await bob.stop()).wasSharing).toBe(false);
  });

  it("several sharers are listed by address", async () => {
    await cyd.share(position(7, 8, { addresses: [dan.address] }));
    await bob.share(position(9, 10, { addresses: [dan.address] }));
    expect((await dan.list()).map((location) => location.address)).toEqual(
      [cyd.address, bob.address].sort(),
    );
    await cyd.stop();
    await bob.stop();
  });

  it("a location still being acquired has no coordinates", async () => {
    await ada.share({ allowedAddresses: [bob.address], isLocatingInProgress: true });
    const seen = await bob.get(ada.address);
    expect(seen.isLocatingInProgress).toBe(true);
    expect(seen.latitude ?? undefined).toBeUndefined();
    expect(seen.locationType).toBe(LIVE);
    await ada.stop();
  });

  it("an expiry in the future is carried to readers", async () => {
    const expiresAt = { seconds: Math.floor(Date.now() / 1000) + 3600, nanos: 0 };
    await ada.share({ ...position(1, 1, { addresses: [bob.address] }), expiresAt });
    expect((await bob.get(ada.address)).expiresAt?.seconds).toBe(expiresAt.seconds);
    // Past the expiry the session is gone for every reader, and stopping finds nothing.
    const { sharing } = server.server.locations;
    const viewer = await server.accounts.get(bob.accountId);
    if (viewer === undefined) throw new Error("Bob's account is missing");
    const later = new Date((expiresAt.seconds + 1) * 1000);
    const { repositories } = server.server.store;
    expect(await sharing.list(repositories, viewer, later)).toEqual([]);
    await expect(sharing.get(repositories, viewer, ada.address, later)).rejects.toThrow(
      /shares no location/,
    );
    expect(sharing.stop(ada.accountId, later)).toBe(false);
    expect(await bob.list()).toEqual([]);
  });

  describe("every bad share is refused with INVALID_ARGUMENT naming the field", () => {
    const now = () => Math.floor(Date.now() / 1000);
    const cases: [string, () => Parameters<LocationAccount["share"]>[0], string, string][] = [
      ["an empty audience", () => position(1, 1, {}), "allowed_addresses", "audience is empty"],
      [
        "a malformed address",
        () => position(1, 1, { addresses: ["not an address"] }),
        "allowed_addresses",
        "allowed_addresses[0]",
      ],
      [
        "the sharer's own address",
        () => position(1, 1, { addresses: ["ada@example.com"] }),
        "allowed_addresses",
        "your own",
      ],
      [
        "a malformed chat GUID",
        () => position(1, 1, { chats: ["chat-1"] }),
        "allowed_chat_guids[0]",
        "not a chat GUID",
      ],
      [
        "latitude above 90",
        () => position(90.5, 1, { addresses: ["bob@example.com"] }),
        "latitude",
        "-90 to 90",
      ],
      [
        "longitude below -180",
        () => position(1, -181, { addresses: ["bob@example.com"] }),
        "longitude",
        "-180 to 180",
      ],
      [
        "a latitude that is not a number",
        () => position(Number.NaN, 1, { addresses: ["bob@example.com"] }),
        "latitude",
        "NaN",
      ],
      [
        "latitude without longitude",
        () => ({ allowedAddresses: ["bob@example.com"], latitude: 1 }),
        "longitude",
        "set together",
      ],
      [
        "no coordinates while not locating",
        () => ({ allowedAddresses: ["bob@example.com"] }),
        "latitude",
        "is_locating_in_progress",
      ],
      [
        "a negative accuracy",
        () => ({ ...position(1, 1, { addresses: ["bob@example.com"] }), accuracy: -1 }),
        "accuracy",
        "0 or more",
      ],
      [
        "accuracy without coordinates",
        () => ({ allowedAddresses: ["bob@example.com"], isLocatingInProgress: true, accuracy: 5 }),
        "accuracy",
        "describes coordinates",
      ],
      [
        "an unknown location type",
        () => ({
          ...position(1, 1, { addresses: ["bob@example.com"] }),
          locationType: 9 as photon.imessage.v1.FriendLocationType,
        }),
        "location_type",
        "LEGACY (1)",
      ],
      [
        "a fix from the future",
        () => ({
          ...position(1, 1, { addresses: ["bob@example.com"] }),
          locationTimestamp: { seconds: now() + 3600, nanos: 0 },
        }),
        "location_timestamp",
        "in the future",
      ],
      [
        "an expiry in the past",
        () => ({
          ...position(1, 1, { addresses: ["bob@example.com"] }),
          expiresAt: { seconds: now() - 1, nanos: 0 },
        }),
        "expires_at",
        "not in the future",
      ],
      [
        "an invalid timestamp",
        () => ({
          ...position(1, 1, { addresses: ["bob@example.com"] }),
          expiresAt: { seconds: now() + 60, nanos: -1 },
        }),
        "expires_at",
        "not a valid timestamp",
      ],
      [
        "a blank name",
        () => ({ ...position(1, 1, { addresses: ["bob@example.com"] }), name: "  " }),
        "name",
        "not blank",
      ],
      [
        "an over-long short address",
        () => ({
          ...position(1, 1, { addresses: ["bob@example.com"] }),
          shortAddress: "x".repeat(513),
        }),
        "short_address",
        "1 to 512",
      ],
      [
        "too many allowed addresses",
        () =>
          position(1, 1, {
            addresses: Array.from({ length: 257 }, (_, index) => `p${index}@example.com`),
          }),
        "allowed_addresses",
        "at most 256",
      ],
    ];
    it.each(cases)("%s", async (_name, request, field, message) => {
      const failure = await ada.failure(ada.share(request()));
      expect(failure.code).toBe(status.INVALID_ARGUMENT);
      expect(failure.errorCode).toBe("INVALID_ARGUMENT");
      expect(failure.field).toBe(field);
      expect(failure.details).toContain(message);
      // Nothing was half-applied: nobody sees a location.
      expect(await bob.list()).toEqual([]);
    });

    it("a chat the sharer does not take part in is NOT_FOUND, and nothing is shared", async () => {
      const elsewhere = await bob.createChat([dan.address]);
      const failure = await ada.failure(
        ada.share(position(1, 1, { addresses: [cyd.address], chats: [elsewhere] })),
      );
      expect(failure.code).toBe(status.NOT_FOUND);
      expect(await cyd.list()).toEqual([]);
    });
  });

  it("get refuses a malformed address with INVALID_ARGUMENT and an unknown one with NOT_FOUND", async () => {
    const malformed = await bob.failure(bob.get("911"));
    expect(malformed.code).toBe(status.INVALID_ARGUMENT);
    expect(malformed.field).toBe("address");
    expect(malformed.details).toContain("emergency number");
    const unknown = await bob.failure(bob.get("nobody@example.com"));
    expect(unknown.code).toBe(status.NOT_FOUND);
    expect(unknown.details).toContain("nobody@example.com shares no location");
  });

  it("calls without a valid token are UNAUTHENTICATED", async () => {
    const { createRawClient } = await import("./support/grpc-client.js");
    const { LocationServiceDefinition } = await import("@threadline/protocol");
    const anonymous = createRawClient(server.address, LocationServiceDefinition, "nope");
    try {
      const failure = await ada.failure(anonymous.unary("listSharedFriendLocations", {}));
      expect(failure.code).toBe(status.UNAUTHENTICATED);
    } finally {
      anonymous.close();
    }
  });

  describe("request", () => {
    it("records a request the target lists, which closes once the target shares with the asker", async () => {
      const direct = await ada.createChat([dan.address]);
      const receipt = await ada.request({ chatGuid: direct, address: dan.address });
      expect(receipt).toMatchObject({ address: dan.address, status: "requested" });
      expect(receipt.messageGuid ?? undefined).toBeUndefined();
      const pending = await dan.pendingRequests();
      expect(pending.requests).toHaveLength(1);
      expect(pending.requests[0]).toMatchObject({
        requesterAddress: ada.address,
        chatGuid: `any;-;${ada.address}`,
      });
      // Asking grants nothing.
      expect((await ada.failure(ada.get(dan.address))).code).toBe(status.NOT_FOUND);
      await dan.share(position(1, 1, { addresses: [ada.address] }));
      expect((await dan.pendingRequests()).requests).toEqual([]);
      const again = await ada.request({ chatGuid: direct, address: dan.address });
      expect(again.status).toBe("alreadySharing");
      expect(again.reason).toContain("already shares");
      await dan.stop();
    });

    it("asking again refreshes the one open request", async () => {
      await bob.request({ chatGuid: group, address: cyd.address });
      await bob.request({ chatGuid: group, address: cyd.address });
      const pending = (await cyd.pendingRequests()).requests.filter(
        (request) => request.requesterAddress === bob.address,
      );
      expect(pending).toHaveLength(1);
      expect(pending[0]?.chatGuid).toBe(group);
    });

    it("the same client_message_id returns the first receipt; reused for another request it is refused", async () => {
      const direct = await cyd.createChat([dan.address]);
      const first = await cyd.request({
        chatGuid: direct,
        address: dan.address,
        clientMessageId: "k-1",
      });
      await dan.share(position(2, 2, { addresses: [cyd.address] }));
      const retried = await cyd.request({
        chatGuid: direct,
        address: dan.address,
        clientMessageId: "k-1",
      });
      expect(retried).toEqual(first);
      expect(retried.status).toBe("requested");
      const reused = await cyd.failure(
        cyd.request({ chatGuid: group, address: bob.address, clientMessageId: "k-1" }),
      );
      expect(reused.code).toBe(status.INVALID_ARGUMENT);
      expect(reused.errorCode).toBe("IDEMPOTENCY_KEY_REUSED");
      await dan.stop();
    });

    it.each([
      [
        "a malformed chat GUID",
        () => ({ chatGuid: "x", address: "bob@example.com" }),
        status.INVALID_ARGUMENT,
        "chat_guid",
      ],
      [
        "a malformed address",
        () => ({ chatGuid: "group", address: "bob" }),
        status.INVALID_ARGUMENT,
        "address",
      ],
      [
        "an address that is not in the chat",
        () => ({ chatGuid: "group", address: "dan@example.com" }),
        status.INVALID_ARGUMENT,
        "address",
      ],
      [
        "the caller's own address",
        () => ({ chatGuid: "group", address: "ada@example.com" }),
        status.INVALID_ARGUMENT,
        "address",
      ],
      [
        "a malformed address in a chat the caller is not in",
        () => ({ chatGuid: "any;-;zed@example.com", address: "zed" }),
        status.INVALID_ARGUMENT,
        "address",
      ],
      [
        "a chat the caller is not in",
        () => ({ chatGuid: "any;-;zed@example.com", address: "zed@example.com" }),
        status.NOT_FOUND,
        undefined,
      ],
      [
        "a malformed client_message_id",
        () => ({ chatGuid: "group", address: "bob@example.com", clientMessageId: "has space" }),
        status.INVALID_ARGUMENT,
        "client_message_id",
      ],
    ] as const)("refuses %s", async (_name, make, code, field) => {
      const request = make();
      const failure = await ada.failure(
        ada.request({
          ...request,
          chatGuid: request.chatGuid === "group" ? group : request.chatGuid,
        }),
      );
      expect(failure.code).toBe(code);
      expect(failure.field).toBe(field);
      expect(failure.details.length).toBeGreaterThan(20);
    });
  });

  it("a watch with a malformed address is refused with INVALID_ARGUMENT", async () => {
    const stream = bob.watch("not-an-address");
    const failure = await bob.failure(nextFrame(stream));
    expect(failure.code).toBe(status.INVALID_ARGUMENT);
    expect(failure.field).toBe("address");
  });

  it("catch-up never contains a location: many shares leave every log head where it was", async () => {
    const heads = new Map<number, number>();
    for (const account of [ada, bob, cyd, dan])
      heads.set(account.accountId, (await account.catchUp()).head);
    const watch = bob.watch();
    await registered(watch);
    const delivered = nextFrame(watch);
    for (let index = 0; index < 120; index += 1) {
      const sharer = [ada, cyd, dan][index % 3] ?? ada;
      await sharer.share(
        position((index % 180) - 89, (index % 360) - 179, {
          addresses: [bob.address],
          ...(sharer === ada ? { chats: [group] } : {}),
        }),
      );
      if (index % 7 === 0) await sharer.stop();
    }
    // The updates did go out live...
    expect((await delivered).locationUpdated?.location?.address).toBeDefined();
    await cancelWatch(watch);
    for (const account of [ada, bob, cyd, dan]) {
      const replay = await account.catchUp();
      expect(replay.head).toBe(heads.get(account.accountId));
      const kinds = replay.events.map((event) => event.payload);
      expect(kinds.every((kind) => kind !== undefined && !/location/i.test(kind))).toBe(true);
      expect(JSON.stringify(replay.events)).not.toMatch(/latitude|longitude/);
    }
    for (const account of [ada, cyd, dan]) await account.stop();
  });
});

describe("locations across accounts and restarts", () => {
  it("an account created later for an allowed address sees the location", async () => {
    await using server = await startTestServer();
    const ada = await locationAccount(server, "ada@example.com");
    try {
      const shared = await ada.share(position(12, 34, { addresses: ["late@example.com"] }));
      expect(shared.audienceAccountCount).toBe(0);
      const late = await locationAccount(server, "late@example.com");
      try {
        expect((await late.get(ada.address)).latitude).toBe(12);
      } finally {
        late.close();
      }
    } finally {
      ada.close();
    }
  });

  it("a restart forgets every location (nothing was stored) and the log is untouched", async () => {
    await using server = await startTestServer();
    const ada = await locationAccount(server, "ada@example.com");
    const bob = await locationAccount(server, "bob@example.com");
    try {
      await ada.share(position(1, 2, { addresses: [bob.address] }));
      expect(await bob.list()).toHaveLength(1);
      const before = await bob.catchUp();
      await server.restart();
      expect(await bob.list()).toEqual([]);
      expect((await bob.failure(bob.get(ada.address))).code).toBe(status.NOT_FOUND);
      expect((await bob.catchUp()).head).toBe(before.head);
    } finally {
      ada.close();
      bob.close();
    }
  });
});
