import { credentials, Metadata, makeGenericClientConstructor, status } from "@grpc/grpc-js";
import {
  ChatServiceDefinition as Chat,
  MessageServiceDefinition as Messages,
  photon,
} from "@threadline/protocol";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import type { AccountClient } from "./domain-client.js";
import { type DomainTestServer, startDomainTestServer } from "./domain-fixture.js";

const Kind = photon.imessage.v1.MessageReactionKind;
let server: DomainTestServer;
let alice: AccountClient;
let bob: AccountClient;
const aliceToBob = "any;-;bob@example.com";
const bobToAlice = "any;-;alice@example.com";

beforeEach(async () => {
  server = await startDomainTestServer();
  alice = await server.connect("alice@example.com");
  bob = await server.connect("bob@example.com");
  await alice.call(Chat.createChat, { addresses: ["bob@example.com"] });
});

afterEach(() => server.close());

async function send(
  client: AccountClient,
  chatGuid: string,
  text: string,
  extra: Partial<photon.imessage.v1.SendTextMessageRequest.$Properties> = {},
) {
  return (await client.call(Messages.sendTextMessage, { chatGuid, text, ...extra })).message;
}

function received(events: photon.imessage.v1.CatchUpEventsResponse[], guid: string) {
  return events
    .map((event) => event.messageChanged?.messageReceived?.message)
    .find((message) => message?.guid === guid);
}

/** Opens `token`'s live message stream and resolves the first `count` received messages. */
async function liveMessages(token: string, count: number) {
  const method = Messages.subscribeMessageEvents;
  const Client = makeGenericClientConstructor({ subscribe: method }, "Messages");
  const client = new Client(server.address, credentials.createInsecure());
  const metadata = new Metadata();
  metadata.set("authorization", `Bearer ${token}`);
  const stream = client.makeServerStreamRequest(
    method.path,
    method.requestSerialize,
    method.responseDeserialize,
    {},
    metadata,
    {},
  );
  await new Promise<void>((resolve, reject) => {
    stream.once("metadata", () => resolve());
    stream.once("error", reject);
  });
  const messages = new Promise<photon.imessage.v1.Message[]>((resolve, reject) => {
    const seen: photon.imessage.v1.Message[] = [];
    stream.on("data", (frame: photon.imessage.v1.SubscribeMessageEventsResponse) => {
      const payload = frame.messageChanged?.messageReceived?.message;
      if (payload === undefined || payload === null) return;
      seen.push(payload);
      if (seen.length === count) resolve(seen);
    });
    stream.once("error", reject);
  });
  return {
    messages,
    close() {
      stream.cancel();
      client.close();
    },
  };
}

describe("threaded replies", () => {
  it("a reply names its thread in the response, in GetMessage and in both sides' catch-up", async () => {
    const question = await send(alice, aliceToBob, "lunch?");
    const reply = await send(bob, bobToAlice, "yes", { replyTo: { messageGuid: question.guid } });
    const expected = {
      replyToGuid: question.guid,
      replyTargetGuid: question.guid,
      threadOriginatorGuid: question.guid,
      threadOriginatorPart: "0:0:6",
    };
    expect(reply).toMatchObject(expected);
    expect(
      (await alice.call(Messages.getMessage, { messageGuid: reply.guid })).message,
    ).toMatchObject(expected);
    expect(received(await alice.catchUp(), reply.guid)).toMatchObject(expected);
    expect(received(await bob.catchUp(), reply.guid)).toMatchObject(expected);
  });

  it("a reply to a reply joins the thread of the first message", async () => {
    const root = await send(alice, aliceToBob, "plan?");
    const first = await send(bob, bobToAlice, "friday", { replyTo: { messageGuid: root.guid } });
    const second = await send(alice, aliceToBob, "ok", { replyTo: { messageGuid: first.guid } });
    expect(second.replyToGuid).toBe(first.guid);
    expect(second.threadOriginatorGuid).toBe(root.guid);
    expect(second.replyTargetGuid).toBe(root.guid);
  });

  it("a reply to bubble 0 names the part; a message that is no reply carries no thread fields", async () => {
    const root = await send(alice, aliceToBob, "hello");
    const reply = await send(bob, bobToAlice, "hi", {
      replyTo: { messageGuid: root.guid, targetPartIndex: 0 },
    });
    expect(reply.threadOriginatorPart).toBe("0:0:5");
    for (const field of ["replyToGuid", "replyTargetGuid", "threadOriginatorGuid"] as const) {
      expect(root[field] ?? undefined).toBeUndefined();
    }
  });

  it("live subscribers see the reply's thread fields", async () => {
    const dana = await server.createAccount(["dana@example.com"]);
    await alice.call(Chat.createChat, { addresses: ["dana@example.com"] });
    const live = await liveMessages(dana.token, 2);
    try {
      const root = await send(alice, "any;-;dana@example.com", "tea?");
      await send(alice, "any;-;dana@example.com", "or coffee", {
        replyTo: { messageGuid: root.guid },
      });
      const [first, reply] = await live.messages;
      expect(first?.guid).toBe(root.guid);
      expect(reply).toMatchObject({
        replyToGuid: root.guid,
        replyTargetGuid: root.guid,
        threadOriginatorGuid: root.guid,
        threadOriginatorPart: "0:0:4",
        isFromMe: false,
      });
    } finally {
      live.close();
    }
  });
});

