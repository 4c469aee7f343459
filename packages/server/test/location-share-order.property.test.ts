import { threadline } from "@threadline/protocol";
import fc from "fast-check";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { Account } from "../src/auth/account.js";
import { validateShareLocation } from "../src/domain/location-input.js";
import { createLocationRequests } from "../src/domain/location-requests.js";
import { createLocationSharing, type LocationUpdate } from "../src/domain/location-sharing.js";
import type { Repositories } from "../src/storage/repositories.js";
import { startTestServer, type TestServer } from "../src/testing.js";
import { type LocationAccount, locationAccount, position } from "./support/location-harness.js";

type Call =
  | { readonly kind: "share"; readonly inChat: boolean; readonly outsideChat: boolean }
  | { readonly kind: "stop" };

// Event-loop turns, not time: each chat read of a share waits this many turns first, so
// concurrent shares of one sharer finish in an order the run chooses.
function afterTurns(turns: number): Promise<void> {
  return turns === 0
    ? Promise.resolve()
    : new Promise((resolve) => setImmediate(() => resolve(afterTurns(turns - 1))));
}

// The server's real repositories, with every chat and account read held back by the
// next delay.
function withDelayedChats(repositories: Repositories, delays: readonly number[]): Repositories {
  let next = 0;
  const delayed = <Repository extends object>(repository: Repository): Repository =>
    new Proxy(repository, {
      get(target, name, receiver) {
        const value: unknown = Reflect.get(target, name, receiver);
        if (typeof value !== "function") return value;
        return async (...parameters: unknown[]) => {
          await afterTurns(delays.length === 0 ? 0 : (delays[next++ % delays.length] ?? 0));
          return Reflect.apply(value, target, parameters);
        };
      },
    });
  return {
    ...repositories,
    chats: delayed(repositories.chats),
    accounts: delayed(repositories.accounts),
  };
}

describe("overlapping location calls keep the order they arrived in (property)", () => {
  let server: TestServer;
  let ada: LocationAccount;
  let bob: LocationAccount;
  let sharer: Account;
  let viewer: Account;
  let adaAndBob: string;
  let bobAndAda: string;
  let notAdas: string;
  let carolAddress: string;

  beforeAll(async () => {
    server = await startTestServer();
    ada = await locationAccount(server, "ada@example.com");
    bob = await locationAccount(server, "bob@example.com");
    const carol = await locationAccount(server, "carol@example.com");
    const dave = await locationAccount(server, "dave@example.com");
    adaAndBob = await ada.createChat([bob.address]);
    // The same direct chat as Bob names it.
    bobAndAda = await bob.createChat([ada.address]);
    // A chat Ada is not in: a share allowing it is NOT_FOUND and must change nothing.
    notAdas = await carol.createChat([dave.address]);
    carolAddress = carol.address;
    const adaAccount = await server.accounts.get(ada.accountId);
    const bobAccount = await server.accounts.get(bob.accountId);
    if (adaAccount === undefined || bobAccount === undefined) throw new Error("accounts missing");
    sharer = adaAccount;
    viewer = bobAccount;
    for (const each of [carol, dave]) each.close();
  });

  afterAll(async () => {
    ada?.close();
    bob?.close();
    await server?.close();
  });

  it("after concurrent shares and stops, the latest that succeeded stands, and updates are published oldest first", async () => {
    const call = fc.oneof(
      fc.record({
        kind: fc.constant("share" as const),
        inChat: fc.boolean(),
        outsideChat: fc.boolean(),
      }),
      fc.constant({ kind: "stop" as const }),
    );
    await fc.assert(
      fc.asyncProperty(
        fc.array(call, { minLength: 1, maxLength: 8 }),
        fc.array(fc.nat(4), { maxLength: 16 }),
        async (calls: Call[], delays: number[]) => {
          const published: LocationUpdate[] = [];
          const sharing = createLocationSharing({ publish: (update) => published.push(update) });
          const delayed = withDelayedChats(server.server.store.repositories, delays);
          const now = new Date();
          // Latitude i marks call i, so each outcome names the call it came from.
          const outcomes = await Promise.allSettled(
            calls.map((each, index) => {
              if (each.kind === "stop") return Promise.resolve(sharing.stop(sharer.id, now));
              const chats = [
                ...(each.inChat ? [adaAndBob] : []),
                ...(each.outsideChat ? [notAdas] : []),
              ];
              const input = validateShareLocation(
                threadline.v1.ShareLocationRequest.create(
                  position(index, 0, { addresses: [bob.address], chats }),
                ),
                sharer.addresses,
                now,
              );
              return sharing.share(delayed, sharer, input, now);
            }),
          );
          outcomes.forEach((outcome, index) => {
            const each = calls[index];
            const refused = each?.kind === "share" && each.outsideChat;
            expect(outcome.status).toBe(refused ? "rejected" : "fulfilled");
          });
          const standing = outcomes.map((outcome) => outcome.status).lastIndexOf("fulfilled");
          const expected = standing === -1 || calls[standing]?.kind === "stop" ? [] : [standing];
          const listed = await sharing.list(server.server.store.repositories, viewer, now);
          expect(listed.map((location) => location.latitude)).toEqual(expected);
          const order = published.map((update) => update.location.latitude ?? -1);
          expect(order).toEqual([...order].sort((first, second) => first - second));
          // Each update reached Bob with his feed numbered 1, 2, … without gaps.
          expect(
            published.map((update) => update.deliveries.map((delivery) => delivery.sourceSequence)),
          ).toEqual(published.map((_update, index) => [index + 1]));
        },
      ),
      { numRuns: 60 },
    );
  });

  it("a request that overlaps the target's share to its requester is answered by it, in either order", async () => {
    await fc.assert(
      fc.asyncProperty(
        fc.boolean(),
        fc.array(fc.nat(4), { maxLength: 16 }),
        async (requestFirst: boolean, delays: number[]) => {
          const sharing = createLocationSharing({ publish: () => undefined });
          const requests = createLocationRequests(sharing);
          const delayed = withDelayedChats(server.server.store.repositories, delays);
          const now = new Date();
          const shareWith = (address: string) =>
            validateShareLocation(
              threadline.v1.ShareLocationRequest.create(position(1, 1, { addresses: [address] })),
              sharer.addresses,
              now,
            );
          // Ada already shares, but not with Bob, when both calls start.
          await sharing.share(
            server.server.store.repositories,
            sharer,
            shareWith(carolAddress),
            now,
          );
          const input = shareWith(bob.address);
          // As the LocationSharingService does: share, then answer who can see it now.
          const share = async () => {
            const result = await sharing.share(delayed, sharer, input, now);
            requests.answer(sharer, result.audienceAccountIds);
          };
          const request = () =>
            requests.request(delayed, viewer, bobAndAda, ada.address, undefined, now);
          const [first, second] = requestFirst ? [request, share] : [share, request];
          await Promise.all([first(), second()]);
          const pending = await requests.pendingFor(server.server.store.repositories, sharer, now);
          expect(pending).toEqual([]);
        },
      ),
      { numRuns: 60 },
    );
  });
});
