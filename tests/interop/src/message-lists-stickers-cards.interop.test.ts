import {
  type AdvancedIMessage,
  createGrpcClient,
  NotFoundError,
  type MessageEvent as PublishedMessageEvent,
  ValidationError,
} from "@photon-ai/advanced-imessage/grpc";
import type { Message } from "@threadline/core";
import type { MessageStreamEvent } from "@threadline/messages";
import { describe, expect, it } from "vitest";
import { collect, comparable } from "./comparable.js";
import { type InteropFixture, startInteropFixture } from "./fixture.js";
import { withMessages } from "./messages-fixture.js";
import { collectInBackground } from "./stream-collector.js";

async function startInterop() {
  const fixture = await startInteropFixture();
  const alice = withMessages(fixture, fixture.alice);
  const bob = withMessages(fixture, fixture.bob);
  const carol = withMessages(fixture, fixture.carol);
  await alice.threadline.chats.create([bob.address]);
  await alice.threadline.chats.create([carol.address]);
  return {
    fixture,
    alice,
    bob,
    carol,
    aliceToBob: `any;-;${bob.address}`,
    bobToAlice: `any;-;${alice.address}`,
    aliceToCarol: `any;-;${carol.address}`,
    async [Symbol.asyncDispose]() {
      for (const someone of [alice, bob, carol]) await someone.threadline.close();
      await fixture[Symbol.asyncDispose]();
    },
  };
}

/** A core message without `replyToGuid`, the one field the published `Message` lacks. */
function publishedShape(message: Message): Omit<Message, "replyToGuid"> {
  const { replyToGuid: _replyToGuid, ...rest } = message;
  return rest;
}

/** A whole page from our SDK in the published client's shape. */
function ourPage(page: { messages: readonly Message[]; nextPageToken?: string }) {
  return comparable({
    messages: page.messages.map(publishedShape),
    nextPageToken: page.nextPageToken,
  });
}

/** Drops what differs between two writes of the same thing: GUIDs, times, card sessions. */
function withoutIdentity(value: unknown): unknown {
  if (Array.isArray(value)) return value.map(withoutIdentity);
  if (value instanceof Date) return "<date>";
  if (value instanceof Uint8Array) return value;
  if (typeof value === "object" && value !== null) {
    const result: Record<string, unknown> = {};
    for (const [key, field] of Object.entries(value)) {
      if (field === undefined) continue;
      if (["guid", "messageGuid", "sessionId", "targetMessageGuid"].includes(key)) {
        result[key] = "<id>";
      } else {
        result[key] = withoutIdentity(field);
      }
    }
    return result;
  }
  return value;
}

const jpeg = Uint8Array.from([0xff, 0xd8, 0xff, 0xe0, 0, 0x10, 0x4a, 0x46, 0x49, 0x46, 3, 1, 4]);
const png = Buffer.concat([
  Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]),
  Buffer.from("0000000d49484452000000100000001008060000001ff3ff61", "hex"),
  Buffer.alloc(48, 5),
]);
const card = {
  teamId: "ABCDE12345",
  extensionBundleId: "com.example.game.messages",
  appName: "Example Game",
  url: "https://example.com/game/7",
  layout: { caption: "Your move", subcaption: "Round 1", summary: "Example Game" },
  appStoreId: 987654321,
};

/** The published client's message stream, known to be registered (it has seen a heartbeat). */
async function openPublishedMessages(fixture: InteropFixture, token: string) {
  let heartbeat: () => void = () => undefined;
  const registered = new Promise<void>((resolve) => {
    heartbeat = resolve;
  });
  const client: AdvancedIMessage = createGrpcClient({
    address: fixture.server.address,
    token,
    tls: false,
    onHeartbeat: () => heartbeat(),
  });
  const collector = collectInBackground<PublishedMessageEvent>(client.messages.subscribeEvents());
  await Promise.race([registered, collector.until(() => false)]);
  return {
    collector,
    async close() {
      await collector.close();
      await client[Symbol.asyncDispose]();
    },
  };
}

