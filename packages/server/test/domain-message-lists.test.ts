import { status } from "@grpc/grpc-js";
import {
  ChatServiceDefinition as Chat,
  GroupServiceDefinition as Groups,
  MessageServiceDefinition as Messages,
  type photon,
} from "@threadline/protocol";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { defaultMessagePageSize, maxMessagePageSize } from "../src/domain/message-lists.js";
import { seedChatMessages, startTestServer } from "../src/testing.js";
import { type AccountClient, connectAccount } from "./domain-client.js";
import { type DomainTestServer, startDomainTestServer } from "./domain-fixture.js";

let server: DomainTestServer;
let alice: AccountClient;
let bob: AccountClient;
let carol: AccountClient;
const aliceToBob = "any;-;bob@example.com";
const bobToAlice = "any;-;alice@example.com";
const aliceToCarol = "any;-;carol@example.com";

beforeEach(async () => {
  server = await startDomainTestServer();
  alice = await server.connect("alice@example.com");
  bob = await server.connect("bob@example.com");
  carol = await server.connect("carol@example.com");
  await alice.call(Chat.createChat, { addresses: ["bob@example.com"] });
  await alice.call(Chat.createChat, { addresses: ["carol@example.com"] });
});

afterEach(() => server.close());

async function send(client: AccountClient, chatGuid: string, text: string) {
  return (await client.call(Messages.sendTextMessage, { chatGuid, text })).message;
}

function texts(page: { messages: photon.imessage.v1.Message[] }): (string | null | undefined)[] {
  return page.messages.map((message) => message.content?.text);
}

