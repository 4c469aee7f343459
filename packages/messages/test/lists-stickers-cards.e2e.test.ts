import { createServer } from "node:net";
import {
  ConnectionError,
  createClient,
  NotFoundError,
  type ValidationError,
} from "@threadline/core";
import { AttachmentServiceDefinition } from "@threadline/protocol";
import { createRawClient } from "@threadline/server/testing";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { maxMessagePageSize, messages } from "../src/index.js";
import { aliceToBob, bobToAlice, startMessagesFixture } from "./messages-fixture.js";

const jpeg = Uint8Array.from([0xff, 0xd8, 0xff, 0xe0, 0, 0x10, 0x4a, 0x46, 0x49, 0x46, 7, 7]);
const png = Buffer.concat([
  Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]),
  Buffer.from("0000000d49484452000000100000001008060000001ff3ff61", "hex"),
  Buffer.alloc(32, 1),
]);
const card = {
  teamId: "ABCDE12345",
  extensionBundleId: "com.example.game.messages",
  appName: "Example Game",
  url: "https://example.com/game/1",
  layout: { caption: "Your move" },
  appStoreId: 42,
};

async function upload(address: string, token: string, data: Uint8Array): Promise<string> {
  const client = createRawClient(address, token);
  try {
    const outcome = await client.call(AttachmentServiceDefinition.uploadAttachment, {
      fileName: "sticker.png",
      data,
    });
    if (!outcome.ok) throw new Error(`upload failed: ${outcome.details}`);
    return outcome.response.attachment?.guid ?? "";
  } finally {
    client.close();
  }
}

describe("im.messages lists, stickers, notify anyway, embedded media and mini-app cards", () => {
  it("listRecent and listInChat page newest first and follow nextPageToken to the end", async () => {
    await using fixture = await startMessagesFixture();
    const sent: string[] = [];
    for (let index = 0; index < 5; index += 1) {
      sent.push((await fixture.alice.messages.sendText(aliceToBob, `n${index}`)).guid);
    }
    const first = await fixture.bob.messages.listInChat(bobToAlice, { pageSize: 2 });
    expect(first.messages.map((message) => message.guid)).toEqual([sent[4], sent[3]]);
    expect(first.messages[0]?.isFromMe).toBe(false);
    const seen = [...first.messages];
    let token = first.nextPageToken;
    while (token !== undefined) {
      const page = await fixture.bob.messages.listInChat(bobToAlice, {
        pageSize: 2,
        pageToken: token,
      });
      seen.push(...page.messages);
      token = page.nextPageToken;
    }
    expect(seen.map((message) => message.guid)).toEqual([...sent].reverse());
    const recent = await fixture.alice.messages.listRecent({ isFromMe: true });
    expect(recent.messages.map((message) => message.guid)).toEqual([...sent].reverse());
    expect(recent.nextPageToken).toBeUndefined();
    const unread = await fixture.bob.messages.listRecent({ isRead: false, after: new Date(0) });
    expect(unread.messages).toHaveLength(5);
  });

  it("placeSticker and notifySilenced change the message as everyone reads it", async () => {
    await using fixture = await startMessagesFixture();
    const message = await fixture.alice.messages.sendText(aliceToBob, "sticker me");
    const sticker = await upload(fixture.server.address, fixture.tokens.bob, png);
    const placed = await fixture.bob.messages.placeSticker(bobToAlice, message.guid, sticker, {
      x: 0.5,
      y: 0.25,
      scale: 2,
    });
    expect(placed.placedStickers).toHaveLength(1);
    expect(placed.placedStickers[0]?.sticker?.guid).toBe(sticker);
    expect(placed.placedStickers[0]?.sticker?.isSticker).toBe(true);
    expect(placed.placedStickers[0]?.placement).toEqual({ x: 0.5, y: 0.25, scale: 2 });
    expect(placed.placedStickers[0]?.isFromMe).toBe(true);
    await fixture.alice.messages.notifySilenced(aliceToBob, message.guid);
    const read = await fixture.bob.messages.get(message.guid);
    expect(read.didNotifyRecipient).toBe(true);
    expect(read.placedStickers[0]?.isFromMe).toBe(true);
    const ownView = await fixture.alice.messages.get(message.guid);
    expect(ownView.placedStickers[0]?.isFromMe).toBe(false);
    expect(ownView.placedStickers[0]?.sender?.address).toBe("bob@example.com");
    await expect(
      fixture.bob.messages.notifySilenced(bobToAlice, message.guid),
    ).rejects.toMatchObject({ code: "FAILED_PRECONDITION" });
  });

  it("sendCustomizedMiniApp returns the card and its session; updateCustomizedMiniApp replaces it; getEmbeddedMedia returns its JPEG", async () => {
    await using fixture = await startMessagesFixture();
    const sent = await fixture.alice.messages.sendCustomizedMiniApp(aliceToBob, card, {
      clientMessageId: "card-sdk-1",
    });
    expect(sent.content.miniApp?.teamId).toBe("ABCDE12345");
    expect(sent.content.miniApp?.appStoreId).toBe(42);
    expect(sent.content.miniApp?.live).toBe(false);
    expect(sent.miniAppCardSession.messageGuid).toBe(sent.guid);
    const retry = await fixture.alice.messages.sendCustomizedMiniApp(aliceToBob, card, {
      clientMessageId: "card-sdk-1",
    });
    expect(retry.guid).toBe(sent.guid);
    const updated = await fixture.alice.messages.updateCustomizedMiniApp(sent.miniAppCardSession, {
      ...card,
      layout: { caption: "Bob's move", image: jpeg, imageTitle: "Board" },
      live: true,
    });
    expect(updated.guid).toBe(sent.guid);
    expect(updated.miniAppCardSession).toEqual(sent.miniAppCardSession);
    expect(updated.content.miniApp?.layout).toEqual({ caption: "Bob's move", imageTitle: "Board" });
    expect(updated.dateEdited).toBeInstanceOf(Date);
    const media = await fixture.bob.messages.getEmbeddedMedia(bobToAlice, sent.guid);
    expect(media.mimeType).toBe("image/jpeg");
    expect([...media.data]).toEqual([...jpeg]);
    const plain = await fixture.alice.messages.sendText(aliceToBob, "no media");
    await expect(
      fixture.alice.messages.getEmbeddedMedia(aliceToBob, plain.guid),
    ).rejects.toBeInstanceOf(NotFoundError);
  });

  it("the server's INVALID_ARGUMENT for a page token it did not issue reaches the caller as ValidationError", async () => {
    await using fixture = await startMessagesFixture();
    await expect(
      fixture.alice.messages.listInChat(aliceToBob, { pageToken: "bm90LWEtdG9rZW4" }),
    ).rejects.toMatchObject({ code: "INVALID_ARGUMENT" });
  });
});