/** Our stream in the published client's shape (`replyToGuid` dropped from received messages). */
function publishedEvent(event: MessageStreamEvent) {
  return event.type === "message.received"
    ? { ...event, message: publishedShape(event.message) }
    : event;
}

describe("message lists through the published client and @threadline/messages", () => {
  it("listRecent and listInChat return the same pages and tokens, and each client follows the other's token", async () => {
    await using setup = await startInterop();
    const { alice, bob, carol, aliceToBob, bobToAlice, aliceToCarol } = setup;
    for (let index = 0; index < 7; index += 1) {
      await alice.threadline.messages.sendText(aliceToBob, `to bob ${index}`);
      await bob.photon.messages.sendText(bobToAlice, `to alice ${index}`);
      if (index % 3 === 0)
        await carol.threadline.messages.sendText(`any;-;${alice.address}`, `c${index}`);
    }
    await alice.threadline.chats.markRead(aliceToBob);
    await bob.threadline.messages.sendText(bobToAlice, "unread one");
    const filters = [
      {},
      { pageSize: 3 },
      { pageSize: 4, isFromMe: false },
      { isRead: false },
      { isRead: true, pageSize: 5 },
      { after: new Date(Date.now() - 60_000), before: new Date(Date.now() + 60_000), pageSize: 6 },
    ];
    for (const filter of filters) {
      const publishedRecent = await alice.photon.messages.listRecent(filter);
      const ourRecent = await alice.threadline.messages.listRecent(filter);
      expect(ourPage(ourRecent), JSON.stringify(filter)).toStrictEqual(comparable(publishedRecent));
      const publishedChat = await alice.photon.messages.listInChat(aliceToBob, filter);
      const ourChat = await alice.threadline.messages.listInChat(aliceToBob, filter);
      expect(ourPage(ourChat), JSON.stringify(filter)).toStrictEqual(comparable(publishedChat));
    }
    expect((await alice.photon.messages.listInChat(aliceToCarol)).messages).toHaveLength(3);

    // Page through with alternating clients: the token of one continues in the other.
    const guids: string[] = [];
    let token: string | undefined;
    let turn = 0;
    do {
      const options = { pageSize: 4, ...(token === undefined ? {} : { pageToken: token }) };
      const page =
        turn % 2 === 0
          ? await alice.photon.messages.listInChat(aliceToBob, options)
          : await alice.threadline.messages.listInChat(aliceToBob, options);
      guids.push(...page.messages.map((message) => message.guid));
      token = page.nextPageToken;
      turn += 1;
    } while (token !== undefined);
    const everything = await alice.threadline.messages.listInChat(aliceToBob, { pageSize: 100 });
    expect(guids).toEqual(everything.messages.map((message) => message.guid));
    expect(guids).toHaveLength(15);
  });

  it("both clients see the same rejections: a page size out of range, a foreign token, an unknown chat", async () => {
    await using setup = await startInterop();
    const { alice, aliceToBob, aliceToCarol } = setup;
    await alice.threadline.messages.sendText(aliceToBob, "a");
    await alice.threadline.messages.sendText(aliceToBob, "b");
    const { nextPageToken } = await alice.threadline.messages.listInChat(aliceToBob, {
      pageSize: 1,
    });
    expect(nextPageToken).toEqual(expect.any(String));
    await expect(alice.photon.messages.listRecent({ pageSize: 101 })).rejects.toBeInstanceOf(
      ValidationError,
    );
    await expect(alice.threadline.messages.listRecent({ pageSize: 101 })).rejects.toMatchObject({
      code: "INVALID_ARGUMENT",
    });
    const foreign = { pageToken: nextPageToken ?? "" };
    await expect(alice.photon.messages.listInChat(aliceToCarol, foreign)).rejects.toBeInstanceOf(
      ValidationError,
    );
    await expect(alice.threadline.messages.listInChat(aliceToCarol, foreign)).rejects.toMatchObject(
      {
        code: "INVALID_ARGUMENT",
      },
    );
    await expect(
      alice.photon.messages.listInChat("any;-;nobody@example.com"),
    ).rejects.toBeInstanceOf(NotFoundError);
    await expect(
      alice.threadline.messages.listInChat("any;-;nobody@example.com"),
    ).rejects.toMatchObject({
      code: "NOT_FOUND",
    });
  });
});

