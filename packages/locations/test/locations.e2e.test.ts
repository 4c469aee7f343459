import { chats } from "@threadline/chats";
import {
  ConnectionError,
  createClient,
  NotFoundError,
  UnimplementedError,
  ValidationError,
} from "@threadline/core";
import { recordingContext } from "@threadline/core/testing";
import { startFreezableProxy, startTestServer } from "@threadline/server/testing";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { locations } from "../src/index.js";
import { createLocationsResource } from "../src/locations-resource.js";

const adaAddress = "ada@example.com";
const bobAddress = "bob@example.com";
const cydAddress = "+14155550101";

type Client = ReturnType<typeof connect>;

let address = "";
function connect(token: string) {
  return createClient({ address, token, tls: false, resources: { chats, locations } });
}

describe("@threadline/locations against a real server", () => {
  let server: Awaited<ReturnType<typeof startTestServer>>;
  let ada: Client;
  let bob: Client;
  let cyd: Client;
  let group: string;

  beforeAll(async () => {
    server = await startTestServer({ subscriberBuffer: { maxEvents: 20, maxBytes: 64 * 1024 } });
    address = server.address;
    ada = connect((await server.accounts.create([adaAddress])).token);
    bob = connect((await server.accounts.create([bobAddress])).token);
    cyd = connect((await server.accounts.create([cydAddress])).token);
    group = (await ada.chats.create([bobAddress, cydAddress], { message: "hi" })).chat.guid;
  });

  afterAll(async () => {
    await Promise.allSettled([ada.close(), bob.close(), cyd.close()]);
    await server.close();
  });

  it("share, then list and get as the published client's shapes", async () => {
    const expiresAt = new Date(Math.floor(Date.now() / 1000 + 3600) * 1000);
    const result = await ada.locations.share({
      allowedAddresses: ["BOB@example.com"],
      latitude: 51.5007,
      longitude: -0.1246,
      accuracy: 8,
      name: "Ada",
      shortAddress: "Westminster",
      expiresAt,
    });
    expect(result.audienceAccountCount).toBe(1);
    const seen = await bob.locations.get(adaAddress);
    expect(seen).toEqual({
      accuracy: 8,
      address: adaAddress,
      expiresAt,
      isLocatingInProgress: false,
      latitude: 51.5007,
      locationTimestamp: result.location.locationTimestamp,
      locationType: "live",
      longitude: -0.1246,
      name: "Ada",
      shortAddress: "Westminster",
    });
    expect(seen.locationTimestamp).toBeInstanceOf(Date);
    expect(await bob.locations.list()).toEqual([seen]);
    expect(await cyd.locations.list()).toEqual([]);
    await expect(cyd.locations.get(adaAddress)).rejects.toBeInstanceOf(NotFoundError);
    expect(await ada.locations.stopSharing()).toBe(true);
    expect(await ada.locations.stopSharing()).toBe(false);
    expect(await bob.locations.list()).toEqual([]);
  });

  it("watch yields updates for the caller with increasing sourceSequence, filtered by address", async () => {
    const all = bob.locations.watch();
    const onlyCyd = bob.locations.watch("+1 415 555 0101");
    try {
      await Promise.all([all.ready, onlyCyd.ready]);
      await ada.locations.share({ allowedChats: [group], latitude: 1, longitude: 1 });
      await cyd.locations.share({ allowedAddresses: [bobAddress], latitude: 2, longitude: 2 });
      const updates = [];
      for await (const update of all.take(2)) updates.push(update);
      expect(updates.map((update) => [update.location.address, update.location.latitude])).toEqual([
        [adaAddress, 1],
        [cydAddress, 2],
      ]);
      expect((updates[1]?.sourceSequence ?? 0) - (updates[0]?.sourceSequence ?? 0)).toBe(1);
      for await (const update of onlyCyd.take(1)) expect(update.location.address).toBe(cydAddress);
    } finally {
      await Promise.all([
        all.close(),
        onlyCyd.close(),
        ada.locations.stopSharing(),
        cyd.locations.stopSharing(),
      ]);
    }
  });

  it("request records a request the target lists; asking grants nothing", async () => {
    const receipt = await bob.locations.request(group, cydAddress, { clientMessageId: "ask-1" });
    expect(receipt).toEqual({ address: cydAddress, status: "requested" });
    expect(await bob.locations.request(group, cydAddress, { clientMessageId: "ask-1" })).toEqual(
      receipt,
    );
    const pending = await cyd.locations.listRequests();
    expect(pending.map((request) => [request.requesterAddress, request.chatGuid])).toEqual([
      [bobAddress, group],
    ]);
    expect(pending[0]?.requestedAt).toBeInstanceOf(Date);
    await expect(bob.locations.get(cydAddress)).rejects.toBeInstanceOf(NotFoundError);
  });

  describe("validation before the network", () => {
    it.each([
      [
        "get with a malformed address",
        (im: Client) => im.locations.get("not-an-address"),
        "address",
      ],
      [
        "request with a malformed chat",
        (im: Client) => im.locations.request("chat", bobAddress),
        "chat",
      ],
      [
        "request with a malformed address",
        (im: Client) => im.locations.request(group, "bob"),
        "address",
      ],
      [
        "share without an audience",
        (im: Client) => im.locations.share({ latitude: 1, longitude: 1 }),
        "share.allowedAddresses",
      ],
      [
        "share with latitude 91",
        (im: Client) =>
          im.locations.share({ allowedAddresses: [bobAddress], latitude: 91, longitude: 1 }),
        "share.latitude",
      ],
      [
        "share with longitude Infinity",
        (im: Client) =>
          im.locations.share({
            allowedAddresses: [bobAddress],
            latitude: 1,
            longitude: Number.POSITIVE_INFINITY,
          }),
        "share.longitude",
      ],
      [
        "share with only a latitude",
        (im: Client) => im.locations.share({ allowedAddresses: [bobAddress], latitude: 1 }),
        "share.longitude",
      ],
      [
        "share with no coordinates while not locating",
        (im: Client) => im.locations.share({ allowedAddresses: [bobAddress] }),
        "share.latitude",
      ],
      [
        "share with a negative accuracy",
        (im: Client) =>
          im.locations.share({
            allowedAddresses: [bobAddress],
            latitude: 1,
            longitude: 1,
            accuracy: -2,
          }),
        "share.accuracy",
      ],
      [
        "share with an unknown location type",
        (im: Client) =>
          im.locations.share({
            allowedAddresses: [bobAddress],
            latitude: 1,
            longitude: 1,
            locationType: "fast" as "live",
          }),
        "share.locationType",
      ],
      [
        "share with an invalid date",
        (im: Client) =>
          im.locations.share({
            allowedAddresses: [bobAddress],
            latitude: 1,
            longitude: 1,
            expiresAt: new Date(Number.NaN),
          }),
        "share.expiresAt",
      ],
      [
        "share with a malformed chat",
        (im: Client) => im.locations.share({ allowedChats: ["x"], latitude: 1, longitude: 1 }),
        "share.allowedChats[0]",
      ],
    ] as const)("%s", async (_name, call, field) => {
      const failure = await call(ada).then(
        () => undefined,
        (error: unknown) => error,
      );
      expect(failure).toBeInstanceOf(ValidationError);
      expect(failure instanceof ValidationError ? failure.field : undefined).toBe(field);
    });

    it("watch with a malformed address throws synchronously", () => {
      expect(() => ada.locations.watch("nope")).toThrow(ValidationError);
    });

    it("the server's own checks surface as typed errors", async () => {
      await expect(
        ada.locations.share({ allowedAddresses: [adaAddress], latitude: 1, longitude: 1 }),
      ).rejects.toBeInstanceOf(ValidationError);
      await expect(
        ada.locations.share({
          allowedAddresses: [bobAddress],
          latitude: 1,
          longitude: 1,
          expiresAt: new Date(Date.now() - 60_000),
        }),
      ).rejects.toThrow(/expires_at/);
      await expect(ada.locations.request(group, "dan@example.com")).rejects.toBeInstanceOf(
        ValidationError,
      );
      await expect(
        ada.locations.request("any;-;zed@example.com", "zed@example.com"),
      ).rejects.toBeInstanceOf(NotFoundError);
    });
  });

  it("the sharing methods need the capability: without it they throw UnimplementedError and send nothing", async () => {
    const { calls, context } = recordingContext(ada.context);
    const plain = createLocationsResource({
      ...context,
      serverCapabilities: async (operation) => ({
        ...(await context.serverCapabilities(operation)),
        capabilities: new Set<string>(),
      }),
    });
    await expect(
      plain.share({ allowedAddresses: [bobAddress], latitude: 1, longitude: 1 }),
    ).rejects.toBeInstanceOf(UnimplementedError);
    await expect(plain.stopSharing()).rejects.toThrow(/threadline\.location_sharing/);
    await expect(plain.listRequests()).rejects.toBeInstanceOf(UnimplementedError);
    expect(calls.filter((call) => call.path.includes("LocationSharingService"))).toEqual([]);
    // The published reads need nothing beyond photon.imessage.v1.
    expect(await plain.list()).toEqual([]);
  });

  it("an argument the SDK refuses never reaches the server", async () => {
    const { calls, context } = recordingContext(ada.context);
    const recorded = createLocationsResource(context);
    await expect(recorded.get("911")).rejects.toBeInstanceOf(ValidationError);
    await expect(
      recorded.share({ allowedAddresses: [bobAddress], latitude: 100, longitude: 0 }),
    ).rejects.toBeInstanceOf(ValidationError);
    expect(calls).toEqual([]);
  });
});

