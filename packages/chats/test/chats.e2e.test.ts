import { CancelledError, ConflictError, NotFoundError, ValidationError } from "@threadline/core";
import { describe, expect, it } from "vitest";
import { MessageEffect } from "../src/index.js";
import {
  aliceAddress,
  bobAddress,
  bobPhone,
  carolAddress,
  pngBytes,
  startChatsFixture,
} from "./chats-fixture.js";
import { firstEvents } from "./collect.js";

describe("chats.create", () => {
  it("one address resolves a direct chat named for the other party on each side", async () => {
    await using fixture = await startChatsFixture();
    const { chat, initialMessage } = await fixture.alice.chats.create(["Bob@Example.com"]);
    expect(chat.guid).toBe(`any;-;${bobAddress}`);
    expect(chat.isGroup).toBe(false);
    expect(chat.participants.map((participant) => participant.address)).toContain(bobAddress);
    expect(chat.service).toBe("iMessage");
    expect(chat.isArchived).toBe(false);
    expect(typeof chat.displayName).toBe("string");
    expect(initialMessage).toBeUndefined();
    expect("initialMessage" in (await fixture.alice.chats.create([bobAddress]))).toBe(false);

    // Creating it again resolves the same chat instead of making a second one.
    const again = await fixture.alice.chats.create([bobAddress]);
    expect(again.chat.guid).toBe(chat.guid);
    expect(await fixture.alice.chats.count()).toBe(1);
  });

  it("sends the opening message with its effect, and the other side sees it as unread", async () => {
    await using fixture = await startChatsFixture();
    const { chat, initialMessage } = await fixture.alice.chats.create([bobAddress], {
      message: "Happy birthday!",
      effect: MessageEffect.balloons,
    });
    expect(initialMessage?.guid).toEqual(expect.any(String));
    expect(initialMessage?.content.text).toBe("Happy birthday!");
    expect(initialMessage?.content.expressiveSendStyleId).toBe(MessageEffect.balloons);
    expect(initialMessage?.isFromMe).toBe(true);
    expect(initialMessage?.chatGuids).toContain(chat.guid);

    const bobView = await fixture.bob.chats.get(`any;-;${aliceAddress}`);
    expect(bobView.guid).toBe(`any;-;${aliceAddress}`);
    expect(bobView.participants.map((participant) => participant.address)).toContain(aliceAddress);
    expect(bobView.unreadCount).toBe(1);
    expect(bobView.lastMessage?.guid).toBe(initialMessage?.guid);
    expect(bobView.lastMessage?.isFromMe).toBe(false);
    expect(bobView.lastMessage?.content.text).toBe("Happy birthday!");
  });

  it("two or more addresses make a group every participant sees under one GUID", async () => {
    await using fixture = await startChatsFixture();
    const { chat } = await fixture.alice.chats.create([bobPhone, carolAddress], {
      message: "hi all",
    });
    expect(chat.guid).toMatch(/^any;\+;.+/);
    expect(chat.isGroup).toBe(true);
    const addresses = chat.participants.map((participant) => participant.address);
    expect(addresses).toEqual(expect.arrayContaining([bobPhone, carolAddress]));

    const bobView = await fixture.bob.chats.get(chat.guid);
    const carolView = await fixture.carol.chats.get(chat.guid);
    expect(bobView.isGroup).toBe(true);
    expect(carolView.guid).toBe(chat.guid);
    expect(carolView.participants.map((participant) => participant.address)).toContain(
      aliceAddress,
    );
  });

  it("a retry with the same clientMessageId returns the first result and sends nothing twice", async () => {
    await using fixture = await startChatsFixture();
    const options = { message: "only once", clientMessageId: "create-job-42" };
    const first = await fixture.alice.chats.create([bobAddress, carolAddress], options);
    const retry = await fixture.alice.chats.create([bobAddress, carolAddress], options);
    expect(retry.chat.guid).toBe(first.chat.guid);
    expect(retry.initialMessage?.guid).toBe(first.initialMessage?.guid);
    expect(await fixture.alice.chats.count()).toBe(1);
    expect((await fixture.bob.chats.get(first.chat.guid)).unreadCount).toBe(1);
  });

  it("reusing a clientMessageId for a different create is a ConflictError and creates nothing", async () => {
    await using fixture = await startChatsFixture();
    await fixture.alice.chats.create([bobAddress], { message: "one", clientMessageId: "job-7" });
    const reused = fixture.alice.chats.create([carolAddress], {
      message: "two",
      clientMessageId: "job-7",
    });
    await expect(reused).rejects.toBeInstanceOf(ConflictError);
    await expect(reused).rejects.toMatchObject({
      code: "IDEMPOTENCY_KEY_REUSED",
      retryable: false,
    });
    await expect(fixture.carol.chats.get(`any;-;${aliceAddress}`)).rejects.toBeInstanceOf(
      NotFoundError,
    );
  });
});

