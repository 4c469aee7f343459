import { status } from "@grpc/grpc-js";
import {
  ChatServiceDefinition as Chat,
  MessageServiceDefinition as Messages,
  type photon,
} from "@threadline/protocol";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import type { AccountClient } from "./domain-client.js";
import { type DomainTestServer, startDomainTestServer } from "./domain-fixture.js";

let server: DomainTestServer;
let alice: AccountClient;
let bob: AccountClient;
let carol: AccountClient;
const aliceToBob = "any;-;bob@example.com";
const bobToAlice = "any;-;alice@example.com";

beforeEach(async () => {
  server = await startDomainTestServer();
  alice = await server.connect("alice@example.com");
  bob = await server.connect("bob@example.com");
  carol = await server.connect("carol@example.com");
  await alice.call(Chat.createChat, { addresses: ["bob@example.com"] });
});

afterEach(() => server.close());

/** The leading bytes of a JPEG file, then some payload. */
const jpeg = Uint8Array.from([0xff, 0xd8, 0xff, 0xe0, 0x00, 0x10, 0x4a, 0x46, 0x49, 0x46, 1, 2, 3]);
const png = Uint8Array.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a, 0, 0, 0, 0]);

const card = {
  chatGuid: aliceToBob,
  teamId: "ABCDE12345",
  extensionBundleId: "com.example.game.messages",
  appName: "Example Game",
  url: "https://example.com/game/42",
  layout: { caption: "Your move", subcaption: "Round 3", summary: "A game of Example" },
  appStoreId: 1234567890,
  live: true,
} satisfies photon.imessage.v1.SendCustomizedMiniAppMessageRequest.$Properties;

const balloonId =
  "com.apple.messages.MSMessageExtensionBalloonPlugin:ABCDE12345:com.example.game.messages";

