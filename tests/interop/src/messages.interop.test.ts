import { MessageEffect, TextEffect } from "@photon-ai/advanced-imessage";
import {
  type AdvancedIMessage,
  createGrpcClient,
  NotFoundError,
  type MessageEvent as PublishedMessageEvent,
} from "@photon-ai/advanced-imessage/grpc";
import type { Message } from "@threadline/core";
import type { MessageStreamEvent } from "@threadline/messages";
import { describe, expect, it } from "vitest";
import { comparable } from "./comparable.js";
import { type InteropFixture, startInteropFixture } from "./fixture.js";
import { withMessages } from "./messages-fixture.js";
import { collectInBackground } from "./stream-collector.js";

async function startMessagesInterop() {
  const fixture = await startInteropFixture();
  const alice = withMessages(fixture, fixture.alice);
  const bob = withMessages(fixture, fixture.bob);
  await alice.threadline.chats.create([bob.address]);
  return {
    fixture,
    alice,
    bob,
    aliceToBob: `any;-;${bob.address}`,
    bobToAlice: `any;-;${alice.address}`,
    async [Symbol.asyncDispose]() {
      await alice.threadline.close();
      await bob.threadline.close();
      await fixture[Symbol.asyncDispose]();
    },
  };
}

/**
 * A @threadline/core message without `replyToGuid`, the one field the published
 * `Message` type does not declare (its proto calls it diagnostics only; the published
 * client drops it). Every other field is compared.
 */
function publishedShape(message: Message): Omit<Message, "replyToGuid"> {
  const { replyToGuid: _replyToGuid, ...rest } = message;
  return rest;
}

/** Both clients' view of one message, which must be equal field by field. */
async function bothViews(
  person: {
    photon: AdvancedIMessage;
    threadline: { messages: { get(guid: string): Promise<Message> } };
  },
  guid: string,
) {
  const [published, threadline] = await Promise.all([
    person.photon.messages.get(guid),
    person.threadline.messages.get(guid),
  ]);
  return {
    published: comparable(published),
    threadline: comparable(publishedShape(threadline)),
    replyToGuid: threadline.replyToGuid,
  };
}

/** Drops the per-message identity (GUIDs, times) so two sends of the same thing compare equal. */
function withoutIdentity(message: unknown): unknown {
  const value = comparable(message);
  if (typeof value !== "object" || value === null) return value;
  const {
    guid: _guid,
    dateCreated: _created,
    dateDelivered: _delivered,
    ...rest
  } = value as Record<string, unknown>;
  return rest;
}

const sendOptions = {
  subject: "Plans",
  effect: MessageEffect.confetti,
  formatting: [
    { type: "bold", start: 0, length: 4 },
    { type: "italic", start: 5, length: 3 },
    { type: "effect", start: 9, length: 5, effect: TextEffect.shake },
  ],
  enableLinkPreview: true,
  enableDataDetection: true,
} as const;
const text = "Meet now at https://example.com/map";

