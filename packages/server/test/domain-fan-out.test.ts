import {
  ChatServiceDefinition as Chat,
  GroupServiceDefinition as Groups,
  MessageServiceDefinition as Messages,
} from "@threadline/protocol";
import fc from "fast-check";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { type AccountClient, connectAccount } from "./domain-client.js";
import { type DomainTestServer, startDomainTestServer } from "./domain-fixture.js";

// Four accounts and one address without an account; chats among them are created per run.
const people = [
  "ann@example.com",
  "ben@example.com",
  "cat@example.com",
  "dan@example.com",
] as const;
const stranger = "eve@example.com";
let server: DomainTestServer;
let clients: AccountClient[] = [];

beforeAll(async () => {
  server = await startDomainTestServer();
  for (const address of people) {
    clients.push(connectAccount(server.address, (await server.createAccount([address])).token));
  }
});

afterAll(async () => {
  for (const client of clients) client.close();
  clients = [];
  await server.close();
});

type Action =
  | { readonly type: "send"; readonly sender: number; readonly chat: number }
  | { readonly type: "rename"; readonly actor: number; readonly chat: number };

const action: fc.Arbitrary<Action> = fc.oneof(
  fc.record({ type: fc.constant("send" as const), sender: fc.nat(3), chat: fc.nat(3) }),
  fc.record({ type: fc.constant("rename" as const), actor: fc.nat(3), chat: fc.nat(3) }),
);

interface ChatSetup {
  readonly members: readonly number[];
  readonly withStranger: boolean;
}

const chatSetup: fc.Arbitrary<ChatSetup> = fc.record({
  members: fc.uniqueArray(fc.nat(3), { minLength: 2, maxLength: 4 }),
  withStranger: fc.boolean(),
});

describe("fan-out under concurrent writers", () => {
  it("logs every change once for every member with an account, in that member's terms, with contiguous sequences", async () => {
    await fc.assert(
      fc.asyncProperty(
        fc.array(chatSetup, { minLength: 4, maxLength: 4 }),
        fc.array(action, { minLength: 1, maxLength: 12 }),
        async (setups, actions) => {
          const heads = await Promise.all(
            clients.map(async (client) => (await client.catchUp()).length),
          );
          // Each chat as its creator (the first member) names it, and the members with accounts.
          const chats: {
            guid: string;
            creator: number;
            members: readonly number[];
            isGroup: boolean;
          }[] = [];
          for (const setup of setups) {
            const [creator, ...others] = setup.members;
            if (creator === undefined) continue;
            const addresses = [
              ...others.map((index) => people[index] ?? ""),
              ...(setup.withStranger ? [stranger] : []),
            ];
            const client = clients[creator];
            if (client === undefined) continue;
            const created = await client.call(Chat.createChat, { addresses });
            chats.push({
              guid: created.chat.guid,
              creator,
              members: setup.members,
              isGroup: addresses.length > 1,
            });
          }
          // Everyone acts at once; refused actions (not a member, rename of a direct chat) are part of the test.
          const outcomes = await Promise.all(
            actions.map(async (each) => {
              const chat = chats[each.chat];
              const actor = each.type === "send" ? each.sender : each.actor;
              const client = clients[actor];
              if (chat === undefined || client === undefined) return undefined;
              // An outsider has no name for someone else's direct chat: "any;-;<member>" is
              // its own direct chat with that member. Outsiders try groups only.
              if (!chat.isGroup && !chat.members.includes(actor)) return undefined;
              const guid = guidFor(chat, actor);
              try {
                if (each.type === "send") {
                  await client.call(Messages.sendTextMessage, {
                    chatGuid: guid,
                    text: `from ${actor}`,
                  });
                } else {
                  await client.call(Groups.setDisplayName, {
                    chatGuid: guid,
                    displayName: `name by ${actor}`,
                  });
                }
                return { each, chat, actor };
              } catch {
                const allowed =
                  chat.members.includes(actor) && (each.type === "send" || chat.isGroup);
                expect(allowed).toBe(false);
                return undefined;
              }
            }),
          );
          const done = outcomes.filter((outcome) => outcome !== undefined);
          for (const outcome of done) {
            expect(outcome.chat.members).toContain(outcome.actor);
            if (outcome.each.type === "rename") expect(outcome.chat.isGroup).toBe(true);
          }

          for (const [viewer, client] of clients.entries()) {
            const events = await client.catchUp(heads[viewer]);
            // Per-account sequences are contiguous from the old head.
            expect(events.map((event) => event.sequence)).toEqual(
              events.map((_event, index) => (heads[viewer] ?? 0) + index + 1),
            );
            const seen = events.map((event) => {
              const change = event.messageChanged ?? event.groupChanged;
              return {
                guid: change?.chatGuid,
                actor: change?.actor?.address,
                isFromMe: change?.isFromMe,
                type: event.messageChanged ? "send" : "rename",
              };
            });
            // Renames to the same name change nothing, so count sends exactly and renames at most.
            const expectedSends = done.filter(
              (outcome) => outcome.each.type === "send" && outcome.chat.members.includes(viewer),
            );
            expect(seen.filter((event) => event.type === "send")).toHaveLength(
              expectedSends.length,
            );
            const possibleRenames = done.filter(
              (outcome) => outcome.each.type === "rename" && outcome.chat.members.includes(viewer),
            );
            expect(seen.filter((event) => event.type === "rename").length).toBeLessThanOrEqual(
              possibleRenames.length,
            );
            for (const event of seen) {
              expect(event.isFromMe).toBe(event.actor === people[viewer]);
              // The GUID names one of the viewer's own chats, as the viewer names it.
              const chat = chats.find(
                (candidate) =>
                  candidate.members.includes(viewer) && guidFor(candidate, viewer) === event.guid,
              );
              expect(chat).toBeDefined();
            }
          }
        },
      ),
      { numRuns: 12 },
    );
  });
});

/** The chat GUID `viewer` uses for a chat: its counterpart in a direct chat, the group id otherwise. */
function guidFor(
  chat: { guid: string; creator: number; isGroup: boolean; members: readonly number[] },
  viewer: number,
): string {
  if (chat.isGroup || viewer === chat.creator) return chat.guid;
  return `any;-;${people[chat.creator] ?? ""}`;
}