describe("SendCustomizedMiniAppMessage", () => {
  it("stores the card, returns its session and delivers message.received with mini_app to both sides", async () => {
    const sent = await alice.call(Messages.sendCustomizedMiniAppMessage, card);
    const session = sent.miniAppCardSession;
    expect(session?.messageGuid).toBe(sent.message.guid);
    expect(session?.targetMessageGuid).toBe(sent.message.guid);
    expect(session?.chatGuid).toBe(aliceToBob);
    expect(session?.sessionId).toMatch(/^[0-9A-F-]{36}$/);
    const content = sent.message.content;
    expect(content?.balloonBundleId).toBe(balloonId);
    expect(content?.text ?? null).toBeNull();
    expect(content?.miniApp?.toJSON()).toEqual({
      teamId: "ABCDE12345",
      extensionBundleId: "com.example.game.messages",
      appName: "Example Game",
      url: "https://example.com/game/42",
      sessionId: session?.sessionId,
      // toJSON writes int64 as a string, as proto3 JSON does.
      appStoreId: "1234567890",
      live: true,
      layout: { caption: "Your move", subcaption: "Round 3", summary: "A game of Example" },
    });
    const [bobEvent] = await bob.catchUp();
    const received = bobEvent?.messageChanged?.messageReceived?.message;
    expect(received?.guid).toBe(sent.message.guid);
    expect(received?.isFromMe).toBe(false);
    expect(received?.content?.miniApp?.sessionId).toBe(session?.sessionId);
    expect(received?.content?.balloonBundleId).toBe(balloonId);
    const got = await bob.call(Messages.getMessage, { messageGuid: sent.message.guid });
    expect(got.message.content?.toJSON()).toEqual(received?.content?.toJSON());
  });

  it("is idempotent with a client key: a retry returns the first card and writes nothing more", async () => {
    const first = await alice.call(Messages.sendCustomizedMiniAppMessage, {
      ...card,
      clientMessageId: "card-1",
    });
    const retry = await alice.call(Messages.sendCustomizedMiniAppMessage, {
      ...card,
      clientMessageId: "card-1",
    });
    expect(retry.message.guid).toBe(first.message.guid);
    expect(retry.miniAppCardSession?.sessionId).toBe(first.miniAppCardSession?.sessionId);
    expect(await bob.catchUp()).toHaveLength(1);
    const reused = await alice.failure(Messages.sendCustomizedMiniAppMessage, {
      ...card,
      url: "https://example.com/other",
      clientMessageId: "card-1",
    });
    expect(reused.errorCode).toBe("IDEMPOTENCY_KEY_REUSED");
  });

  it.each([
    [{ teamId: "abcde12345" }, "team_id must be an Apple Team ID"],
    [{ teamId: "ABC" }, "team_id must be an Apple Team ID"],
    [{ extensionBundleId: "com.example:game" }, "extension_bundle_id must be a bundle identifier"],
    [{ extensionBundleId: "" }, "extension_bundle_id must be a bundle identifier"],
    [{ appName: " " }, "app_name must not be empty"],
    [{ url: "ftp://example.com/x" }, "url must be an absolute http or https URL"],
    [{ url: "/relative" }, "url must be an absolute http or https URL"],
    [{ appStoreId: 0 }, "app_store_id must be a positive App Store id"],
    [{ appStoreId: -4 }, "app_store_id must be a positive App Store id"],
    [{ layout: {} }, "layout is empty"],
    [{ layout: { summary: "only a summary" } }, "layout is empty"],
    [{ layout: { image: jpeg } }, "layout.image and layout.image_title go together"],
    [
      { layout: { caption: "x", imageTitle: "t" } },
      "layout.image and layout.image_title go together",
    ],
    [{ layout: { caption: "x", imageSubtitle: "s" } }, "layout.image_subtitle needs layout.image"],
    [{ layout: { image: png, imageTitle: "t" } }, "layout.image must be the bytes of a JPEG"],
    [{ layout: { caption: "x".repeat(1001) } }, "layout.caption is 1001 characters long"],
  ] as const)("refuses %j as INVALID_ARGUMENT and stores nothing", async (change, message) => {
    const failure = await alice.failure(Messages.sendCustomizedMiniAppMessage, {
      ...card,
      ...change,
    });
    expect(failure.code).toBe(status.INVALID_ARGUMENT);
    expect(failure.details).toContain(message);
    expect(await bob.catchUp()).toHaveLength(0);
  });

  it("refuses a layout without any layout and a chat the caller is not in", async () => {
    const { layout: _layout, ...noLayout } = card;
    const missing = await alice.failure(Messages.sendCustomizedMiniAppMessage, noLayout);
    expect(missing.code).toBe(status.INVALID_ARGUMENT);
    expect(missing.details).toContain("layout is required");
    const notMine = await carol.failure(Messages.sendCustomizedMiniAppMessage, {
      ...card,
      chatGuid: "any;-;dave@example.com",
    });
    expect(notMine.code).toBe(status.NOT_FOUND);
  });

  it("cannot be edited as text: FAILED_PRECONDITION pointing at the update RPC", async () => {
    const sent = await alice.call(Messages.sendCustomizedMiniAppMessage, card);
    const failure = await alice.failure(Messages.editMessage, {
      target: { chatGuid: aliceToBob, messageGuid: sent.message.guid },
      newText: "text now",
    });
    expect(failure.code).toBe(status.FAILED_PRECONDITION);
    expect(failure.details).toContain("UpdateCustomizedMiniAppMessage");
  });
});