describe("stickers, notify anyway, mini-app cards and embedded media through both clients", () => {
  it("the same sticker, card, update and notification give the same messages and the same live and catch-up events", async () => {
    await using setup = await startInterop();
    const { alice, bob, aliceToBob, bobToAlice } = setup;
    const first = await alice.threadline.messages.sendText(aliceToBob, "sticker target");
    const second = await alice.threadline.messages.sendText(aliceToBob, "sticker target");
    const { headSequence: before } = await bob.threadline.events.getLogInfo();
    const live = await openPublishedMessages(setup.fixture, bob.token);
    const ours = bob.threadline.messages.subscribeEvents({ chat: bobToAlice });
    await ours.ready;
    const oursCollector = collectInBackground(ours);
    try {
      const sticker = (await bob.photon.attachments.upload({ fileName: "star.png", data: png }))
        .attachment.guid;
      const placement = { x: 0.4, y: 0.6, scale: 1.25, rotation: 0.3, width: 0.5 };
      const viaPublished = await bob.photon.messages.placeSticker(
        bobToAlice,
        first.guid,
        sticker,
        placement,
      );
      const viaOurs = await bob.threadline.messages.placeSticker(
        bobToAlice,
        second.guid,
        sticker,
        placement,
      );
      expect(viaOurs.placedStickers).toHaveLength(1);
      expect(withoutIdentity(publishedShape(viaOurs))).toStrictEqual(withoutIdentity(viaPublished));

      await alice.photon.messages.notifySilenced(aliceToBob, first.guid);
      await alice.threadline.messages.notifySilenced(aliceToBob, second.guid);

      const publishedCard = await alice.photon.messages.sendCustomizedMiniApp(aliceToBob, card);
      const ourCard = await alice.threadline.messages.sendCustomizedMiniApp(aliceToBob, card);
      expect(withoutIdentity(ourCard)).toStrictEqual(withoutIdentity(publishedCard));
      expect(publishedCard.miniAppCardSession.messageGuid).toBe(publishedCard.guid);
      const update = {
        ...card,
        layout: { caption: "Bob's move", image: jpeg, imageTitle: "Board" },
        live: true,
      };
      const publishedUpdate = await alice.photon.messages.updateCustomizedMiniApp(
        publishedCard.miniAppCardSession,
        update,
      );
      const ourUpdate = await alice.threadline.messages.updateCustomizedMiniApp(
        ourCard.miniAppCardSession,
        update,
      );
      expect(publishedUpdate.miniAppCardSession).toEqual(publishedCard.miniAppCardSession);
      expect(ourUpdate.miniAppCardSession).toEqual(ourCard.miniAppCardSession);
      expect(withoutIdentity(ourUpdate)).toStrictEqual(withoutIdentity(publishedUpdate));
      // Each client can update the card the other one sent.
      await alice.threadline.messages.updateCustomizedMiniApp(
        publishedCard.miniAppCardSession,
        update,
      );
      await alice.photon.messages.updateCustomizedMiniApp(ourCard.miniAppCardSession, update);

      for (const guid of [first.guid, second.guid, publishedCard.guid, ourCard.guid]) {
        const [published, threadline] = await Promise.all([
          bob.photon.messages.get(guid),
          bob.threadline.messages.get(guid),
        ]);
        expect(comparable(publishedShape(threadline))).toStrictEqual(comparable(published));
      }
      expect((await bob.photon.messages.get(first.guid)).didNotifyRecipient).toBe(true);
      expect((await bob.photon.messages.get(second.guid)).didNotifyRecipient).toBe(true);
      expect((await bob.photon.messages.get(ourCard.guid)).content.miniApp?.layout).toMatchObject({
        caption: "Bob's move",
      });

      for (const guid of [publishedCard.guid, ourCard.guid]) {
        const publishedMedia = await bob.photon.messages.getEmbeddedMedia(bobToAlice, guid);
        const ourMedia = await bob.threadline.messages.getEmbeddedMedia(bobToAlice, guid);
        expect(publishedMedia.mimeType).toBe("image/jpeg");
        expect([...publishedMedia.data]).toEqual([...jpeg]);
        expect({ mimeType: ourMedia.mimeType, data: [...ourMedia.data] }).toEqual({
          mimeType: publishedMedia.mimeType,
          data: [...publishedMedia.data],
        });
      }
      await expect(
        bob.photon.messages.getEmbeddedMedia(bobToAlice, first.guid),
      ).rejects.toBeInstanceOf(NotFoundError);
      await expect(
        bob.threadline.messages.getEmbeddedMedia(bobToAlice, first.guid),
      ).rejects.toMatchObject({
        code: "NOT_FOUND",
      });

      // 2 stickers, 2 cards received, 4 card updates: 8 message events for Bob.
      await live.collector.until((events) => events.length >= 8);
      await oursCollector.until((events) => events.length >= 8);
      const types = live.collector.events.map((event) => event.type);
      expect(types).toEqual([
        "message.stickerPlaced",
        "message.stickerPlaced",
        "message.received",
        "message.received",
        "message.edited",
        "message.edited",
        "message.edited",
        "message.edited",
      ]);
      expect(comparable(oursCollector.events.slice(0, 8).map(publishedEvent))).toStrictEqual(
        comparable(live.collector.events.slice(0, 8)),
      );
      const caughtUpByPublished = await collect(bob.photon.events.catchUp(before));
      const caughtUpByOurs = await collect(bob.threadline.events.catchUp(before));
      expect(caughtUpByPublished.map((event) => event.type)).toEqual([
        ...types,
        "catchup.complete",
      ]);
      expect(comparable(caughtUpByOurs)).toStrictEqual(comparable(caughtUpByPublished));
      const placed = caughtUpByPublished[0];
      expect(placed?.type === "message.stickerPlaced" ? placed.sticker?.guid : undefined).toBe(
        sticker,
      );
    } finally {
      await oursCollector.close();
      await live.close();
    }
  });

  it("both clients meet the same server rejections for stickers, notifications and cards", async () => {
    await using setup = await startInterop();
    const { alice, bob, carol, aliceToBob, bobToAlice } = setup;
    const message = await alice.threadline.messages.sendText(aliceToBob, "target");
    const sticker = (await carol.photon.attachments.upload({ fileName: "mine.png", data: png }))
      .attachment.guid;
    // Carol's sticker is invisible to Bob: NOT_FOUND in both.
    await expect(
      bob.photon.messages.placeSticker(bobToAlice, message.guid, sticker, { x: 0, y: 0 }),
    ).rejects.toBeInstanceOf(NotFoundError);
    await expect(
      bob.threadline.messages.placeSticker(bobToAlice, message.guid, sticker, { x: 0, y: 0 }),
    ).rejects.toMatchObject({ code: "NOT_FOUND" });
    // The published client sends an out-of-range placement; the server refuses it.
    await expect(
      alice.photon.messages.placeSticker(aliceToBob, message.guid, sticker, { x: 3, y: 0 }),
    ).rejects.toBeInstanceOf(ValidationError);
    // Only the sender can notify anyway.
    await expect(bob.photon.messages.notifySilenced(bobToAlice, message.guid)).rejects.toThrow(
      /only its sender can notify/,
    );
    await expect(
      bob.threadline.messages.notifySilenced(bobToAlice, message.guid),
    ).rejects.toMatchObject({
      code: "FAILED_PRECONDITION",
    });
    // An empty layout and a lower-case Team ID are refused for both.
    await expect(
      alice.photon.messages.sendCustomizedMiniApp(aliceToBob, { ...card, layout: {} }),
    ).rejects.toBeInstanceOf(ValidationError);
    await expect(
      alice.threadline.messages.sendCustomizedMiniApp(aliceToBob, { ...card, layout: {} }),
    ).rejects.toMatchObject({ code: "INVALID_ARGUMENT" });
    await expect(
      alice.photon.messages.sendCustomizedMiniApp(aliceToBob, { ...card, teamId: "abcde12345" }),
    ).rejects.toBeInstanceOf(ValidationError);
    expect((await bob.threadline.events.getLogInfo()).headSequence).toBe(1);
  });
});
