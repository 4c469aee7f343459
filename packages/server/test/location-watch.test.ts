import { type ServiceError, status } from "@grpc/grpc-js";
import { threadline } from "@threadline/protocol";
import { describe, expect, it } from "vitest";
import { validateShareLocation } from "../src/domain/location-input.js";
import { startTestServer } from "../src/testing.js";
import { trailer } from "./support/grpc-client.js";
import {
  cancelWatch,
  locationAccount,
  nextFrame,
  position,
  registered,
  type WatchFrame,
} from "./support/location-harness.js";

async function until(condition: () => boolean): Promise<void> {
  while (!condition()) await new Promise((resolve) => setTimeout(resolve, 5));
}

describe("WatchSharedFriendLocations", () => {
  it("streams each update to the allowed watchers only, numbered per viewer, filtered by address", async () => {
    await using server = await startTestServer();
    const ada = await locationAccount(server, "ada@example.com");
    const bob = await locationAccount(server, "bob@example.com");
    const cyd = await locationAccount(server, "cyd@example.com");
    const everything = bob.watch();
    const onlyCyd = bob.watch("CYD@example.com");
    const outsider = cyd.watch();
    try {
      await Promise.all([registered(everything), registered(onlyCyd), registered(outsider)]);
      const received: WatchFrame[] = [];
      everything.on("data", (frame: WatchFrame) => {
        if (frame.payload === "locationUpdated") received.push(frame);
      });
      const firstForCyd = nextFrame(onlyCyd);
      const firstForOutsider = nextFrame(outsider);
      await ada.share(position(1, 1, { addresses: [bob.address] }));
      await ada.share(position(2, 2, { addresses: [bob.address] }));
      // An update Bob may not see, then one for Cyd (the outsider so far) from Bob.
      await ada.share(position(3, 3, { addresses: [cyd.address] }));
      await cyd.share(position(4, 4, { addresses: [bob.address] }));
      await bob.share(position(5, 5, { addresses: [cyd.address] }));
      await until(() => received.length >= 3);
      expect(
        received.map((frame) => [
          frame.locationUpdated?.sourceSequence,
          frame.locationUpdated?.location?.address,
          frame.locationUpdated?.location?.latitude,
        ]),
      ).toEqual([
        [1, ada.address, 1],
        [2, ada.address, 2],
        [3, cyd.address, 4],
      ]);
      // The filtered watch skips Ada's updates and sees Cyd's.
      expect((await firstForCyd).locationUpdated?.location?.latitude).toBe(4);
      // Cyd saw nothing until someone shared with Cyd: Ada's third update comes first.
      expect((await firstForOutsider).locationUpdated?.location).toMatchObject({
        address: ada.address,
        latitude: 3,
      });
    } finally {
      await Promise.all([cancelWatch(everything), cancelWatch(onlyCyd), cancelWatch(outsider)]);
      for (const account of [ada, bob, cyd]) account.close();
    }
  });

  it("an idle watch carries heartbeats", async () => {
    await using server = await startTestServer({ heartbeatIntervalMs: 20 });
    const bob = await locationAccount(server, "bob@example.com");
    const watch = bob.watch();
    try {
      const beats: WatchFrame[] = [];
      watch.on("data", (frame: WatchFrame) => beats.push(frame));
      await until(() => beats.length >= 3);
      expect(beats.every((frame) => frame.payload === "heartbeat")).toBe(true);
    } finally {
      await cancelWatch(watch);
      bob.close();
    }
  });

  it("a watcher that stops reading is cut with RESOURCE_EXHAUSTED / SUBSCRIBER_TOO_SLOW and freed", async () => {
    await using server = await startTestServer({
      subscriberBuffer: { maxEvents: 20, maxBytes: 64 * 1024 },
    });
    const ada = await locationAccount(server, "ada@example.com");
    const bob = await locationAccount(server, "bob@example.com");
    const stalled = bob.watch();
    const healthy = ada.watch();
    const ended = new Promise<ServiceError>((resolve) => stalled.on("error", resolve));
    try {
      await Promise.all([registered(stalled), registered(healthy)]);
      stalled.pause();
      const { hub } = server.server.locations;
      expect(hub.size).toBe(2);
      // A burst faster than any socket drains: shares straight into the domain, as many
      // sharers moving at once would produce them.
      const sharer = await server.accounts.get(ada.accountId);
      if (sharer === undefined) throw new Error("Ada's account is missing");
      const { sharing } = server.server.locations;
      let shares = 0;
      while (hub.countFor(bob.accountId) > 0) {
        const now = new Date();
        const input = validateShareLocation(
          threadline.v1.ShareLocationRequest.create(
            position(shares % 90, 1, { addresses: [bob.address] }),
          ),
          sharer.addresses,
          now,
        );
        await sharing.share(server.server.store.repositories, sharer, input, now);
        shares += 1;
        expect(shares).toBeLessThan(10_000);
      }
      expect(hub.slowSubscriberCuts).toBe(1);
      // Ada's own watch was not touched by Bob's stall.
      expect(hub.countFor(ada.accountId)).toBe(1);
      stalled.resume();
      const error = await ended;
      expect(error.code).toBe(status.RESOURCE_EXHAUSTED);
      expect(trailer(error, "error-code")).toBe("SUBSCRIBER_TOO_SLOW");
      expect(trailer(error, "x-retryable")).toBe("true");
      expect(error.details).toContain("list()");
    } finally {
      stalled.cancel();
      await cancelWatch(healthy);
      ada.close();
      bob.close();
    }
  });

  it("refuses a watch beyond the per-account limit with RESOURCE_EXHAUSTED", async () => {
    await using server = await startTestServer({ maxSubscribersPerAccount: 1 });
    const bob = await locationAccount(server, "bob@example.com");
    const first = bob.watch();
    try {
      await registered(first);
      const failure = await bob.failure(nextFrame(bob.watch()));
      expect(failure.code).toBe(status.RESOURCE_EXHAUSTED);
    } finally {
      await cancelWatch(first);
      bob.close();
    }
  });

  it("server shutdown ends watches with UNAVAILABLE (retryable)", async () => {
    const server = await startTestServer();
    const bob = await locationAccount(server, "bob@example.com");
    const watch = bob.watch();
    try {
      await registered(watch);
      const ended = new Promise<ServiceError>((resolve) => watch.on("error", resolve));
      const closing = server.server.close();
      const error = await ended;
      expect(error.code).toBe(status.UNAVAILABLE);
      expect(trailer(error, "x-retryable")).toBe("true");
      await closing;
    } finally {
      bob.close();
      await server.close();
    }
  });
});