describe("locations.watch() on a half-open connection", () => {
  it("ends with a retryable ConnectionError (STREAM_STALLED) once heartbeats stop arriving", async () => {
    // The watchdog acts after twice the heartbeat interval the server announces.
    await using server = await startTestServer({ heartbeatIntervalMs: 300 });
    const proxy = await startFreezableProxy(server.address);
    const sharer = createClient({
      address: server.address,
      token: (await server.accounts.create([adaAddress])).token,
      resources: { locations },
    });
    const watcher = createClient({
      address: proxy.address,
      token: (await server.accounts.create([bobAddress])).token,
      // Keepalive alone would take minutes; the heartbeat watchdog must act first.
      channelOptions: { "grpc.keepalive_time_ms": 600_000 },
      resources: { locations },
    });
    try {
      const watch = watcher.locations.watch();
      await watch.ready;
      const updates = watch[Symbol.asyncIterator]();
      await sharer.locations.share({ allowedAddresses: [bobAddress], latitude: 1, longitude: 1 });
      expect((await updates.next()).value?.location.latitude).toBe(1);
      proxy.freeze();
      await sharer.locations.share({ allowedAddresses: [bobAddress], latitude: 2, longitude: 2 });
      const failure = await updates.next().then(
        () => undefined,
        (error: unknown) => error,
      );
      expect(failure).toBeInstanceOf(ConnectionError);
      expect(failure).toMatchObject({ code: "STREAM_STALLED", retryable: true });
    } finally {
      await Promise.allSettled([sharer.close(), watcher.close()]);
      await proxy.close();
    }
  }, 30_000);
});