describe("chats.get", () => {
  it("maps every field of the chat", async () => {
    await using fixture = await startChatsFixture();
    const { chat } = await fixture.alice.chats.create([bobAddress]);
    const fetched = await fixture.alice.chats.get(chat.guid);
    expect(fetched).toEqual(chat);
    for (const value of Object.values(fetched)) expect(value).not.toBeNull();
  });

  it("accepts a direct GUID spelled with different case and normalises it", async () => {
    await using fixture = await startChatsFixture();
    await fixture.alice.chats.create([bobAddress]);
    expect((await fixture.alice.chats.get("any;-;BOB@example.COM")).guid).toBe(
      `any;-;${bobAddress}`,
    );
  });

  it("throws NotFoundError for a chat that does not exist", async () => {
    await using fixture = await startChatsFixture();
    await expect(fixture.alice.chats.get("any;+;nosuchgroup")).rejects.toBeInstanceOf(
      NotFoundError,
    );
    await expect(fixture.alice.chats.get("any;-;nobody@example.com")).rejects.toBeInstanceOf(
      NotFoundError,
    );
    // The error names the call the user made, not the RPC behind it.
    await expect(fixture.alice.chats.get("any;+;nosuchgroup")).rejects.toThrow(
      /^chats\.get\(\) failed/,
    );
  });

  it("throws NotFoundError for a chat the account is not in, so existence never leaks", async () => {
    await using fixture = await startChatsFixture();
    const { chat } = await fixture.alice.chats.create([bobAddress, "dave@example.com"]);
    await expect(fixture.carol.chats.get(chat.guid)).rejects.toBeInstanceOf(NotFoundError);
  });
});

describe("per-call options", () => {
  it("an aborted signal cancels the call with CancelledError and the write is not applied", async () => {
    await using fixture = await startChatsFixture();
    const { chat } = await fixture.alice.chats.create([bobAddress]);
    const controller = new AbortController();
    controller.abort();
    const attempt = fixture.alice.chats.setBackground(chat.guid, pngBytes, {
      signal: controller.signal,
    });
    await expect(attempt).rejects.toBeInstanceOf(CancelledError);
    expect(await fixture.alice.chats.hasBackground(chat.guid)).toBe(false);
  });
});

describe("chats.count", () => {
  it("counts visible chats and archived ones only when asked", async () => {
    await using fixture = await startChatsFixture();
    expect(await fixture.alice.chats.count()).toBe(0);
    const direct = await fixture.alice.chats.create([bobAddress]);
    await fixture.alice.chats.create([bobAddress, carolAddress]);
    expect(await fixture.alice.chats.count()).toBe(2);
    await fixture.alice.chats.archive(direct.chat.guid);
    expect(await fixture.alice.chats.count()).toBe(1);
    expect(await fixture.alice.chats.count({ includeArchived: true })).toBe(2);
    expect(await fixture.alice.chats.count({ includeArchived: false })).toBe(1);
  });
});

