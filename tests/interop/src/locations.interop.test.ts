import {
  type AdvancedIMessage,
  NotFoundError as PublishedNotFoundError,
  ValidationError as PublishedValidationError,
} from "@photon-ai/advanced-imessage/grpc";
import { chats } from "@threadline/chats";
import { createClient, NotFoundError, ValidationError } from "@threadline/core";
import { locations } from "@threadline/locations";
import { startTestServer, type TestServer } from "@threadline/server/testing";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { comparable } from "./comparable.js";
import { connectPhoton } from "./fixture.js";
import { collectInBackground } from "./stream-collector.js";

function connectOurs(address: string, token: string) {
  return createClient({ address, token, tls: false, resources: { chats, locations } });
}

interface Someone {
  readonly accountId: number;
  readonly address: string;
  readonly photon: AdvancedIMessage;
  readonly threadline: ReturnType<typeof connectOurs>;
}

async function until(condition: () => boolean): Promise<void> {
  while (!condition()) await new Promise((resolve) => setTimeout(resolve, 5));
}

describe("published client and @threadline/locations against one server", () => {
  let server: TestServer;
  let ada: Someone;
  let bob: Someone;
  let cyd: Someone;
  let group: string;

  beforeAll(async () => {
    server = await startTestServer({ heartbeatIntervalMs: 200 });
    const someone = async (address: string): Promise<Someone> => {
      const { account, token } = await server.accounts.create([address]);
      return {
        accountId: account.id,
        address,
        photon: connectPhoton(server.address, token),
        threadline: connectOurs(server.address, token),
      };
    };
    ada = await someone("ada@example.com");
    bob = await someone("bob@example.com");
    cyd = await someone("cyd@example.com");
    group = (await ada.threadline.chats.create([bob.address, cyd.address], { message: "hi" })).chat
      .guid;
  });

  afterAll(async () => {
    for (const person of [ada, bob, cyd]) {
      await person.photon[Symbol.asyncDispose]();
      await person.threadline.close();
    }
    await server.close();
  });

  it("list and get: the same locations, field by field, through both clients", async () => {
    expect(await bob.photon.locations.list()).toEqual([]);
    expect(await bob.threadline.locations.list()).toEqual([]);
    await ada.threadline.locations.share({
      allowedAddresses: [bob.address],
      latitude: 35.6586,
      longitude: 139.7454,
      accuracy: 4.5,
      name: "Ada",
      longAddress: "4 Chome-2-8 Shibakoen, Minato City, Tokyo",
      shortAddress: "Minato",
      locationType: "shallow",
      expiresAt: new Date(Math.floor(Date.now() / 1000 + 600) * 1000),
    });
    await cyd.threadline.locations.share({
      allowedChats: [group],
      isLocatingInProgress: true,
    });
    const published = await bob.photon.locations.list();
    const ours = await bob.threadline.locations.list();
    expect(published).toHaveLength(2);
    expect(comparable(ours)).toStrictEqual(comparable(published));
    expect(ours.map((location) => location.locationType)).toEqual(["shallow", "live"]);
    for (const target of [ada.address, cyd.address]) {
      expect(comparable(await bob.threadline.locations.get(target))).toStrictEqual(
        comparable(await bob.photon.locations.get(target)),
      );
    }
    // Cyd was not allowed to see Ada's location: NOT_FOUND through either client.
    await expect(cyd.photon.locations.get(ada.address)).rejects.toBeInstanceOf(
      PublishedNotFoundError,
    );
    await expect(cyd.threadline.locations.get(ada.address)).rejects.toBeInstanceOf(NotFoundError);
    expect(comparable(await cyd.threadline.locations.list())).toStrictEqual(
      comparable(await cyd.photon.locations.list()),
    );
    await ada.threadline.locations.stopSharing();
    await cyd.threadline.locations.stopSharing();
  });

  it("watch: both clients receive the same updates with the same sourceSequence", async () => {
    const published = collectInBackground(bob.photon.locations.watch());
    const ours = collectInBackground(bob.threadline.locations.watch());
    const publishedFiltered = collectInBackground(bob.photon.locations.watch(cyd.address));
    const oursFiltered = collectInBackground(bob.threadline.locations.watch(cyd.address));
    try {
      // The published client has no "ready": wait until the server holds all four watches.
      await until(() => server.server.locations.hub.countFor(bob.accountId) === 4);
      await ada.threadline.locations.share({
        allowedAddresses: [bob.address],
        latitude: 1,
        longitude: 2,
      });
      await cyd.threadline.locations.share({ allowedChats: [group], latitude: 3, longitude: 4 });
      await ada.threadline.locations.share({
        allowedAddresses: [bob.address],
        latitude: 5,
        longitude: 6,
      });
      await published.until((events) => events.length >= 3);
      await ours.until((events) => events.length >= 3);
      await publishedFiltered.until((events) => events.length >= 1);
      await oursFiltered.until((events) => events.length >= 1);
      expect(comparable(ours.events)).toStrictEqual(comparable(published.events));
      expect(ours.events.map((update) => update.location.latitude)).toEqual([1, 3, 5]);
      expect(comparable(oursFiltered.events)).toStrictEqual(comparable(publishedFiltered.events));
      expect(oursFiltered.events.map((update) => update.location.address)).toEqual([cyd.address]);
    } finally {
      await Promise.all([
        published.close(),
        ours.close(),
        publishedFiltered.close(),
        oursFiltered.close(),
      ]);
      await ada.threadline.locations.stopSharing();
      await cyd.threadline.locations.stopSharing();
    }
  });

  it("request: the same receipts through both clients, and retries with one key return the first", async () => {
    const publishedReceipt = await bob.photon.locations.request(group, cyd.address, {
      clientMessageId: "published-ask",
    });
    const ourReceipt = await bob.threadline.locations.request(group, cyd.address, {
      clientMessageId: "our-ask",
    });
    expect(comparable(ourReceipt)).toStrictEqual(comparable(publishedReceipt));
    expect(ourReceipt.status).toBe("requested");
    expect(
      comparable(
        await bob.photon.locations.request(group, cyd.address, { clientMessageId: "our-ask" }),
      ),
    ).toStrictEqual(comparable(ourReceipt));
    // Once Cyd shares with Bob, both clients see the same "already sharing" receipt.
    await cyd.threadline.locations.share({
      allowedAddresses: [bob.address],
      latitude: 0,
      longitude: 0,
    });
    const published = await bob.photon.locations.request(group, cyd.address);
    const ours = await bob.threadline.locations.request(group, cyd.address);
    expect(comparable(ours)).toStrictEqual(comparable(published));
    expect(ours.status).toBe("alreadySharing");
    await cyd.threadline.locations.stopSharing();
  });

  it("bad input: the server refuses what the published client sends, our SDK refuses it first", async () => {
    await expect(bob.photon.locations.get("not-an-address")).rejects.toBeInstanceOf(
      PublishedValidationError,
    );
    await expect(bob.threadline.locations.get("not-an-address")).rejects.toBeInstanceOf(
      ValidationError,
    );
    await expect(bob.photon.locations.request(group, "dan@example.com")).rejects.toBeInstanceOf(
      PublishedValidationError,
    );
    await expect(bob.threadline.locations.request(group, "dan@example.com")).rejects.toBeInstanceOf(
      ValidationError,
    );
    await expect(
      bob.photon.locations.request("any;-;zed@example.com", "zed@example.com"),
    ).rejects.toBeInstanceOf(PublishedNotFoundError);
    await expect(
      bob.threadline.locations.request("any;-;zed@example.com", "zed@example.com"),
    ).rejects.toBeInstanceOf(NotFoundError);
  });
});
