import {
  ChatServiceDefinition as Chat,
  MessageServiceDefinition as Messages,
} from "@threadline/protocol";
import fc from "fast-check";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { type AccountClient, connectAccount } from "./domain-client.js";
import { type DomainTestServer, startDomainTestServer } from "./domain-fixture.js";

let server: DomainTestServer;
const opened: AccountClient[] = [];

beforeAll(async () => {
  server = await startDomainTestServer();
});

afterAll(async () => {
  for (const client of opened.splice(0)) client.close();
  await server.close();
});

/** A send: who (0 = the reader, 1 and 2 = its two peers, 3 = a stranger) in which chat. */
const sendArbitrary = fc.record({
  sender: fc.integer({ min: 0, max: 3 }),
  peer: fc.integer({ min: 1, max: 2 }),
});

/** The reader marks its chat with peer 1 or 2 read. */
const readArbitrary = fc.record({ read: fc.integer({ min: 1, max: 2 }) });

const scenarioArbitrary = fc.record({
  before: fc.array(fc.oneof(sendArbitrary, sendArbitrary, readArbitrary), { maxLength: 24 }),
  pageSizes: fc.array(fc.integer({ min: 1, max: 7 }), { minLength: 1, maxLength: 12 }),
  between: fc.array(fc.array(sendArbitrary, { maxLength: 3 }), { minLength: 12, maxLength: 12 }),
  isFromMe: fc.constantFrom(undefined, true, false),
  isRead: fc.constantFrom(undefined, true, false),
  scope: fc.constantFrom("recent" as const, "chat" as const),
});

let run = 0;

describe("message list paging (property)", () => {
  it("pages concatenate to exactly the visible messages at the first page (with the isFromMe / isRead filters), newest first, with no repeats or gaps, even with writes between pages", async () => {
    await fc.assert(
      fc.asyncProperty(scenarioArbitrary, async (scenario) => {
        run += 1;
        const names = ["reader", "peer-a", "peer-b", "stranger"].map(
          (name) => `${name}-${run}@example.com`,
        );
        const clients: AccountClient[] = [];
        for (const name of names) {
          const { token } = await server.createAccount([name]);
          const client = connectAccount(server.address, token);
          opened.push(client);
          clients.push(client);
        }
        const [reader, , , stranger] = clients;
        if (reader === undefined || stranger === undefined) throw new Error("no clients");
        await reader.call(Chat.createChat, { addresses: [names[1] ?? ""] });
        await reader.call(Chat.createChat, { addresses: [names[2] ?? ""] });
        await stranger.call(Chat.createChat, { addresses: [names[1] ?? ""] });

        // What the reader can see, oldest first; `index` is its place in storage order.
        const visible: { guid: string; fromMe: boolean; peer: number; index: number }[] = [];
        // Per peer chat: entries with a smaller index were read by the reader.
        const readBelow = new Map<number, number>();
        const send = async ({ sender, peer }: { sender: number; peer: number }) => {
          const client = clients[sender];
          if (client === undefined) throw new Error("no client");
          const chatGuid =
            sender === 0
              ? `any;-;${names[peer]}`
              : sender === 3
                ? `any;-;${names[1]}`
                : `any;-;${names[0]}`;
          const { message } = await client.call(Messages.sendTextMessage, {
            chatGuid,
            text: `from ${sender}`,
          });
          const index = visible.length;
          if (sender === 0) visible.push({ guid: message.guid, fromMe: true, peer, index });
          else if (sender !== 3)
            visible.push({ guid: message.guid, fromMe: false, peer: sender, index });
        };
        for (const each of scenario.before) {
          if ("read" in each) {
            await reader.call(Chat.markChatRead, { chatGuid: `any;-;${names[each.read]}` });
            readBelow.set(each.read, visible.length);
          } else {
            await send(each);
          }
        }

        const chatGuid = `any;-;${names[1]}`;
        const isRead = (entry: { fromMe: boolean; peer: number; index: number }) =>
          entry.fromMe || entry.index < (readBelow.get(entry.peer) ?? 0);
        const filter = (entry: { fromMe: boolean; peer: number; index: number }) =>
          (scenario.scope === "recent" || entry.peer === 1) &&
          (scenario.isFromMe === undefined || entry.fromMe === scenario.isFromMe) &&
          (scenario.isRead === undefined || isRead(entry) === scenario.isRead);
        const expected = visible
          .filter(filter)
          .map((entry) => entry.guid)
          .reverse();

        const listed: string[] = [];
        let token: string | undefined;
        let pages = 0;
        for (;;) {
          const pageSize = scenario.pageSizes[pages % scenario.pageSizes.length] ?? 1;
          const request = {
            pageSize,
            ...(token === undefined ? {} : { pageToken: token }),
            ...(scenario.isFromMe === undefined ? {} : { isFromMe: scenario.isFromMe }),
            ...(scenario.isRead === undefined ? {} : { isRead: scenario.isRead }),
          };
          const page =
            scenario.scope === "recent"
              ? await reader.call(Messages.listRecentMessages, request)
              : await reader.call(Messages.listChatMessages, { ...request, chatGuid });
          expect(page.messages.length).toBeLessThanOrEqual(pageSize);
          listed.push(...page.messages.map((message) => message.guid));
          token = page.nextPageToken ?? undefined;
          // A token means more follows; a page without one is the last.
          if (token !== undefined) expect(page.messages).toHaveLength(pageSize);
          for (const each of scenario.between[pages % scenario.between.length] ?? [])
            await send(each);
          pages += 1;
          if (token === undefined) break;
          expect(pages).toBeLessThanOrEqual(expected.length + 1);
        }
        expect(new Set(listed).size).toBe(listed.length);
        expect(listed).toEqual(expected);
      }),
      { numRuns: 20 },
    );
  }, 60_000);
});