describe("UpdateCustomizedMiniAppMessage", () => {
  async function sendCard() {
    const sent = await alice.call(Messages.sendCustomizedMiniAppMessage, card);
    const session = sent.miniAppCardSession;
    if (session === null || session === undefined) throw new Error("no session");
    return { sent, session };
  }

  it("replaces the card in place: same message and session, message.edited with the new content", async () => {
    const { sent, session } = await sendCard();
    const updated = await alice.call(Messages.updateCustomizedMiniAppMessage, {
      ...card,
      session,
      layout: { caption: "Bob's move", image: jpeg, imageTitle: "Board" },
      live: false,
    });
    expect(updated.message.guid).toBe(sent.message.guid);
    expect(updated.miniAppCardSession?.toJSON()).toEqual(session.toJSON());
    expect(updated.message.dateEdited).toBeTruthy();
    expect(updated.message.content?.miniApp?.layout?.toJSON()).toEqual({
      caption: "Bob's move",
      imageTitle: "Board",
    });
    expect(updated.message.content?.miniApp?.live).toBe(false);
    const events = await bob.catchUp();
    expect(events).toHaveLength(2);
    const edited = events[1]?.messageChanged?.messageEdited;
    expect(edited?.messageGuid).toBe(sent.message.guid);
    expect(edited?.content?.miniApp?.layout?.caption).toBe("Bob's move");
    expect(edited?.content?.miniApp?.sessionId).toBe(session.sessionId);
    const seenByBob = await bob.call(Messages.getMessage, { messageGuid: sent.message.guid });
    expect(seenByBob.message.content?.miniApp?.layout?.caption).toBe("Bob's move");
    // The latest session is the one returned, and it updates again.
    const again = await alice.call(Messages.updateCustomizedMiniAppMessage, {
      ...card,
      session: updated.miniAppCardSession ?? session,
      layout: { caption: "Game over" },
    });
    expect(again.message.content?.miniApp?.layout?.caption).toBe("Game over");
  });

  it("is idempotent with a client key", async () => {
    const { session } = await sendCard();
    const request = { ...card, session, layout: { caption: "v2" }, clientMessageId: "update-1" };
    await alice.call(Messages.updateCustomizedMiniAppMessage, request);
    await alice.call(Messages.updateCustomizedMiniAppMessage, request);
    expect(await bob.catchUp()).toHaveLength(2);
  });

  it("refuses a missing, foreign or altered session", async () => {
    const { session } = await sendCard();
    const plain = session.toJSON();
    const cases: [object | undefined, number, string][] = [
      [undefined, status.INVALID_ARGUMENT, "session is required"],
      [{ ...plain, sessionId: "" }, status.INVALID_ARGUMENT, "session.session_id is required"],
      [{ ...plain, sessionId: "NO-SUCH-SESSION" }, status.NOT_FOUND, "was not found"],
      [{ ...plain, chatGuid: "any;-;carol@example.com" }, status.NOT_FOUND, "was not found"],
      [{ ...plain, targetMessageGuid: "OTHER" }, status.NOT_FOUND, "was not found"],
      [{ ...plain, messageGuid: "OTHER" }, status.INVALID_ARGUMENT, "session.message_guid"],
    ];
    for (const [changed, code, message] of cases) {
      const failure = await alice.failure(Messages.updateCustomizedMiniAppMessage, {
        ...card,
        ...(changed === undefined ? {} : { session: changed }),
      });
      expect(failure.code, JSON.stringify(changed)).toBe(code);
      expect(failure.details).toContain(message);
    }
    const textMessage = await alice.call(Messages.sendTextMessage, {
      chatGuid: aliceToBob,
      text: "t",
    });
    const notCard = await alice.failure(Messages.updateCustomizedMiniAppMessage, {
      ...card,
      session: { ...plain, targetMessageGuid: textMessage.message.guid },
    });
    expect(notCard.code).toBe(status.INVALID_ARGUMENT);
    expect(notCard.details).toContain("is not the card of session");
  });

  it("keeps the card with its extension and its sender, and refuses an unsent card", async () => {
    const { sent, session } = await sendCard();
    const otherTeam = await alice.failure(Messages.updateCustomizedMiniAppMessage, {
      ...card,
      session,
      teamId: "ZZZZZ99999",
    });
    expect(otherTeam.code).toBe(status.INVALID_ARGUMENT);
    expect(otherTeam.details).toContain("a card stays with the extension that sent it");
    const otherBundle = await alice.failure(Messages.updateCustomizedMiniAppMessage, {
      ...card,
      session,
      extensionBundleId: "com.example.other",
    });
    expect(otherBundle.code).toBe(status.INVALID_ARGUMENT);
    const bySomeoneElse = await bob.failure(Messages.updateCustomizedMiniAppMessage, {
      ...card,
      session: { ...session.toJSON(), chatGuid: bobToAlice },
    });
    expect(bySomeoneElse.code).toBe(status.FAILED_PRECONDITION);
    expect(bySomeoneElse.details).toContain("only the sender can update it");
    await alice.call(Messages.unsendMessage, {
      target: { chatGuid: aliceToBob, messageGuid: sent.message.guid },
    });
    const unsent = await alice.failure(Messages.updateCustomizedMiniAppMessage, {
      ...card,
      session,
    });
    expect(unsent.code).toBe(status.FAILED_PRECONDITION);
    expect(unsent.details).toContain("was unsent");
    const afterUnsend = await bob.call(Messages.getMessage, { messageGuid: sent.message.guid });
    expect(afterUnsend.message.content?.miniApp ?? null).toBeNull();
  });

  it("validates the new layout like a send", async () => {
    const { session } = await sendCard();
    const failure = await alice.failure(Messages.updateCustomizedMiniAppMessage, {
      ...card,
      session,
      layout: {},
    });
    expect(failure.code).toBe(status.INVALID_ARGUMENT);
    expect(failure.details).toContain("layout is empty");
  });
});