describe("read state and typing", () => {
  it("markRead clears the unread count, emits chat.markedRead once, and is safe to repeat", async () => {
    await using fixture = await startChatsFixture();
    await fixture.alice.chats.create([bobAddress], { message: "ping" });
    const chatGuid = `any;-;${aliceAddress}`;
    expect((await fixture.bob.chats.get(chatGuid)).unreadCount).toBe(1);

    await using stream = fixture.bob.chats.subscribeEvents({ chat: chatGuid });
    await stream.ready;
    await fixture.bob.chats.markRead(chatGuid);
    await fixture.bob.chats.markRead(chatGuid);
    // A later, different event proves the repeat emitted nothing in between.
    await fixture.bob.chats.setBackground(chatGuid, pngBytes);
    const [markedRead, next] = await firstEvents(stream, 2);
    expect(markedRead).toMatchObject({ type: "chat.markedRead", chatGuid, isFromMe: true });
    expect(markedRead?.occurredAt).toBeInstanceOf(Date);
    expect(next).toMatchObject({ type: "chat.backgroundChanged", chatGuid });
    expect((await fixture.bob.chats.get(chatGuid)).unreadCount).toBe(0);
  });

  it("setTyping accepts true and false and writes nothing to the event log", async () => {
    await using fixture = await startChatsFixture();
    const { chat } = await fixture.alice.chats.create([bobAddress]);
    const before = await fixture.alice.events.getLogInfo();
    await fixture.alice.chats.setTyping(chat.guid, true);
    await fixture.alice.chats.setTyping(chat.guid, false);
    const after = await fixture.alice.events.getLogInfo();
    expect(after.headSequence).toBe(before.headSequence);
  });
});

describe("shareContactInfo", () => {
  it("sends the account's card into the chat for the other side", async () => {
    await using fixture = await startChatsFixture();
    const { chat } = await fixture.alice.chats.create([bobAddress]);
    const bobChat = `any;-;${aliceAddress}`;
    await using messages = fixture.bob.events.live("message", { chat: bobChat });
    await messages.ready;
    await fixture.alice.chats.shareContactInfo(chat.guid);
    const [received] = await firstEvents(messages, 1);
    expect(received).toMatchObject({
      type: "message.received",
      chatGuid: bobChat,
      isFromMe: false,
    });
  });

  it("throws NotFoundError for a chat the account is not in", async () => {
    await using fixture = await startChatsFixture();
    await expect(fixture.alice.chats.shareContactInfo("any;+;nosuchgroup")).rejects.toBeInstanceOf(
      NotFoundError,
    );
  });
});

describe("backgrounds", () => {
  it("set, check and remove, with an event for each change on both sides", async () => {
    await using fixture = await startChatsFixture();
    const { chat } = await fixture.alice.chats.create([bobAddress]);
    const bobChat = `any;-;${aliceAddress}`;
    await using aliceEvents = fixture.alice.chats.subscribeEvents({ chat: chat.guid });
    await using bobEvents = fixture.bob.chats.subscribeEvents();
    await Promise.all([aliceEvents.ready, bobEvents.ready]);

    expect(await fixture.alice.chats.hasBackground(chat.guid)).toBe(false);
    await fixture.alice.chats.setBackground(chat.guid, pngBytes);
    expect(await fixture.alice.chats.hasBackground(chat.guid)).toBe(true);
    expect(await fixture.bob.chats.hasBackground(bobChat)).toBe(true);
    await fixture.alice.chats.removeBackground(chat.guid);
    await fixture.alice.chats.removeBackground(chat.guid);
    expect(await fixture.alice.chats.hasBackground(chat.guid)).toBe(false);

    const aliceSeen = await firstEvents(aliceEvents, 2);
    expect(aliceSeen.map((event) => event.type)).toEqual([
      "chat.backgroundChanged",
      "chat.backgroundRemoved",
    ]);
    for (const event of aliceSeen)
      expect(event).toMatchObject({ chatGuid: chat.guid, isFromMe: true });
    expect(aliceSeen[1]?.sequence).toBeGreaterThan(
      aliceSeen[0]?.sequence ?? Number.POSITIVE_INFINITY,
    );

    const bobSeen = await firstEvents(bobEvents, 2);
    expect(bobSeen.map((event) => event.type)).toEqual([
      "chat.backgroundChanged",
      "chat.backgroundRemoved",
    ]);
    for (const event of bobSeen) {
      expect(event).toMatchObject({
        chatGuid: bobChat,
        isFromMe: false,
        actor: { address: aliceAddress },
      });
    }
  });

  it("the server refuses bytes that are not a JPEG, PNG, HEIC or HEIF image", async () => {
    await using fixture = await startChatsFixture();
    const { chat } = await fixture.alice.chats.create([bobAddress]);
    const notAnImage = new TextEncoder().encode("plain text, not an image");
    const attempt = fixture.alice.chats.setBackground(chat.guid, notAnImage);
    await expect(attempt).rejects.toBeInstanceOf(ValidationError);
    await expect(attempt).rejects.toThrow(/JPEG|PNG|HEIC|HEIF/);
    expect(await fixture.alice.chats.hasBackground(chat.guid)).toBe(false);
  });
  it("the server refuses an image above its size limit with a ValidationError that says so", async () => {
    await using fixture = await startChatsFixture();
    const { chat } = await fixture.alice.chats.create([bobAddress]);
    const oversized = new Uint8Array(11 * 1024 * 1024);
    oversized.set(pngBytes);
    const attempt = fixture.alice.chats.setBackground(chat.guid, oversized);
    await expect(attempt).rejects.toBeInstanceOf(ValidationError);
    await expect(attempt).rejects.toMatchObject({ code: "PAYLOAD_TOO_LARGE" });
    await expect(attempt).rejects.toThrow(/bytes|MiB|large/i);
    expect(await fixture.alice.chats.hasBackground(chat.guid)).toBe(false);
  });
});

