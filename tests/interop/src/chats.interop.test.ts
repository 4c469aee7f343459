import { MessageEffect } from "@photon-ai/advanced-imessage";
import { NotFoundError, ValidationError } from "@photon-ai/advanced-imessage/grpc";
import { describe, expect, it } from "vitest";
import { collect, comparable } from "./comparable.js";
import { startInteropFixture } from "./fixture.js";
import { pngBytes } from "./seed-log.js";

describe("published client: chats", () => {
  it("create names a direct chat from the viewer's side and a group any;+;<id>", async () => {
    await using fixture = await startInteropFixture();
    const { alice, bob, carol } = fixture;
    const direct = await alice.photon.chats.create([bob.address], { message: "Hi Bob" });
    expect(direct.chat).toMatchObject({ guid: `any;-;${bob.address}`, isGroup: false });
    expect(direct.initialMessage).toMatchObject({ content: { text: "Hi Bob" }, isFromMe: true });
    expect(await bob.photon.chats.get(`any;-;${alice.address}`)).toMatchObject({ isGroup: false });

    const group = await alice.photon.chats.create([bob.address, carol.address]);
    expect(group.chat.guid).toMatch(/^any;\+;\S+$/);
    expect(group.chat.isGroup).toBe(true);
    expect(group.initialMessage).toBeUndefined();
    // As in iMessage, participants are the other members; the viewer is implied.
    expect(group.chat.participants.map((participant) => participant.address).sort()).toEqual(
      [bob.address, carol.address].sort(),
    );
  });

  it("every effect the published client names is accepted on an opening message", async () => {
    await using fixture = await startInteropFixture();
    const { alice, bob } = fixture;
    for (const [name, effect] of Object.entries(MessageEffect)) {
      const created = await alice.photon.chats.create([bob.address], {
        message: `with ${name}`,
        effect,
      });
      expect(created.initialMessage?.content.text).toBe(`with ${name}`);
      expect(created.initialMessage?.content.expressiveSendStyleId).toMatch(/^com\.apple\./);
    }
  });

  it("get returns the same chat, field by field, as @threadline/chats", async () => {
    await using fixture = await startInteropFixture();
    const { alice, bob, carol } = fixture;
    const { chat } = await alice.photon.chats.create([bob.address, carol.address], {
      message: "Hello",
    });
    await bob.photon.messages.sendText(chat.guid, "Hi Alice");
    const published = await alice.photon.chats.get(chat.guid);
    const threadline = await alice.threadline.chats.get(chat.guid);
    expect(published.unreadCount).toBe(1);
    expect(published.lastMessage?.content.text).toBe("Hi Alice");
    // The published Chat also has `chatIdentifier` and `groupId`, which the server sends
    // (the group id, for a group) but @threadline/chats' Chat does not expose; the
    // comparison covers every field both types declare.
    const groupId = chat.guid.slice("any;+;".length);
    expect(published).toMatchObject({ chatIdentifier: groupId, groupId });
    const { chatIdentifier: _identifier, groupId: _groupId, ...shared } = published;
    expect(comparable(shared)).toStrictEqual(comparable(threadline));
  });

  it("creating again with the same clientMessageId returns the first result", async () => {
    await using fixture = await startInteropFixture();
    const { alice, bob } = fixture;
    const first = await alice.photon.chats.create([bob.address], {
      message: "Once",
      clientMessageId: "create-once",
    });
    const again = await alice.photon.chats.create([bob.address], {
      message: "Once",
      clientMessageId: "create-once",
    });
    expect(again.initialMessage?.guid).toBe(first.initialMessage?.guid);
    const log = await collect(bob.photon.events.catchUp(0));
    expect(log.filter((event) => event.type === "message.received")).toHaveLength(1);
  });

  it("count excludes archived chats unless asked", async () => {
    await using fixture = await startInteropFixture();
    const { alice, bob, carol } = fixture;
    const { chat } = await alice.photon.chats.create([bob.address], { message: "Hi" });
    await alice.photon.chats.create([carol.address], { message: "Hi" });
    expect(await alice.photon.chats.count()).toBe(2);
    await alice.threadline.chats.archive(chat.guid);
    expect(await alice.photon.chats.count()).toBe(1);
    expect(await alice.photon.chats.count({ includeArchived: true })).toBe(2);
    expect((await alice.photon.chats.get(chat.guid)).isArchived).toBe(true);
  });

  it("markRead clears unread messages and tells the sender", async () => {
    await using fixture = await startInteropFixture();
    const { alice, bob } = fixture;
    const { chat } = await alice.photon.chats.create([bob.address], { message: "Are you there?" });
    const bobsView = `any;-;${alice.address}`;
    expect((await bob.photon.chats.get(bobsView)).unreadCount).toBe(1);
    await bob.photon.chats.markRead(bobsView);
    expect((await bob.photon.chats.get(bobsView)).unreadCount).toBe(0);
    const alicesLog = await collect(alice.photon.events.catchUp(0));
    expect(alicesLog.map((event) => event.type)).toContain("message.read");
    expect(chat.guid).toBe(`any;-;${bob.address}`);
  });

  it("backgrounds: set, has, remove", async () => {
    await using fixture = await startInteropFixture();
    const { alice, bob } = fixture;
    const { chat } = await alice.photon.chats.create([bob.address], { message: "Hi" });
    expect(await alice.photon.chats.hasBackground(chat.guid)).toBe(false);
    await alice.photon.chats.setBackground(chat.guid, pngBytes);
    expect(await alice.photon.chats.hasBackground(chat.guid)).toBe(true);
    expect(await alice.threadline.chats.hasBackground(chat.guid)).toBe(true);
    await alice.photon.chats.removeBackground(chat.guid);
    expect(await alice.photon.chats.hasBackground(chat.guid)).toBe(false);
  });

  it("typing is transient: it succeeds and writes nothing to the log; a contact card does", async () => {
    await using fixture = await startInteropFixture();
    const { alice, bob } = fixture;
    const { chat } = await alice.photon.chats.create([bob.address], { message: "Hi" });
    const before = await alice.threadline.events.getLogInfo();
    await alice.photon.chats.setTyping(chat.guid, true);
    await alice.photon.chats.setTyping(chat.guid, false);
    expect((await alice.threadline.events.getLogInfo()).headSequence).toBe(before.headSequence);
    await alice.photon.chats.shareContactInfo(chat.guid);
    expect((await alice.threadline.events.getLogInfo()).headSequence).toBeGreaterThan(
      before.headSequence,
    );
  });

  it("errors arrive as the published client's typed errors", async () => {
    await using fixture = await startInteropFixture();
    const { alice, bob } = fixture;
    await expect(alice.photon.chats.get("any;-;nobody@example.com")).rejects.toBeInstanceOf(
      NotFoundError,
    );
    const { chat } = await alice.photon.chats.create([bob.address], { message: "Hi" });
    await expect(
      alice.photon.chats.setBackground(chat.guid, Uint8Array.from([1, 2, 3])),
    ).rejects.toBeInstanceOf(ValidationError);
    await expect(alice.photon.chats.create([])).rejects.toBeInstanceOf(ValidationError);
  });
});