describe("ListChatMessages", () => {
  it("pages newest first with the default page size and a token until the last page", async () => {
    const total = defaultMessagePageSize + 7;
    for (let index = 0; index < total; index += 1) {
      await send(
        index % 2 === 0 ? alice : bob,
        index % 2 === 0 ? aliceToBob : bobToAlice,
        `m${index}`,
      );
    }
    const first = await alice.call(Messages.listChatMessages, { chatGuid: aliceToBob });
    expect(first.messages).toHaveLength(defaultMessagePageSize);
    expect(first.messages[0]?.content?.text).toBe(`m${total - 1}`);
    expect(first.nextPageToken).toEqual(expect.any(String));
    const second = await alice.call(Messages.listChatMessages, {
      chatGuid: aliceToBob,
      pageToken: first.nextPageToken,
    });
    expect(texts(second)).toEqual(Array.from({ length: 7 }, (_, index) => `m${6 - index}`));
    expect(second.nextPageToken ?? null).toBeNull();
  });

  it("shows each message from the caller's side: its chat GUID and isFromMe", async () => {
    const sent = await send(alice, aliceToBob, "hello");
    const fromBob = await bob.call(Messages.listChatMessages, { chatGuid: bobToAlice });
    expect(fromBob.messages).toHaveLength(1);
    expect(fromBob.messages[0]?.guid).toBe(sent.guid);
    expect(fromBob.messages[0]?.isFromMe).toBe(false);
    expect(fromBob.messages[0]?.chatGuids).toEqual([bobToAlice]);
    const got = await bob.call(Messages.getMessage, { messageGuid: sent.guid });
    expect(fromBob.messages[0]?.toJSON()).toEqual(got.message.toJSON());
  });

  it("accepts page sizes 1 and the maximum and refuses anything outside, naming the range", async () => {
    for (let index = 0; index < 3; index += 1) await send(alice, aliceToBob, `m${index}`);
    expect(
      (await alice.call(Messages.listChatMessages, { chatGuid: aliceToBob, pageSize: 1 })).messages,
    ).toHaveLength(1);
    expect(
      (
        await alice.call(Messages.listChatMessages, {
          chatGuid: aliceToBob,
          pageSize: maxMessagePageSize,
        })
      ).messages,
    ).toHaveLength(3);
    for (const pageSize of [0, -1, maxMessagePageSize + 1, 1_000_000]) {
      const failure = await alice.failure(Messages.listChatMessages, {
        chatGuid: aliceToBob,
        pageSize,
      });
      expect(failure.code).toBe(status.INVALID_ARGUMENT);
      expect(failure.details).toContain(
        `page_size must be an integer from 1 to ${maxMessagePageSize}`,
      );
      expect(failure.details).toContain(`received ${pageSize}`);
    }
  });

  it("refuses page tokens it did not issue, or issued for another chat or filter, saying what is allowed", async () => {
    for (let index = 0; index < 3; index += 1) await send(alice, aliceToBob, `m${index}`);
    await send(alice, aliceToCarol, "to carol");
    const page = await alice.call(Messages.listChatMessages, { chatGuid: aliceToBob, pageSize: 1 });
    const token = page.nextPageToken ?? "";
    expect(token).not.toBe("");
    const forged = Buffer.from("m1.999999999.AAAAAAAAAAAAAAAA").toString("base64url");
    const bad = [
      { chatGuid: aliceToBob, pageToken: "not a token!" },
      { chatGuid: aliceToBob, pageToken: "bm9wZQ" },
      { chatGuid: aliceToBob, pageToken: forged },
      { chatGuid: aliceToBob, pageToken: `${token}x` },
      { chatGuid: aliceToCarol, pageToken: token },
      { chatGuid: aliceToBob, pageToken: token, isFromMe: true },
    ];
    for (const request of bad) {
      const failure = await alice.failure(Messages.listChatMessages, request);
      expect(failure.code, JSON.stringify(request)).toBe(status.INVALID_ARGUMENT);
      expect(failure.details).toContain("page_token");
      expect(failure.details).toContain("pass the next_page_token of the previous page unchanged");
    }
    const recent = await alice.failure(Messages.listRecentMessages, { pageToken: token });
    expect(recent.code).toBe(status.INVALID_ARGUMENT);
    expect(recent.details).toContain("another chat or filters");
  });

  it("is NOT_FOUND for a chat the caller does not take part in and INVALID_ARGUMENT for a malformed GUID", async () => {
    await bob.call(Chat.createChat, { addresses: ["carol@example.com"] });
    await send(bob, "any;-;carol@example.com", "private");
    const notMine = await alice.failure(Messages.listChatMessages, {
      chatGuid: "any;-;dave@example.com",
    });
    expect(notMine.code).toBe(status.NOT_FOUND);
    const group = await bob.call(Chat.createChat, {
      addresses: ["carol@example.com", "dave@example.com"],
    });
    const otherGroup = await alice.failure(Messages.listChatMessages, {
      chatGuid: group.chat.guid,
    });
    expect(otherGroup.code).toBe(status.NOT_FOUND);
    const malformed = await alice.failure(Messages.listChatMessages, { chatGuid: "nonsense" });
    expect(malformed.code).toBe(status.INVALID_ARGUMENT);
  });

  it("filters by isFromMe, isRead and a [after, before) window, combined with AND", async () => {
    const mine = await send(alice, aliceToBob, "mine");
    const first = await send(bob, bobToAlice, "theirs 1");
    await alice.call(Chat.markChatRead, { chatGuid: aliceToBob });
    const second = await send(bob, bobToAlice, "theirs 2");
    const list = (filters: Partial<photon.imessage.v1.ListChatMessagesRequest.$Properties>) =>
      alice
        .call(Messages.listChatMessages, { chatGuid: aliceToBob, ...filters })
        .then((page) => page.messages.map((message) => message.guid));
    expect(await list({ isFromMe: true })).toEqual([mine.guid]);
    expect(await list({ isFromMe: false })).toEqual([second.guid, first.guid]);
    expect(await list({ isRead: false })).toEqual([second.guid]);
    expect(await list({ isRead: true })).toEqual([first.guid, mine.guid]);
    expect(await list({ isRead: true, isFromMe: false })).toEqual([first.guid]);
    // Bob has read nothing of Alice's: her message is unread for him.
    const bobUnread = await bob.call(Messages.listChatMessages, {
      chatGuid: bobToAlice,
      isRead: false,
    });
    expect(bobUnread.messages.map((message) => message.guid)).toEqual([mine.guid]);

    // Messages of one test may share a millisecond, so the expected window is computed
    // from the stored dates rather than assumed.
    const ms = (message: photon.imessage.v1.Message) =>
      Number(message.dateCreated?.seconds ?? 0) * 1000 +
      Math.floor((message.dateCreated?.nanos ?? 0) / 1_000_000);
    const stamp = (millis: number) => ({
      seconds: Math.floor(millis / 1000),
      nanos: (millis % 1000) * 1_000_000,
    });
    const newestFirst = [second, first, mine];
    const from = ms(first);
    const until = ms(second) + 1;
    const window = await list({ after: stamp(from), before: stamp(until) });
    expect(window).toEqual(
      newestFirst
        .filter((message) => ms(message) >= from && ms(message) < until)
        .map((message) => message.guid),
    );
    expect(window).toContain(first.guid);
    expect(window).toContain(second.guid);
    expect(await list({ after: stamp(ms(second) + 60_000) })).toEqual([]);
    expect(await list({ before: stamp(ms(mine) - 60_000) })).toEqual([]);
    expect(await list({ after: stamp(ms(mine) - 60_000), isFromMe: false })).toEqual([
      second.guid,
      first.guid,
    ]);
  });

  it("refuses an empty or invalid time window", async () => {
    const now = { seconds: Math.floor(Date.now() / 1000), nanos: 0 };
    const empty = await alice.failure(Messages.listChatMessages, {
      chatGuid: aliceToBob,
      after: now,
      before: now,
    });
    expect(empty.code).toBe(status.INVALID_ARGUMENT);
    expect(empty.details).toContain("after must be earlier than before");
    const invalid = await alice.failure(Messages.listChatMessages, {
      chatGuid: aliceToBob,
      after: { seconds: 1, nanos: -5 },
    });
    expect(invalid.code).toBe(status.INVALID_ARGUMENT);
    expect(invalid.details).toContain("after is not a valid timestamp");
  });
});

