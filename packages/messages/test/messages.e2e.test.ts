import { type MessageEvent, NotFoundError, ValidationError } from "@threadline/core";
import { describe, expect, it } from "vitest";
import { MessageEffect, TextEffect } from "../src/index.js";
import { aliceToBob, bobToAlice, startMessagesFixture } from "./messages-fixture.js";

type Received = Extract<MessageEvent, { type: "message.received" }>;

async function receivedIn(
  events: AsyncIterable<{ type: string }>,
  guid: string,
): Promise<Received["message"] | undefined> {
  for await (const event of events) {
    if (event.type === "catchup.complete") return undefined;
    const candidate = event as MessageEvent;
    if (candidate.type === "message.received" && candidate.message.guid === guid) {
      return candidate.message;
    }
  }
  return undefined;
}

describe("im.messages against a real server", () => {
  it("sendText returns the stored message, and get and the other side's catch-up agree", async () => {
    await using fixture = await startMessagesFixture();
    const sent = await fixture.alice.messages.sendText(aliceToBob, "hi bob", {
      subject: "Saturday",
      effect: MessageEffect.confetti,
    });
    expect(sent).toMatchObject({
      isFromMe: true,
      chatGuids: [aliceToBob],
      subject: "Saturday",
      content: {
        text: "hi bob",
        expressiveSendStyleId: MessageEffect.confetti,
        formatting: [],
      },
    });
    const fetched = await fixture.bob.messages.get(sent.guid);
    expect(fetched).toMatchObject({ guid: sent.guid, isFromMe: false, chatGuids: [bobToAlice] });
    const replayed = await receivedIn(fixture.bob.events.catchUp(0), sent.guid);
    expect(replayed?.content.text).toBe("hi bob");
    expect(replayed?.subject).toBe("Saturday");
  });

  it("a reply is threaded: replyTargetGuid and threadOriginatorGuid in the response, get, catch-up and live", async () => {
    await using fixture = await startMessagesFixture();
    const question = await fixture.alice.messages.sendText(aliceToBob, "lunch?");
    const live = fixture.alice.messages.subscribeEvents({ chat: aliceToBob });
    await live.ready;
    const reply = await fixture.bob.messages.sendText(bobToAlice, "yes", {
      replyTo: { guid: question.guid, partIndex: 0 },
    });
    const thread = {
      replyTargetGuid: question.guid,
      threadOriginatorGuid: question.guid,
      replyToGuid: question.guid,
      threadOriginatorPart: "0:0:6",
    };
    expect(reply).toMatchObject(thread);
    expect(await fixture.alice.messages.get(reply.guid)).toMatchObject(thread);
    expect(await receivedIn(fixture.alice.events.catchUp(0), reply.guid)).toMatchObject(thread);
    for await (const event of live) {
      if (event.type === "message.received" && event.message.guid === reply.guid) {
        expect(event.message).toMatchObject({ ...thread, isFromMe: false });
        expect(event.chatGuid).toBe(aliceToBob);
        break;
      }
    }
    // A plain string works as the reply target too.
    const second = await fixture.alice.messages.sendText(aliceToBob, "great", {
      replyTo: reply.guid,
    });
    expect(second.threadOriginatorGuid).toBe(question.guid);
    expect(second.replyToGuid).toBe(reply.guid);
  });

  it("formatting, link preview and data detection are stored and returned", async () => {
    await using fixture = await startMessagesFixture();
    const text = "big news at https://example.com or +1 415 555 0100";
    const sent = await fixture.alice.messages.sendText(aliceToBob, text, {
      formatting: [
        { type: "bold", start: 0, length: 3 },
        { type: "underline", start: 0, length: 8 },
        { type: "effect", start: 4, length: 4, effect: TextEffect.explode },
      ],
      enableLinkPreview: true,
      enableDataDetection: true,
    });
    const expected = {
      content: {
        text,
        formatting: [
          { type: "bold", start: 0, length: 3 },
          { type: "underline", start: 0, length: 8 },
          { type: "effect", start: 4, length: 4, effectName: "explode" },
        ],
        balloonBundleId: "com.apple.messages.URLBalloonProvider",
      },
      dataDetectorResultsPresent: true,
    };
    expect(sent).toMatchObject(expected);
    expect(await fixture.bob.messages.get(sent.guid)).toMatchObject(expected);
    expect(await receivedIn(fixture.bob.events.catchUp(0), sent.guid)).toMatchObject(expected);
    const plain = await fixture.alice.messages.sendText(aliceToBob, "no flags https://example.com");
    expect(plain.content.balloonBundleId).toBeUndefined();
    expect(plain.dataDetectorResultsPresent).toBe(false);
  });

  it("edit replaces the text and tells the other side; unsend retracts it and is safe to repeat", async () => {
    await using fixture = await startMessagesFixture();
    const sent = await fixture.alice.messages.sendText(aliceToBob, "helo");
    const live = fixture.bob.messages.subscribeEvents();
    await live.ready;
    const edited = await fixture.alice.messages.edit(aliceToBob, sent.guid, "hello", {
      partIndex: 0,
    });
    expect(edited.content.text).toBe("hello");
    expect(edited.dateEdited).toBeInstanceOf(Date);
    await fixture.alice.messages.unsend(aliceToBob, sent.guid);
    await fixture.alice.messages.unsend(aliceToBob, sent.guid);
    const seen: string[] = [];
    for await (const event of live) {
      seen.push(event.type);
      if (event.type === "message.unsent") {
        expect(event.messageGuid).toBe(sent.guid);
        break;
      }
    }
    expect(seen).toEqual(["message.edited", "message.unsent"]);
    const after = await fixture.bob.messages.get(sent.guid);
    expect(after.dateRetracted).toBeInstanceOf(Date);
    expect(after.content.text).toBeUndefined();
  });

  it("only the sender can edit: someone else's message is a ValidationError (FAILED_PRECONDITION) from the server", async () => {
    await using fixture = await startMessagesFixture();
    const sent = await fixture.alice.messages.sendText(aliceToBob, "mine");
    const failure = fixture.bob.messages.edit(bobToAlice, sent.guid, "yours");
    await expect(failure).rejects.toBeInstanceOf(ValidationError);
    await expect(failure).rejects.toThrow(/only the sender can edit/);
  });

  it("setReaction adds and removes tapbacks of every kind, emoji included", async () => {
    await using fixture = await startMessagesFixture();
    const sent = await fixture.alice.messages.sendText(aliceToBob, "party at 8");
    const liked = await fixture.bob.messages.setReaction(
      bobToAlice,
      sent.guid,
      { kind: "like" },
      true,
    );
    expect(liked.appliedReactions.map((applied) => applied.reaction)).toEqual([{ kind: "like" }]);
    const withEmoji = await fixture.bob.messages.setReaction(
      bobToAlice,
      sent.guid,
      { kind: "emoji", emoji: "🎉" },
      true,
    );
    expect(withEmoji.appliedReactions.map((applied) => applied.reaction)).toEqual([
      { kind: "like" },
      { kind: "emoji", emoji: "🎉" },
    ]);
    for (const kind of ["love", "dislike", "laugh", "emphasize", "question"] as const) {
      const added = await fixture.bob.messages.setReaction(bobToAlice, sent.guid, { kind }, true);
      expect(added.appliedReactions.some((applied) => applied.reaction.kind === kind)).toBe(true);
    }
    const removed = await fixture.bob.messages.setReaction(
      bobToAlice,
      sent.guid,
      { kind: "like" },
      false,
    );
    expect(removed.appliedReactions.some((applied) => applied.reaction.kind === "like")).toBe(
      false,
    );
    const seenByAlice = await fixture.alice.messages.get(sent.guid);
    expect(seenByAlice.appliedReactions).toHaveLength(6);
    expect(seenByAlice.appliedReactions.every((applied) => !applied.isFromMe)).toBe(true);
  });

  it("get is NotFoundError for a message outside the caller's chats", async () => {
    await using fixture = await startMessagesFixture();
    const sent = await fixture.alice.messages.sendText(aliceToBob, "private");
    await expect(fixture.carol.messages.get(sent.guid)).rejects.toBeInstanceOf(NotFoundError);
    // The error names the call the user made, not the RPC underneath.
    await expect(fixture.carol.messages.get(sent.guid)).rejects.toThrow(/^messages\.get\(\)/);
    await expect(fixture.carol.messages.sendText(aliceToBob, "x")).rejects.toThrow(
      /^messages\.sendText\(\)/,
    );
    await expect(fixture.alice.messages.get("NO-SUCH-MESSAGE")).rejects.toBeInstanceOf(
      NotFoundError,
    );
  });

  it("subscribeEvents({ chat }) delivers only that chat's events", async () => {
    await using fixture = await startMessagesFixture();
    await fixture.alice.chats.create(["carol@example.com"]);
    const live = fixture.alice.messages.subscribeEvents({ chat: "any;-;Bob@Example.com" });
    await live.ready;
    await fixture.alice.messages.sendText("any;-;carol@example.com", "to carol");
    const toBob = await fixture.alice.messages.sendText(aliceToBob, "to bob");
    for await (const event of live) {
      expect(event.type).toBe("message.received");
      if (event.type === "message.received") {
        expect(event.message.guid).toBe(toBob.guid);
        expect(event.chatGuid).toBe(aliceToBob);
      }
      break;
    }
  });

  it("a chat GUID is normalised the same way on every call, and a bad one is refused every time", async () => {
    await using fixture = await startMessagesFixture();
    for (let attempt = 0; attempt < 3; attempt++) {
      const sent = await fixture.alice.messages.sendText("any;-;Bob@Example.COM", `hi ${attempt}`);
      expect(sent.chatGuids).toEqual([aliceToBob]);
      await expect(fixture.alice.messages.sendText("any;-;bob@", "hi")).rejects.toBeInstanceOf(
        ValidationError,
      );
    }
    expect((await fixture.bob.events.getLogInfo()).headSequence).toBe(3);
  });
});