describe("formatting, link previews and data detection", () => {
  const formatting = [
    { type: "bold", start: 0, length: 4 },
    { type: "italic", start: 2, length: 3 },
    { type: "effect", start: 4, length: 5, effectName: "shake" },
  ];

  it("stores formatting ranges and returns them in the response, GetMessage and catch-up", async () => {
    const message = await send(alice, aliceToBob, "big news!", { formatting });
    expect(message.content.formatting).toMatchObject(formatting);
    const fetched = (await bob.call(Messages.getMessage, { messageGuid: message.guid })).message;
    expect(fetched.content.formatting).toMatchObject(formatting);
    expect(received(await bob.catchUp(), message.guid)?.content.formatting).toMatchObject(
      formatting,
    );
  });

  it("an edit replaces the text and drops the old ranges", async () => {
    const message = await send(alice, aliceToBob, "big news!", { formatting });
    const edited = await alice.call(Messages.editMessage, {
      target: { chatGuid: aliceToBob, messageGuid: message.guid },
      newText: "small news",
    });
    expect(edited.message.content.formatting).toEqual([]);
    const events = await bob.catchUp();
    const change = events.at(-1)?.messageChanged?.messageEdited;
    expect(change?.content.text).toBe("small news");
    expect(change?.content.formatting).toEqual([]);
  });

  it("a link preview is a URL balloon when the text has a link, and nothing otherwise", async () => {
    const withLink = await send(alice, aliceToBob, "see https://example.com/a", {
      enableLinkPreview: true,
    });
    const noLink = await send(alice, aliceToBob, "no link here", { enableLinkPreview: true });
    const notAsked = await send(alice, aliceToBob, "see https://example.com/b");
    expect(withLink.content.balloonBundleId).toBe("com.apple.messages.URLBalloonProvider");
    expect(noLink.content.balloonBundleId ?? undefined).toBeUndefined();
    expect(notAsked.content.balloonBundleId ?? undefined).toBeUndefined();
    const fetched = (await bob.call(Messages.getMessage, { messageGuid: withLink.guid })).message;
    expect(fetched.content.balloonBundleId).toBe("com.apple.messages.URLBalloonProvider");
  });

  it("data detection marks results when the text has a link, email or phone number", async () => {
    const email = await send(alice, aliceToBob, "write to carol@example.com", {
      enableDataDetection: true,
    });
    const phone = await send(alice, aliceToBob, "call +1 415 555 0100", {
      enableDataDetection: true,
    });
    const nothing = await send(alice, aliceToBob, "see you at 7", { enableDataDetection: true });
    const notAsked = await send(alice, aliceToBob, "write to carol@example.com");
    expect(email.dataDetectorResultsPresent).toBe(true);
    expect(phone.dataDetectorResultsPresent).toBe(true);
    expect(nothing.dataDetectorResultsPresent).toBe(false);
    expect(notAsked.dataDetectorResultsPresent).toBe(false);
    expect(received(await bob.catchUp(), email.guid)?.dataDetectorResultsPresent).toBe(true);
  });
});