describe("ListRecentMessages", () => {
  it("lists every chat the caller takes part in, newest first, and nothing of other chats", async () => {
    const one = await send(alice, aliceToBob, "to bob");
    const two = await send(carol, "any;-;alice@example.com", "from carol");
    await bob.call(Chat.createChat, { addresses: ["carol@example.com"] });
    const hidden = await send(bob, "any;-;carol@example.com", "bob to carol");
    const three = await send(bob, bobToAlice, "from bob");
    const recent = await alice.call(Messages.listRecentMessages, {});
    expect(recent.messages.map((message) => message.guid)).toEqual([
      three.guid,
      two.guid,
      one.guid,
    ]);
    expect(recent.messages.map((message) => message.chatGuids)).toEqual([
      [aliceToBob],
      [aliceToCarol],
      [aliceToBob],
    ]);
    const carolsView = await carol.call(Messages.listRecentMessages, {});
    expect(carolsView.messages.map((message) => message.guid)).toEqual([hidden.guid, two.guid]);
    expect(recent.nextPageToken ?? null).toBeNull();
  });

  it("stops showing a group's messages once the caller has left it", async () => {
    const group = await alice.call(Chat.createChat, {
      addresses: ["bob@example.com", "carol@example.com"],
    });
    const bobsGuid = group.chat.guid;
    await send(alice, group.chat.guid, "group hello");
    expect(
      (await bob.call(Messages.listChatMessages, { chatGuid: bobsGuid })).messages,
    ).toHaveLength(1);
    await bob.call(Groups.leaveGroup, { chatGuid: bobsGuid });
    const gone = await bob.failure(Messages.listChatMessages, { chatGuid: bobsGuid });
    expect(gone.code).toBe(status.NOT_FOUND);
    const recent = await bob.call(Messages.listRecentMessages, {});
    expect(recent.messages.map((message) => message.content?.text)).not.toContain("group hello");
  });

  it("validates page size and token like ListChatMessages", async () => {
    const failure = await alice.failure(Messages.listRecentMessages, { pageSize: 0 });
    expect(failure.code).toBe(status.INVALID_ARGUMENT);
    const token = await alice.failure(Messages.listRecentMessages, { pageToken: "%%%" });
    expect(token.code).toBe(status.INVALID_ARGUMENT);
  });
});

describe("lists read the stored messages, not the log", () => {
  it("retention that dropped the events changes nothing in a listing", async () => {
    await using fixture = await startTestServer({ retention: { maxEvents: 2 } });
    const first = await fixture.accounts.create(["erin@example.com"]);
    await fixture.accounts.create(["frank@example.com"]);
    const erin = connectAccount(fixture.address, first.token);
    try {
      await erin.call(Chat.createChat, { addresses: ["frank@example.com"] });
      for (let index = 0; index < 6; index += 1) {
        await erin.call(Messages.sendTextMessage, {
          chatGuid: "any;-;frank@example.com",
          text: `kept ${index}`,
        });
      }
      expect((await erin.catchUp()).length).toBeLessThanOrEqual(2);
      const page = await erin.call(Messages.listChatMessages, {
        chatGuid: "any;-;frank@example.com",
      });
      expect(texts(page)).toEqual([5, 4, 3, 2, 1, 0].map((index) => `kept ${index}`));
      const recent = await erin.call(Messages.listRecentMessages, {});
      expect(texts(recent)).toEqual(texts(page));
    } finally {
      erin.close();
    }
  });
});

describe("a long chat", () => {
  it("pages through 1,000 seeded messages at page size 100: ten full pages, newest first, every message once", async () => {
    await using fixture = await startTestServer();
    const reader = await fixture.accounts.create(["reader@example.com"]);
    const writer = await fixture.accounts.create(["writer@example.com"]);
    await seedChatMessages(fixture.server.store, {
      sender: { accountId: writer.account.id, address: "writer@example.com" },
      recipient: "reader@example.com",
      count: 1000,
    });
    const client = connectAccount(fixture.address, reader.token);
    try {
      const seen: string[] = [];
      let pageToken: string | undefined;
      let pages = 0;
      do {
        const page = await client.call(Messages.listChatMessages, {
          chatGuid: "any;-;writer@example.com",
          pageSize: 100,
          ...(pageToken === undefined ? {} : { pageToken }),
        });
        expect(page.messages).toHaveLength(100);
        seen.push(...page.messages.map((message) => message.content?.text ?? ""));
        pageToken = page.nextPageToken ?? undefined;
        pages += 1;
      } while (pageToken !== undefined);
      expect(pages).toBe(10);
      expect(seen).toEqual(
        Array.from({ length: 1000 }, (_, index) => `seeded message ${1000 - index}`),
      );
    } finally {
      client.close();
    }
  });
});
