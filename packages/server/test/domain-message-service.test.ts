import { status } from "@grpc/grpc-js";
import {
  ChatServiceDefinition as Chat,
  MessageServiceDefinition as Messages,
  photon,
} from "@threadline/protocol";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { type AccountClient, connectAccount } from "./domain-client.js";
import { type DomainTestServer, startDomainTestServer } from "./domain-fixture.js";

const Kind = photon.imessage.v1.MessageReactionKind;
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

async function send(text: string) {
  return (await alice.call(Messages.sendTextMessage, { chatGuid: aliceToBob, text })).message;
}

describe("SendTextMessage", () => {
  it("delivers message.received to both sides with per-viewer chat GUID and isFromMe", async () => {
    const message = await send("hi bob");
    expect(message.isFromMe).toBe(true);
    expect(message.chatGuids).toEqual([aliceToBob]);
    const [aliceEvent] = await alice.catchUp();
    const [bobEvent] = await bob.catchUp();
    expect(aliceEvent?.sequence).toBe(1);
    expect(aliceEvent?.messageChanged?.isFromMe).toBe(true);
    expect(aliceEvent?.messageChanged?.chatGuid).toBe(aliceToBob);
    expect(bobEvent?.sequence).toBe(1);
    expect(bobEvent?.messageChanged?.isFromMe).toBe(false);
    expect(bobEvent?.messageChanged?.chatGuid).toBe(bobToAlice);
    expect(bobEvent?.messageChanged?.actor?.address).toBe("alice@example.com");
    const received = bobEvent?.messageChanged?.messageReceived?.message;
    expect(received?.guid).toBe(message.guid);
    expect(received?.chatGuids).toEqual([bobToAlice]);
    expect(received?.sender?.address).toBe("alice@example.com");
    expect((await bob.call(Chat.getChat, { chatGuid: bobToAlice })).chat.lastMessage?.guid).toBe(
      message.guid,
    );
  });

  it("appends to the log of a recipient address only once it has an account", async () => {
    await alice.call(Chat.createChat, { addresses: ["dave@example.com"] });
    await alice.call(Messages.sendTextMessage, {
      chatGuid: "any;-;dave@example.com",
      text: "before",
    });
    const dave = connectAccount(
      server.address,
      (await server.createAccount(["dave@example.com"])).token,
    );
    try {
      expect(await dave.catchUp()).toEqual([]);
      expect((await dave.call(Chat.getChat, { chatGuid: bobToAlice })).chat.unreadCount).toBe(1);
      await alice.call(Messages.sendTextMessage, {
        chatGuid: "any;-;dave@example.com",
        text: "after",
      });
      const events = await dave.catchUp();
      expect(
        events.map((event) => event.messageChanged?.messageReceived?.message.content.text),
      ).toEqual(["after"]);
    } finally {
      dave.close();
    }
  });

  it.each([
    [{ chatGuid: aliceToBob, text: "" }, "text must not be empty"],
    [{ chatGuid: aliceToBob, text: "   " }, "text must not be empty"],
    [{ chatGuid: aliceToBob, text: "x".repeat(20_001) }, "at most 20000"],
    [{ chatGuid: aliceToBob, text: "hi", effectId: "boom" }, "not a known message effect"],
    [
      { chatGuid: aliceToBob, text: "hi", replyTo: { messageGuid: "NOPE" } },
      "not a message of this chat",
    ],
    [{ chatGuid: "bob@example.com", text: "hi" }, "must be"],
  ])("rejects %j with INVALID_ARGUMENT", async (request, fragment) => {
    const failure = await alice.failure(Messages.sendTextMessage, request);
    expect(failure.code).toBe(status.INVALID_ARGUMENT);
    expect(failure.details).toContain(fragment);
    expect(await bob.catchUp()).toEqual([]);
  });

  it("is NOT_FOUND in a chat the caller is not in", async () => {
    const failure = await carol.failure(Messages.sendTextMessage, {
      chatGuid: aliceToBob,
      text: "hi",
    });
    expect(failure.code).toBe(status.NOT_FOUND);
    expect(await bob.catchUp()).toEqual([]);
  });

  it("accepts a reply to a message of the same chat", async () => {
    const original = await send("question");
    const reply = await bob.call(Messages.sendTextMessage, {
      chatGuid: bobToAlice,
      text: "answer",
      replyTo: { messageGuid: original.guid },
    });
    expect(reply.message.replyToGuid).toBe(original.guid);
  });
});

