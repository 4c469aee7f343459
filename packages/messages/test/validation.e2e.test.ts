import { createServer } from "node:net";
import { status } from "@grpc/grpc-js";
import { ConnectionError, createClient, ValidationError } from "@threadline/core";
import { MessageServiceDefinition as Messages, photon } from "@threadline/protocol";
import { createRawClient } from "@threadline/server/testing";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { MessageEffect, maxMessageTextLength, messages } from "../src/index.js";
import { aliceToBob, startMessagesFixture } from "./messages-fixture.js";

/** A loopback port that nothing listens on: any call that reaches the network fails. */
async function closedPort(): Promise<number> {
  const listener = createServer();
  await new Promise<void>((resolve) => listener.listen(0, "127.0.0.1", resolve));
  const address = listener.address();
  await new Promise<void>((resolve) => listener.close(() => resolve()));
  if (address === null || typeof address === "string") throw new Error("no TCP port");
  return address.port;
}

const guid = "3F2B8C1E-0000-4000-8000-000000000001";

describe("client-side validation happens before any network call", () => {
  let im: ReturnType<typeof createOfflineClient>;
  function createOfflineClient(port: number) {
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
    im = createOfflineClient(await closedPort());
  });
  afterAll(async () => {
    await im.close();
  });

  it("a valid call to the closed port fails with ConnectionError, so the rejections below never left the process", async () => {
    await expect(im.messages.get(guid)).rejects.toBeInstanceOf(ConnectionError);
  });

  const cases: ReadonlyArray<readonly [string, () => Promise<unknown>, RegExp]> = [
    ["a malformed chat GUID", () => im.messages.sendText("bob", "hi"), /^chat must be a chat GUID/],
    [
      "a direct chat GUID with a bad address",
      () => im.messages.sendText("any;-;bob@", "hi"),
      /chat address/,
    ],
    ["blank text", () => im.messages.sendText(aliceToBob, "   "), /^text is blank/],
    ["non-string text", () => im.messages.sendText(aliceToBob, 7 as never), /^text must be/],
    [
      "text over the server's limit",
      () => im.messages.sendText(aliceToBob, "x".repeat(maxMessageTextLength + 1)),
      /is 20001 units long; expected non-empty text of at most 20000/,
    ],
    [
      "an unknown effect",
      () => im.messages.sendText(aliceToBob, "hi", { effect: "com.example.wobble" as never }),
      /options\.effect must be one of MessageEffect\.slam/,
    ],
    [
      "a blank subject",
      () => im.messages.sendText(aliceToBob, "hi", { subject: "" }),
      /options\.subject is blank/,
    ],
    [
      "a reply target that is not a GUID",
      () => im.messages.sendText(aliceToBob, "hi", { replyTo: "has space" }),
      /options\.replyTo must be a message GUID/,
    ],
    [
      "a negative reply part",
      () => im.messages.sendText(aliceToBob, "hi", { replyTo: { guid, partIndex: -1 } }),
      /options\.replyTo\.partIndex must be a bubble index/,
    ],
    [
      "formatting that is not an array",
      () => im.messages.sendText(aliceToBob, "hi", { formatting: {} as never }),
      /options\.formatting must be an array/,
    ],
    [
      "a range past the text",
      () =>
        im.messages.sendText(aliceToBob, "hi", {
          formatting: [{ type: "bold", start: 1, length: 5 }],
        }),
      /options\.formatting\[0\] ends at 6, past the end of the text/,
    ],
    [
      "an unknown style",
      () =>
        im.messages.sendText(aliceToBob, "hi", {
          formatting: [{ type: "sparkle", start: 0, length: 1 } as never],
        }),
      /options\.formatting\[0\]\.type must be one of bold, italic/,
    ],
    [
      "an empty range",
      () =>
        im.messages.sendText(aliceToBob, "hi", {
          formatting: [{ type: "bold", start: 0, length: 0 }],
        }),
      /options\.formatting\[0\]\.length must be a positive integer/,
    ],
    [
      "an effect range without an effect",
      () =>
        im.messages.sendText(aliceToBob, "hi", {
          formatting: [{ type: "effect", start: 0, length: 1 } as never],
        }),
      /options\.formatting\[0\]\.effect must be one of big, small/,
    ],
    [
      "an effect on a bold range",
      () =>
        im.messages.sendText(aliceToBob, "hi", {
          formatting: [{ type: "bold", start: 0, length: 1, effect: "big" } as never],
        }),
      /options\.formatting\[0\]\.effect must be omitted/,
    ],
    [
      "overlapping ranges of one style",
      () =>
        im.messages.sendText(aliceToBob, "hello", {
          formatting: [
            { type: "italic", start: 0, length: 3 },
            { type: "italic", start: 2, length: 3 },
          ],
        }),
      /options\.formatting\[1\] overlaps options\.formatting\[0\], also italic/,
    ],
    [
      "a range that cuts an emoji",
      () =>
        im.messages.sendText(aliceToBob, "hi 👋", {
          formatting: [{ type: "bold", start: 0, length: 4 }],
        }),
      /cuts a surrogate pair/,
    ],
    [
      "a non-boolean link-preview flag",
      () => im.messages.sendText(aliceToBob, "hi", { enableLinkPreview: "yes" as never }),
      /options\.enableLinkPreview must be true, false or omitted/,
    ],
    [
      "a non-boolean data-detection flag",
      () => im.messages.sendText(aliceToBob, "hi", { enableDataDetection: 1 as never }),
      /options\.enableDataDetection must be true, false or omitted/,
    ],
    [
      "a clientMessageId with spaces around it",
      () => im.messages.sendText(aliceToBob, "hi", { clientMessageId: " key " }),
      /options\.clientMessageId must be a non-empty string/,
    ],
    [
      "a malformed message GUID to edit",
      () => im.messages.edit(aliceToBob, "", "x"),
      /^message must be a message GUID/,
    ],
    ["a blank edit", () => im.messages.edit(aliceToBob, guid, ""), /^newText is blank/],
    [
      "a fractional part index",
      () => im.messages.unsend(aliceToBob, guid, { partIndex: 0.5 }),
      /options\.partIndex must be a bubble index/,
    ],
    [
      "a sticker tapback",
      () => im.messages.setReaction(aliceToBob, guid, { kind: "sticker" as never }, true),
      /reaction\.kind must be one of love, like/,
    ],
    [
      "an emoji tapback without an emoji",
      () => im.messages.setReaction(aliceToBob, guid, { kind: "emoji" }, true),
      /reaction\.emoji must be one emoji/,
    ],
    [
      "an emoji on a like",
      () => im.messages.setReaction(aliceToBob, guid, { kind: "like", emoji: "👍" }, true),
      /reaction\.emoji must be omitted: kind "like" carries no emoji/,
    ],
    [
      "isSet that is not a boolean",
      () => im.messages.setReaction(aliceToBob, guid, { kind: "like" }, "false" as never),
      /isSet must be true \(add the tapback\) or false \(remove it\)/,
    ],
    [
      "get without a GUID",
      () => im.messages.get(undefined as never),
      /^message must be a message GUID/,
    ],
    [
      "a bad timeout",
      () => im.messages.get(guid, { timeoutMs: -1 }),
      /options\.timeoutMs must be a positive finite number/,
    ],
  ];

  it.each(cases)("rejects %s with ValidationError", async (_name, call, message) => {
    const failure = call();
    await expect(failure).rejects.toBeInstanceOf(ValidationError);
    await expect(failure).rejects.toThrow(message);
  });

  it("subscribeEvents rejects a malformed chat filter synchronously", () => {
    expect(() => im.messages.subscribeEvents({ chat: "not a guid" })).toThrow(ValidationError);
    expect(() => im.messages.subscribeEvents("chat" as never)).toThrow(/filter must be an object/);
  });

  it("the effect names are the chats package's list", () => {
    expect(Object.keys(MessageEffect)).toContain("invisibleInk");
  });
});