describe("the new methods check their arguments before any network call", () => {
  let im: ReturnType<typeof offline>;
  function offline(port: number) {
    return createClient({
      address: `127.0.0.1:${port}`,
      token: "unused",
      tls: false,
      timeoutMs: 2_000,
      retry: false,
      resources: { messages },
    });
  }
  beforeAll(async () => {
    const listener = createServer();
    await new Promise<void>((resolve) => listener.listen(0, "127.0.0.1", resolve));
    const address = listener.address();
    await new Promise<void>((resolve) => listener.close(() => resolve()));
    if (address === null || typeof address === "string") throw new Error("no TCP port");
    im = offline(address.port);
  });
  afterAll(async () => {
    await im.close();
  });

  const guid = "3F2B8C1E-0000-4000-8000-000000000001";
  const session = {
    chatGuid: aliceToBob,
    messageGuid: guid,
    sessionId: "S",
    targetMessageGuid: guid,
  };

  it("a valid call reaches the (closed) network, so the rejections below never did", async () => {
    await expect(im.messages.listRecent()).rejects.toBeInstanceOf(ConnectionError);
  });

  const cases: ReadonlyArray<readonly [string, () => Promise<unknown>, RegExp]> = [
    [
      "pageSize 0",
      () => im.messages.listRecent({ pageSize: 0 }),
      /options\.pageSize must be an integer from 1 to 100/,
    ],
    [
      "pageSize above the maximum",
      () => im.messages.listInChat(aliceToBob, { pageSize: maxMessagePageSize + 1 }),
      /options\.pageSize/,
    ],
    ["a blank page token", () => im.messages.listRecent({ pageToken: "" }), /options\.pageToken/],
    [
      "an invalid Date",
      () => im.messages.listRecent({ before: new Date(Number.NaN) }),
      /options\.before must be a valid Date/,
    ],
    [
      "after not before before",
      () => im.messages.listRecent({ after: new Date(2000), before: new Date(1000) }),
      /options\.after must be a time earlier than options\.before/,
    ],
    [
      "a non-boolean isRead",
      () => im.messages.listRecent({ isRead: "yes" as unknown as boolean }),
      /options\.isRead/,
    ],
    ["a malformed chat", () => im.messages.listInChat("bob"), /^chat must be a chat GUID/],
    [
      "a malformed sticker GUID",
      () => im.messages.placeSticker(aliceToBob, guid, "has space", { x: 0, y: 0 }),
      /^sticker must be an attachment GUID/,
    ],
    [
      "x outside 0..1",
      () => im.messages.placeSticker(aliceToBob, guid, guid, { x: 2, y: 0 }),
      /^placement\.x must be a number from 0 to 1/,
    ],
    [
      "rotation NaN",
      () => im.messages.placeSticker(aliceToBob, guid, guid, { x: 0, y: 0, rotation: Number.NaN }),
      /^placement\.rotation/,
    ],
    [
      "scale 0",
      () => im.messages.placeSticker(aliceToBob, guid, guid, { x: 0, y: 0, scale: 0 }),
      /^placement\.scale/,
    ],
    [
      "partIndex -1",
      () => im.messages.placeSticker(aliceToBob, guid, guid, { x: 0, y: 0 }, { partIndex: -1 }),
      /^options\.partIndex/,
    ],
    [
      "notifySilenced without a message GUID",
      () => im.messages.notifySilenced(aliceToBob, ""),
      /^message must be a message GUID/,
    ],
    [
      "getEmbeddedMedia with a malformed chat",
      () => im.messages.getEmbeddedMedia("nope", guid),
      /^chat must be a chat GUID/,
    ],
    [
      "a lower-case team id",
      () => im.messages.sendCustomizedMiniApp(aliceToBob, { ...card, teamId: "abcde12345" }),
      /^message\.teamId must be an Apple Team ID/,
    ],
    [
      "a bundle id with a colon",
      () => im.messages.sendCustomizedMiniApp(aliceToBob, { ...card, extensionBundleId: "a:b.c" }),
      /^message\.extensionBundleId/,
    ],
    [
      "an ftp URL",
      () => im.messages.sendCustomizedMiniApp(aliceToBob, { ...card, url: "ftp://x/y" }),
      /^message\.url must be an absolute http or https URL/,
    ],
    [
      "appStoreId 0",
      () => im.messages.sendCustomizedMiniApp(aliceToBob, { ...card, appStoreId: 0 }),
      /^message\.appStoreId/,
    ],
    [
      "an empty layout",
      () => im.messages.sendCustomizedMiniApp(aliceToBob, { ...card, layout: { summary: "s" } }),
      /^message\.layout must be at least one of/,
    ],
    [
      "an image without a title",
      () => im.messages.sendCustomizedMiniApp(aliceToBob, { ...card, layout: { image: jpeg } }),
      /^message\.layout\.imageTitle is missing while message\.layout\.image is set/,
    ],
    [
      "a PNG image",
      () =>
        im.messages.sendCustomizedMiniApp(aliceToBob, {
          ...card,
          layout: { image: png, imageTitle: "t" },
        }),
      /^message\.layout\.image must be the bytes of a JPEG/,
    ],
    [
      "a session without an id",
      () => im.messages.updateCustomizedMiniApp({ ...session, sessionId: "" }, card),
      /^session\.sessionId/,
    ],
    [
      "a session with a malformed chat",
      () => im.messages.updateCustomizedMiniApp({ ...session, chatGuid: "x" }, card),
      /^session\.chatGuid must be a chat GUID/,
    ],
  ];

  it.each(cases)("%s is a ValidationError naming the argument", async (_name, call, message) => {
    const error: ValidationError = await call().then(
      () => {
        throw new Error("expected a ValidationError");
      },
      (caught: ValidationError) => caught,
    );
    expect(error.code).toBe("INVALID_ARGUMENT");
    expect(error.message).toMatch(message);
  });
});