describe("archive (Threadline addition)", () => {
  it("archive and unarchive flip isArchived and emit chat.archived / chat.unarchived once", async () => {
    await using fixture = await startChatsFixture();
    const { chat } = await fixture.alice.chats.create([bobAddress]);
    await using stream = fixture.alice.chats.subscribeEvents({ chat: chat.guid });
    await stream.ready;

    await fixture.alice.chats.archive(chat.guid);
    await fixture.alice.chats.archive(chat.guid);
    expect((await fixture.alice.chats.get(chat.guid)).isArchived).toBe(true);
    await fixture.alice.chats.unarchive(chat.guid);
    await fixture.alice.chats.unarchive(chat.guid);
    expect((await fixture.alice.chats.get(chat.guid)).isArchived).toBe(false);
    // Archive state is per account: Bob's side is untouched.
    expect((await fixture.bob.chats.get(`any;-;${aliceAddress}`)).isArchived).toBe(false);
    await fixture.alice.chats.setBackground(chat.guid, pngBytes);

    const seen = await firstEvents(stream, 3);
    expect(seen.map((event) => event.type)).toEqual([
      "chat.archived",
      "chat.unarchived",
      "chat.backgroundChanged",
    ]);
  });
});

describe("chats.subscribeEvents", () => {
  it("a chat filter delivers only that chat's events; no filter delivers every chat's", async () => {
    await using fixture = await startChatsFixture();
    const direct = await fixture.alice.chats.create([bobAddress]);
    const group = await fixture.alice.chats.create([bobAddress, carolAddress]);
    await using onlyGroup = fixture.alice.chats.subscribeEvents({ chat: group.chat.guid });
    await using everything = fixture.alice.chats.subscribeEvents();
    await Promise.all([onlyGroup.ready, everything.ready]);

    await fixture.alice.chats.setBackground(direct.chat.guid, pngBytes);
    await fixture.alice.chats.setBackground(group.chat.guid, pngBytes);

    const [groupEvent] = await firstEvents(onlyGroup, 1);
    expect(groupEvent).toMatchObject({ type: "chat.backgroundChanged", chatGuid: group.chat.guid });
    const all = await firstEvents(everything, 2);
    expect(all.map((event) => event.chatGuid)).toEqual([direct.chat.guid, group.chat.guid]);
    expect(all[1]?.sequence).toBe(groupEvent?.sequence);
  });

  it("every event carries the documented outer fields", async () => {
    await using fixture = await startChatsFixture();
    const { chat } = await fixture.alice.chats.create([bobAddress]);
    await using stream = fixture.bob.chats.subscribeEvents();
    await stream.ready;
    await fixture.alice.chats.setBackground(chat.guid, pngBytes);
    const [event] = await firstEvents(stream, 1);
    expect(event).toEqual({
      type: "chat.backgroundChanged",
      chatGuid: `any;-;${aliceAddress}`,
      sequence: expect.any(Number),
      isFromMe: false,
      occurredAt: expect.any(Date),
      actor: expect.objectContaining({ address: aliceAddress }),
    });
  });
});