describe("GetEmbeddedMedia", () => {
  it("returns a card's JPEG byte for byte, also after an update replaced it", async () => {
    const sent = await alice.call(Messages.sendCustomizedMiniAppMessage, {
      ...card,
      layout: { image: jpeg, imageTitle: "Board" },
    });
    const media = await bob.call(Messages.getEmbeddedMedia, {
      chatGuid: bobToAlice,
      messageGuid: sent.message.guid,
    });
    expect(media.media.mimeType).toBe("image/jpeg");
    expect([...media.media.data]).toEqual([...jpeg]);
    const second = Uint8Array.from([...jpeg, 9, 9, 9]);
    await alice.call(Messages.updateCustomizedMiniAppMessage, {
      ...card,
      session: sent.miniAppCardSession ?? {},
      layout: { image: second, imageTitle: "Board 2" },
    });
    const replaced = await alice.call(Messages.getEmbeddedMedia, {
      chatGuid: aliceToBob,
      messageGuid: sent.message.guid,
    });
    expect([...replaced.media.data]).toEqual([...second]);
  });

  it("is NOT_FOUND for a message without embedded media, another chat's message, or an invisible chat", async () => {
    const text = await alice.call(Messages.sendTextMessage, {
      chatGuid: aliceToBob,
      text: "plain",
    });
    const noImage = await alice.call(Messages.sendCustomizedMiniAppMessage, card);
    for (const messageGuid of [text.message.guid, noImage.message.guid]) {
      const failure = await alice.failure(Messages.getEmbeddedMedia, {
        chatGuid: aliceToBob,
        messageGuid,
      });
      expect(failure.code).toBe(status.NOT_FOUND);
      expect(failure.details).toContain("carries no embedded media");
    }
    await alice.call(Chat.createChat, { addresses: ["carol@example.com"] });
    const wrongChat = await alice.failure(Messages.getEmbeddedMedia, {
      chatGuid: "any;-;carol@example.com",
      messageGuid: text.message.guid,
    });
    expect(wrongChat.code).toBe(status.NOT_FOUND);
    const outsider = await carol.failure(Messages.getEmbeddedMedia, {
      chatGuid: "any;-;alice@example.com",
      messageGuid: text.message.guid,
    });
    expect(outsider.code).toBe(status.NOT_FOUND);
    const malformed = await alice.failure(Messages.getEmbeddedMedia, {
      chatGuid: aliceToBob,
      messageGuid: "has spaces in it",
    });
    expect(malformed.code).toBe(status.INVALID_ARGUMENT);
  });
});