describe("the server rejects the same inputs when a client skips the checks", () => {
  it.each<[string, photon.imessage.v1.SendTextMessageRequest.$Properties, RegExp]>([
    ["blank text", { chatGuid: aliceToBob, text: " " }, /text must not be empty/],
    [
      "text over the limit",
      { chatGuid: aliceToBob, text: "x".repeat(maxMessageTextLength + 1) },
      /at most 20000/,
    ],
    [
      "an unknown effect",
      { chatGuid: aliceToBob, text: "hi", effectId: "x" },
      /not a known message effect/,
    ],
    [
      "a range past the text",
      { chatGuid: aliceToBob, text: "hi", formatting: [{ type: "bold", start: 1, length: 5 }] },
      /past the end/,
    ],
    [
      "overlapping ranges",
      {
        chatGuid: aliceToBob,
        text: "hello",
        formatting: [
          { type: "bold", start: 0, length: 3 },
          { type: "bold", start: 1, length: 1 },
        ],
      },
      /overlap/,
    ],
    [
      "a reply part other than 0",
      { chatGuid: aliceToBob, text: "hi", replyTo: { messageGuid: guid, targetPartIndex: 3 } },
      /single part/,
    ],
    ["a malformed chat GUID", { chatGuid: "bob", text: "hi" }, /chat_guid/],
  ])(
    "SendTextMessage with %s is INVALID_ARGUMENT and writes nothing",
    async (_name, request, detail) => {
      await using fixture = await startMessagesFixture();
      const raw = createRawClient(fixture.server.address, fixture.tokens.alice);
      try {
        const outcome = await raw.call(Messages.sendTextMessage, request);
        expect(outcome.ok).toBe(false);
        if (!outcome.ok) {
          expect(outcome.code).toBe(status.INVALID_ARGUMENT);
          expect(outcome.details).toMatch(detail);
        }
        expect((await fixture.bob.events.getLogInfo()).headSequence).toBe(0);
      } finally {
        raw.close();
      }
    },
  );

  it("EditMessage, UnsendMessage, SetReaction and GetMessage re-check their arguments on the server", async () => {
    await using fixture = await startMessagesFixture();
    const sent = await fixture.alice.messages.sendText(aliceToBob, "hello");
    const raw = createRawClient(fixture.server.address, fixture.tokens.alice);
    try {
      const target = { chatGuid: aliceToBob, messageGuid: sent.guid };
      const outcomes = await Promise.all([
        raw.call(Messages.editMessage, { target, newText: "" }),
        raw.call(Messages.editMessage, { target, newText: "x", backwardCompatText: "old" }),
        raw.call(Messages.setReaction, {
          target,
          reaction: { kind: photon.imessage.v1.MessageReactionKind.MESSAGE_REACTION_KIND_STICKER },
          isSet: true,
        }),
        raw.call(Messages.setReaction, {
          target,
          reaction: { kind: photon.imessage.v1.MessageReactionKind.MESSAGE_REACTION_KIND_EMOJI },
          isSet: true,
        }),
        raw.call(Messages.getMessage, { messageGuid: "has space" }),
        raw.call(Messages.unsendMessage, { target: { ...target, messageGuid: "has space" } }),
        raw.call(Messages.unsendMessage, { target: { ...target, targetPartIndex: 1 } }),
        raw.call(Messages.editMessage, { target: { ...target, chatGuid: "bob" }, newText: "x" }),
      ]);
      expect(outcomes.map((outcome) => (outcome.ok ? "ok" : outcome.code))).toEqual(
        Array(8).fill(status.INVALID_ARGUMENT),
      );
      // The message is untouched: not edited, not unsent.
      const after = await fixture.bob.messages.get(sent.guid);
      expect(after.content.text).toBe("hello");
      expect(after.dateRetracted).toBeUndefined();
      // Only the original send is in Bob's log.
      expect((await fixture.bob.events.getLogInfo()).headSequence).toBe(1);
    } finally {
      raw.close();
    }
  });
});