describe("EditMessage and UnsendMessage", () => {
  it("edits the sender's own message and tells both sides", async () => {
    const message = await send("helo");
    const edited = await alice.call(Messages.editMessage, {
      target: { chatGuid: aliceToBob, messageGuid: message.guid },
      newText: "hello",
    });
    expect(edited.message.content.text).toBe("hello");
    expect(edited.message.dateEdited).toBeTruthy();
    const bobEvents = await bob.catchUp(1);
    expect(bobEvents[0]?.messageChanged?.messageEdited?.messageGuid).toBe(message.guid);
    expect(bobEvents[0]?.messageChanged?.messageEdited?.content.text).toBe("hello");
    expect(bobEvents[0]?.messageChanged?.isFromMe).toBe(false);
    const fetched = await bob.call(Messages.getMessage, { messageGuid: message.guid });
    expect(fetched.message.content.text).toBe("hello");
  });

  it("refuses to edit or unsend someone else's message with FAILED_PRECONDITION", async () => {
    const message = await send("mine");
    const target = { chatGuid: bobToAlice, messageGuid: message.guid };
    const edit = await bob.failure(Messages.editMessage, { target, newText: "yours now" });
    expect(edit.code).toBe(status.FAILED_PRECONDITION);
    expect(edit.details).toContain("only the sender");
    const unsend = await bob.failure(Messages.unsendMessage, { target });
    expect(unsend.code).toBe(status.FAILED_PRECONDITION);
    expect(
      (await alice.call(Messages.getMessage, { messageGuid: message.guid })).message.content.text,
    ).toBe("mine");
  });

  it("rejects an empty edit and a target in another chat", async () => {
    const message = await send("x");
    const empty = await alice.failure(Messages.editMessage, {
      target: { chatGuid: aliceToBob, messageGuid: message.guid },
      newText: "",
    });
    expect(empty.code).toBe(status.INVALID_ARGUMENT);
    await alice.call(Chat.createChat, { addresses: ["carol@example.com"] });
    const elsewhere = await alice.failure(Messages.editMessage, {
      target: { chatGuid: "any;-;carol@example.com", messageGuid: message.guid },
      newText: "y",
    });
    expect(elsewhere.code).toBe(status.NOT_FOUND);
  });

  it("unsends once, is safe to repeat, and an unsent message can no longer be edited", async () => {
    const message = await send("oops");
    const target = { chatGuid: aliceToBob, messageGuid: message.guid };
    await alice.call(Messages.unsendMessage, { target });
    await alice.call(Messages.unsendMessage, { target });
    const bobEvents = await bob.catchUp(1);
    expect(bobEvents).toHaveLength(1);
    expect(bobEvents[0]?.messageChanged?.messageUnsent?.messageGuid).toBe(message.guid);
    const fetched = await bob.call(Messages.getMessage, { messageGuid: message.guid });
    expect(fetched.message.dateRetracted).toBeTruthy();
    expect(fetched.message.content.text).toBeNull();
    expect((await bob.call(Chat.getChat, { chatGuid: bobToAlice })).chat.unreadCount).toBe(0);
    const edit = await alice.failure(Messages.editMessage, { target, newText: "again" });
    expect(edit.code).toBe(status.FAILED_PRECONDITION);
  });
});

describe("SetReaction", () => {
  it("adds and removes a tapback, once each, with events for both sides", async () => {
    const message = await send("funny");
    const target = { chatGuid: bobToAlice, messageGuid: message.guid };
    const reaction = { kind: Kind.MESSAGE_REACTION_KIND_LAUGH };
    const added = await bob.call(Messages.setReaction, { target, reaction, isSet: true });
    await bob.call(Messages.setReaction, { target, reaction, isSet: true });
    expect(added.message.appliedReactions).toHaveLength(1);
    expect(added.message.appliedReactions[0]?.isFromMe).toBe(true);
    expect(added.message.appliedReactions[0]?.sender?.address).toBe("bob@example.com");
    const seen = await alice.call(Messages.getMessage, { messageGuid: message.guid });
    expect(seen.message.appliedReactions[0]?.isFromMe).toBe(false);

    const removed = await bob.call(Messages.setReaction, { target, reaction, isSet: false });
    await bob.call(Messages.setReaction, { target, reaction, isSet: false });
    expect(removed.message.appliedReactions).toEqual([]);
    const aliceEvents = await alice.catchUp(1);
    expect(aliceEvents.map((event) => event.messageChanged?.change)).toEqual([
      "reactionAdded",
      "reactionRemoved",
    ]);
    expect(aliceEvents[0]?.messageChanged?.reactionAdded?.reaction.kind).toBe(
      Kind.MESSAGE_REACTION_KIND_LAUGH,
    );
    expect(aliceEvents[0]?.messageChanged?.actor?.address).toBe("bob@example.com");
    expect(aliceEvents[0]?.messageChanged?.isFromMe).toBe(false);
  });

  it("carries the emoji of an EMOJI tapback", async () => {
    const message = await send("party");
    const result = await bob.call(Messages.setReaction, {
      target: { chatGuid: bobToAlice, messageGuid: message.guid },
      reaction: { kind: Kind.MESSAGE_REACTION_KIND_EMOJI, emoji: "🎉" },
      isSet: true,
    });
    expect(result.message.appliedReactions[0]?.reaction.emoji).toBe("🎉");
  });

  it.each([
    [{ kind: Kind.MESSAGE_REACTION_KIND_STICKER }, "STICKER cannot be set"],
    [{ kind: Kind.MESSAGE_REACTION_KIND_EMOJI }, "emoji is required"],
    [{ kind: Kind.MESSAGE_REACTION_KIND_LIKE, emoji: "👍" }, "only allowed with kind EMOJI"],
    [{ kind: 42 }, "not a known tapback"],
  ])("rejects the reaction %j with INVALID_ARGUMENT", async (reaction, fragment) => {
    const message = await send("x");
    const failure = await bob.failure(Messages.setReaction, {
      target: { chatGuid: bobToAlice, messageGuid: message.guid },
      reaction,
      isSet: true,
    });
    expect(failure.code).toBe(status.INVALID_ARGUMENT);
    expect(failure.details).toContain(fragment);
    expect(await alice.catchUp(1)).toEqual([]);
  });
});

describe("GetMessage", () => {
  it("is NOT_FOUND for unknown messages and for messages of other people's chats", async () => {
    const message = await send("private");
    expect((await carol.failure(Messages.getMessage, { messageGuid: message.guid })).code).toBe(
      status.NOT_FOUND,
    );
    expect((await carol.failure(Messages.getMessage, { messageGuid: "UNKNOWN" })).code).toBe(
      status.NOT_FOUND,
    );
    expect((await alice.failure(Messages.getMessage, { messageGuid: "" })).code).toBe(
      status.INVALID_ARGUMENT,
    );
  });
});