describe("fields the server cannot honour are refused, and nothing is written", () => {
  it.each<[string, Partial<photon.imessage.v1.SendTextMessageRequest.$Properties>, string]>([
    [
      "a range past the text",
      { formatting: [{ type: "bold", start: 3, length: 5 }] },
      "past the end",
    ],
    ["a negative start", { formatting: [{ type: "bold", start: -1, length: 2 }] }, "start >= 0"],
    ["an empty range", { formatting: [{ type: "bold", start: 0, length: 0 }] }, "length >= 1"],
    [
      "an unknown style",
      { formatting: [{ type: "sparkly", start: 0, length: 2 }] },
      "allowed: bold",
    ],
    [
      "an effect without a name",
      { formatting: [{ type: "effect", start: 0, length: 2 }] },
      "needs one of big",
    ],
    [
      "an effect name on bold",
      { formatting: [{ type: "bold", start: 0, length: 2, effectName: "shake" }] },
      "only allowed with type effect",
    ],
    [
      "overlapping ranges of one style",
      {
        formatting: [
          { type: "bold", start: 0, length: 3 },
          { type: "bold", start: 2, length: 2 },
        ],
      },
      "overlap",
    ],
    [
      "too many ranges",
      { formatting: Array.from({ length: 257 }, () => ({ type: "bold", start: 0, length: 1 })) },
      "at most 256",
    ],
    [
      "a part index other than 0",
      { replyTo: { messageGuid: "ABC", targetPartIndex: 1 } },
      "single part",
    ],
  ])("SendTextMessage with %s is INVALID_ARGUMENT", async (_name, extra, fragment) => {
    const failure = await alice.failure(Messages.sendTextMessage, {
      chatGuid: aliceToBob,
      text: "hello",
      ...extra,
    });
    expect(failure.code).toBe(status.INVALID_ARGUMENT);
    expect(failure.details).toContain(fragment);
    expect(await bob.catchUp()).toEqual([]);
  });

  it("a range that cuts an emoji in two is INVALID_ARGUMENT", async () => {
    const failure = await alice.failure(Messages.sendTextMessage, {
      chatGuid: aliceToBob,
      text: "hi 👋",
      formatting: [{ type: "bold", start: 0, length: 4 }],
    });
    expect(failure.code).toBe(status.INVALID_ARGUMENT);
    expect(failure.details).toContain("surrogate pair");
  });

  it("backward_compat_text and part indexes other than 0 are INVALID_ARGUMENT", async () => {
    const message = await send(alice, aliceToBob, "hello");
    const before = (await bob.catchUp()).length;
    const edit = await alice.failure(Messages.editMessage, {
      target: { chatGuid: aliceToBob, messageGuid: message.guid },
      newText: "hi",
      backwardCompatText: "Edited to hi",
    });
    expect(edit.code).toBe(status.INVALID_ARGUMENT);
    expect(edit.details).toContain("backward_compat_text is not supported");
    const reaction = await bob.failure(Messages.setReaction, {
      target: { chatGuid: bobToAlice, messageGuid: message.guid, targetPartIndex: 2 },
      reaction: { kind: Kind.MESSAGE_REACTION_KIND_LIKE },
      isSet: true,
    });
    expect(reaction.code).toBe(status.INVALID_ARGUMENT);
    expect(reaction.details).toContain("single part");
    expect((await bob.catchUp()).length).toBe(before);
  });

  it("a reply to an unsent message is FAILED_PRECONDITION", async () => {
    const message = await send(alice, aliceToBob, "oops");
    await alice.call(Messages.unsendMessage, {
      target: { chatGuid: aliceToBob, messageGuid: message.guid },
    });
    const before = (await bob.catchUp()).length;
    const failure = await bob.failure(Messages.sendTextMessage, {
      chatGuid: bobToAlice,
      text: "what?",
      replyTo: { messageGuid: message.guid },
    });
    expect(failure.code).toBe(status.FAILED_PRECONDITION);
    expect(failure.details).toContain("cannot be replied to");
    expect((await bob.catchUp()).length).toBe(before);
  });
});