describe("published client and @threadline/messages against the same server", () => {
  it("sendText with subject, effect, formatting, link preview and data detection: the same message from both", async () => {
    await using setup = await startMessagesInterop();
    const { alice, bob, aliceToBob } = setup;
    const published = await alice.photon.messages.sendText(aliceToBob, text, sendOptions);
    const threadline = await alice.threadline.messages.sendText(aliceToBob, text, sendOptions);
    expect(published.content.formatting).toEqual([
      { type: "bold", start: 0, length: 4, effectName: undefined },
      { type: "italic", start: 5, length: 3, effectName: undefined },
      { type: "effect", start: 9, length: 5, effectName: "shake" },
    ]);
    expect(published.content.balloonBundleId).toBe("com.apple.messages.URLBalloonProvider");
    expect(published.dataDetectorResultsPresent).toBe(true);
    expect(withoutIdentity(threadline)).toStrictEqual(withoutIdentity(published));
    for (const message of [published, threadline]) {
      const views = await bothViews(bob, message.guid);
      expect(views.threadline).toStrictEqual(views.published);
    }
  });

  it("a reply is visible to the published client as replyTargetGuid, in sendText, get and both event streams", async () => {
    await using setup = await startMessagesInterop();
    const { alice, bob, aliceToBob, bobToAlice } = setup;
    const question = await alice.threadline.messages.sendText(aliceToBob, "Lunch?");
    const live = await openRegisteredMessages(setup.fixture, alice.token);
    const ours = alice.threadline.messages.subscribeEvents({ chat: aliceToBob });
    await ours.ready;
    const oursCollector = collectInBackground(ours);
    try {
      const viaPublished = await bob.photon.messages.sendText(bobToAlice, "Yes", {
        replyTo: question.guid,
      });
      const viaThreadline = await bob.threadline.messages.sendText(bobToAlice, "Yes", {
        replyTo: question.guid,
      });
      for (const reply of [viaPublished, viaThreadline]) {
        expect(reply.replyTargetGuid).toBe(question.guid);
        expect(reply.threadOriginatorGuid).toBe(question.guid);
      }
      expect(viaThreadline.replyToGuid).toBe(question.guid);
      expect(withoutIdentity(publishedShape(viaThreadline))).toStrictEqual(
        withoutIdentity(viaPublished),
      );
      const views = await bothViews(alice, viaPublished.guid);
      expect(views.threadline).toStrictEqual(views.published);
      expect(views.published).toMatchObject({ replyTargetGuid: question.guid });
      expect(views.replyToGuid).toBe(question.guid);

      await live.collector.until((events) => events.length >= 2);
      await oursCollector.until((events) => events.length >= 2);
      const withoutDiagnostics = (event: MessageStreamEvent) =>
        event.type === "message.received"
          ? { ...event, message: publishedShape(event.message) }
          : event;
      expect(comparable(oursCollector.events.slice(0, 2).map(withoutDiagnostics))).toStrictEqual(
        comparable(live.collector.events.slice(0, 2)),
      );
      const first = live.collector.events[0];
      expect(first?.type === "message.received" ? first.message.replyTargetGuid : undefined).toBe(
        question.guid,
      );
    } finally {
      await oursCollector.close();
      await live.close();
    }
  });

  it("edit returns the same edited message from both clients", async () => {
    await using setup = await startMessagesInterop();
    const { alice, bob, aliceToBob } = setup;
    const first = await alice.threadline.messages.sendText(aliceToBob, "helo");
    const second = await alice.threadline.messages.sendText(aliceToBob, "helo");
    const published = await alice.photon.messages.edit(aliceToBob, first.guid, "hello");
    const threadline = await alice.threadline.messages.edit(aliceToBob, second.guid, "hello");
    expect(published.content.text).toBe("hello");
    expect(withoutIdentity({ ...threadline, dateEdited: undefined })).toStrictEqual(
      withoutIdentity({ ...published, dateEdited: undefined }),
    );
    const views = await bothViews(bob, first.guid);
    expect(views.threadline).toStrictEqual(views.published);
  });

  it("setReaction adds and removes kinds and emoji the same way in both clients", async () => {
    await using setup = await startMessagesInterop();
    const { alice, bob, bobToAlice, aliceToBob } = setup;
    const target = await alice.threadline.messages.sendText(aliceToBob, "party?");
    const publishedLove = await bob.photon.messages.setReaction(
      bobToAlice,
      target.guid,
      { kind: "love" },
      true,
    );
    const threadlineEmoji = await bob.threadline.messages.setReaction(
      bobToAlice,
      target.guid,
      { kind: "emoji", emoji: "🎉" },
      true,
    );
    expect(publishedLove.appliedReactions.map((applied) => applied.reaction.kind)).toEqual([
      "love",
    ]);
    expect(threadlineEmoji.appliedReactions.map((applied) => comparable(applied.reaction))).toEqual(
      [{ kind: "love" }, { kind: "emoji", emoji: "🎉" }],
    );
    const bothSet = await bothViews(alice, target.guid);
    expect(bothSet.threadline).toStrictEqual(bothSet.published);
    const publishedRemoved = await bob.photon.messages.setReaction(
      bobToAlice,
      target.guid,
      { kind: "emoji", emoji: "🎉" },
      false,
    );
    const threadlineRemoved = await bob.threadline.messages.setReaction(
      bobToAlice,
      target.guid,
      { kind: "love" },
      false,
    );
    expect(publishedRemoved.appliedReactions.map((applied) => applied.reaction.kind)).toEqual([
      "love",
    ]);
    expect(threadlineRemoved.appliedReactions).toEqual([]);
    const bothRemoved = await bothViews(alice, target.guid);
    expect(bothRemoved.threadline).toStrictEqual(bothRemoved.published);
  });

  it("unsend retracts the message for both clients alike", async () => {
    await using setup = await startMessagesInterop();
    const { alice, bob, aliceToBob } = setup;
    const first = await alice.threadline.messages.sendText(aliceToBob, "oops");
    const second = await alice.threadline.messages.sendText(aliceToBob, "oops");
    await alice.photon.messages.unsend(aliceToBob, first.guid);
    await alice.threadline.messages.unsend(aliceToBob, second.guid);
    for (const guid of [first.guid, second.guid]) {
      const views = await bothViews(bob, guid);
      expect(views.threadline).toStrictEqual(views.published);
      expect(views.published).toMatchObject({ dateRetracted: expect.any(Date) });
      expect(views.published).not.toHaveProperty("content.text");
    }
  });

  it("get of a message outside the caller's chats is NotFound in both clients", async () => {
    await using setup = await startMessagesInterop();
    const { alice, aliceToBob } = setup;
    const sent = await alice.threadline.messages.sendText(aliceToBob, "private");
    const carol = withMessages(setup.fixture, setup.fixture.carol);
    try {
      await expect(carol.photon.messages.get(sent.guid)).rejects.toBeInstanceOf(NotFoundError);
      await expect(carol.threadline.messages.get(sent.guid)).rejects.toMatchObject({
        code: "NOT_FOUND",
      });
    } finally {
      await carol.threadline.close();
    }
  });

  it("a malformed formatting range sent by the published client is refused by the server, not dropped", async () => {
    await using setup = await startMessagesInterop();
    const { alice, bob, aliceToBob } = setup;
    await expect(
      alice.photon.messages.sendText(aliceToBob, "hi", {
        formatting: [{ type: "bold", start: 1, length: 9 }],
      }),
    ).rejects.toThrow(/past the end/);
    expect((await bob.threadline.events.getLogInfo()).headSequence).toBe(0);
  });
});

/** The published client's message stream, known to be registered (it has seen a heartbeat). */
async function openRegisteredMessages(fixture: InteropFixture, token: string) {
  let heartbeat: () => void = () => undefined;
  const registered = new Promise<void>((resolve) => {
    heartbeat = resolve;
  });
  const client = createGrpcClient({
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
