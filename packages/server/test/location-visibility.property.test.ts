import { status } from "@grpc/grpc-js";
import fc from "fast-check";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { startTestServer, type TestServer } from "../src/testing.js";
import {
  cancelWatch,
  type LocationAccount,
  locationAccount,
  position,
  registered,
  type WatchFrame,
} from "./support/location-harness.js";

type Operation =
  | {
      readonly kind: "share";
      readonly sharer: number;
      readonly addresses: readonly number[];
      readonly chats: readonly number[];
      readonly latitude: number;
    }
  | { readonly kind: "stop"; readonly sharer: number };

/** A chat, its participants (account indexes) and the GUID each participant names it by. */
interface TestChat {
  readonly members: readonly number[];
  readonly guidFor: ReadonlyMap<number, string>;
}

describe("location visibility and latest values (property)", () => {
  let server: TestServer;
  let accounts: LocationAccount[];
  let chats: TestChat[];
  let sentinel: LocationAccount;

  beforeAll(async () => {
    server = await startTestServer();
    accounts = [];
    for (const address of ["a@example.com", "b@example.com", "c@example.com", "d@example.com"]) {
      accounts.push(await locationAccount(server, address));
    }
    sentinel = await locationAccount(server, "z@example.com");
    const [a, b, c, d] = accounts as [
      LocationAccount,
      LocationAccount,
      LocationAccount,
      LocationAccount,
    ];
    const group = await a.createChat([b.address, c.address]);
    const direct = await a.createChat([d.address]);
    const pair = await b.createChat([d.address]);
    chats = [
      {
        members: [0, 1, 2],
        guidFor: new Map([
          [0, group],
          [1, group],
          [2, group],
        ]),
      },
      {
        members: [0, 3],
        guidFor: new Map([
          [0, direct],
          [3, `any;-;${a.address}`],
        ]),
      },
      {
        members: [1, 3],
        guidFor: new Map([
          [1, pair],
          [3, `any;-;${b.address}`],
        ]),
      },
    ];
  });

  afterAll(async () => {
    for (const account of [...accounts, sentinel]) account.close();
    await server.close();
  });

  const operation: fc.Arbitrary<Operation> = fc.oneof(
    {
      weight: 3,
      arbitrary: fc.record({
        kind: fc.constant("share" as const),
        sharer: fc.nat({ max: 3 }),
        addresses: fc.uniqueArray(fc.nat({ max: 3 }), { maxLength: 3 }),
        chats: fc.uniqueArray(fc.nat({ max: 2 }), { maxLength: 3 }),
        latitude: fc.double({ min: -90, max: 90, noNaN: true }),
      }),
    },
    {
      weight: 1,
      arbitrary: fc.record({ kind: fc.constant("stop" as const), sharer: fc.nat({ max: 3 }) }),
    },
  );

  it("after any mix of shares and stops, every account lists exactly what the model says", async () => {
    await fc.assert(
      fc.asyncProperty(fc.array(operation, { minLength: 1, maxLength: 10 }), async (operations) => {
        for (const account of accounts) await account.stop();
        // sharer -> (who sees it, latest latitude)
        const model = new Map<number, { viewers: Set<number>; latitude: number }>();
        for (const step of operations) {
          const sharer = accounts[step.sharer];
          if (sharer === undefined) throw new Error("no such account");
          if (step.kind === "stop") {
            const response = await sharer.stop();
            expect(response.wasSharing).toBe(model.has(step.sharer));
            model.delete(step.sharer);
            continue;
          }
          const addresses = step.addresses.filter((index) => index !== step.sharer);
          const ownChats = step.chats.filter((index) =>
            chats[index]?.members.includes(step.sharer),
          );
          const request = position(step.latitude, 0, {
            addresses: addresses.map((index) => accounts[index]?.address ?? ""),
            chats: ownChats.map((index) => chats[index]?.guidFor.get(step.sharer) ?? ""),
          });
          if (addresses.length === 0 && ownChats.length === 0) {
            // An empty audience is refused and leaves the previous session as it was.
            const failure = await sharer.failure(sharer.share(request));
            expect(failure.code).toBe(status.INVALID_ARGUMENT);
            continue;
          }
          const viewers = new Set(addresses);
          for (const index of ownChats)
            for (const member of chats[index]?.members ?? []) viewers.add(member);
          viewers.delete(step.sharer);
          const response = await sharer.share(request);
          expect(response.audienceAccountCount).toBe(viewers.size);
          model.set(step.sharer, { viewers, latitude: step.latitude });
        }
        for (const [viewerIndex, viewer] of accounts.entries()) {
          const expected = [...model.entries()]
            .filter(([, session]) => session.viewers.has(viewerIndex))
            .map(([sharer, session]) => [accounts[sharer]?.address, session.latitude] as const)
            .sort(([first], [second]) => ((first ?? "") < (second ?? "") ? -1 : 1));
          const listed = (await viewer.list()).map(
            (location) => [location.address, location.latitude] as const,
          );
          expect(listed).toEqual(expected);
          for (const [sharerIndex, sharer] of accounts.entries()) {
            const session = model.get(sharerIndex);
            if (session?.viewers.has(viewerIndex) === true) {
              expect((await viewer.get(sharer.address)).latitude).toBe(session.latitude);
            } else {
              expect((await viewer.failure(viewer.get(sharer.address))).code).toBe(
                status.NOT_FOUND,
              );
            }
          }
        }
      }),
      { numRuns: 25 },
    );
  });

  it("every watcher receives exactly the updates it may see, in order, numbered without gaps", async () => {
    await fc.assert(
      fc.asyncProperty(fc.array(operation, { minLength: 1, maxLength: 10 }), async (operations) => {
        for (const account of accounts) await account.stop();
        const watches = accounts.map((account) => account.watch());
        const received: WatchFrame[][] = accounts.map(() => []);
        watches.forEach((watch, index) => {
          watch.on("data", (frame: WatchFrame) => {
            if (frame.payload === "locationUpdated") received[index]?.push(frame);
          });
        });
        try {
          await Promise.all(watches.map(registered));
          const expected: [string, number][][] = accounts.map(() => []);
          for (const step of operations) {
            const sharer = accounts[step.sharer];
            if (sharer === undefined) throw new Error("no such account");
            if (step.kind === "stop") {
              await sharer.stop();
              continue;
            }
            const addresses = step.addresses.filter((index) => index !== step.sharer);
            const ownChats = step.chats.filter((index) =>
              chats[index]?.members.includes(step.sharer),
            );
            if (addresses.length === 0 && ownChats.length === 0) continue;
            const viewers = new Set(addresses);
            for (const index of ownChats)
              for (const member of chats[index]?.members ?? []) viewers.add(member);
            viewers.delete(step.sharer);
            await sharer.share(
              position(step.latitude, 0, {
                addresses: addresses.map((index) => accounts[index]?.address ?? ""),
                chats: ownChats.map((index) => chats[index]?.guidFor.get(step.sharer) ?? ""),
              }),
            );
            for (const viewer of viewers) expected[viewer]?.push([sharer.address, step.latitude]);
          }
          // A last update everyone may see marks the end of what each watcher was sent.
          await sentinel.share(
            position(0, 0, { addresses: accounts.map((account) => account.address) }),
          );
          const isSentinel = (frame: WatchFrame) =>
            frame.locationUpdated?.location?.address === sentinel.address;
          while (!received.every((frames) => frames.some(isSentinel))) {
            await new Promise((resolve) => setTimeout(resolve, 2));
          }
          for (const [index, frames] of received.entries()) {
            const beforeSentinel = frames.slice(0, frames.findIndex(isSentinel));
            expect(
              beforeSentinel.map((frame) => [
                frame.locationUpdated?.location?.address,
                frame.locationUpdated?.location?.latitude,
              ]),
            ).toEqual(expected[index]);
            const numbers = frames.map((frame) => frame.locationUpdated?.sourceSequence ?? 0);
            numbers.forEach((number, position) => {
              if (position > 0) expect(number).toBe((numbers[position - 1] ?? 0) + 1);
            });
          }
          await sentinel.stop();
        } finally {
          await Promise.all(watches.map(cancelWatch));
        }
      }),
      { numRuns: 20 },
    );
  });
});
