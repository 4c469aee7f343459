import { createServer } from "node:net";
import { ConnectionError, createClient, ValidationError } from "@threadline/core";
import { ChatServiceDefinition } from "@threadline/protocol";
import { createRawClient } from "@threadline/server/testing";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { chats, MessageEffect } from "../src/index.js";
import { bobAddress, pngBytes, startChatsFixture } from "./chats-fixture.js";

/** A loopback port that nothing listens on: any call that reaches the network fails. */
async function closedPort(): Promise<number> {
  const listener = createServer();
  await new Promise<void>((resolve) => listener.listen(0, "127.0.0.1", resolve));
  const address = listener.address();
  await new Promise<void>((resolve) => listener.close(() => resolve()));
  if (address === null || typeof address === "string") throw new Error("no TCP port");
  return address.port;
}

describe("client-side validation happens before any network call", () => {
  let im: ReturnType<typeof createOfflineClient>;
  function createOfflineClient(port: number) {
    return createClient({
      address: `127.0.0.1:${port}`,
      token: "unused",
      tls: false,
      timeoutMs: 2_000,
      retry: false,
      resources: { chats },
    });
  }
  beforeAll(async () => {
    im = createOfflineClient(await closedPort());
  });
  afterAll(async () => {
    await im.close();
  });

  it("a valid call to the closed port fails with ConnectionError, so the rejections below never left the process", async () => {
    await expect(im.chats.count()).rejects.toBeInstanceOf(ConnectionError);
  });

  const guid = "any;-;bob@example.com";
  const cases: ReadonlyArray<readonly [string, () => Promise<unknown>, RegExp]> = [
    [
      "no addresses",
      () => im.chats.create([]),
      /at least one email address or E\.164 phone number/,
    ],
    [
      "addresses not an array",
      () => im.chats.create("bob@example.com" as never),
      /must be an array/,
    ],
    [
      "an invalid email",
      () => im.chats.create(["bob@example"]),
      /addresses\[0\] is not a valid email address/,
    ],
    ["a short code", () => im.chats.create(["12345"]), /looks like a short code/],
    ["a national number", () => im.chats.create(["4155550100"]), /leading "\+"/],
    ["an impossible number", () => im.chats.create(["+12345"]), /not a valid phone number/],
    [
      "a premium-rate number",
      () => im.chats.create(["+19005550199"]),
      /premium-rate number, a service number/,
    ],
    [
      "a non-string address",
      () => im.chats.create([42 as never]),
      /addresses\[0\] must be a string/,
    ],
    [
      "duplicates after normalisation",
      () => im.chats.create(["bob@example.com", "BOB@Example.com"]),
      /addresses\[1\] repeats addresses\[0\]/,
    ],
    [
      "an effect without a message",
      () => im.chats.create([bobAddress], { effect: MessageEffect.confetti }),
      /only allowed together with options\.message/,
    ],
    [
      "an unknown effect",
      () => im.chats.create([bobAddress], { message: "hi", effect: "confetti" as never }),
      /must be one of MessageEffect\.slam/,
    ],
    [
      "an empty message",
      () => im.chats.create([bobAddress], { message: "" }),
      /options\.message must be non-empty/,
    ],
    [
      "a blank clientMessageId",
      () => im.chats.create([bobAddress], { clientMessageId: " " }),
      /clientMessageId must be a non-empty string/,
    ],
    [
      "a malformed chat GUID (get)",
      () => im.chats.get("bob@example.com"),
      /chatGuid must be a chat GUID/,
    ],
    ["a direct GUID without address", () => im.chats.get("any;-;"), /no address after "any;-;"/],
    ["a group GUID with spaces", () => im.chats.markRead("any;+;a b"), /needs a group id/],
    [
      "a non-string GUID",
      () => im.chats.hasBackground(undefined as never),
      /chatGuid must be a chat GUID/,
    ],
    [
      "a GUID with a bad address",
      () => im.chats.shareContactInfo("any;-;12345"),
      /chatGuid address looks like a short code/,
    ],
    [
      "setTyping with a string",
      () => im.chats.setTyping(guid, "false" as never),
      /isTyping must be true .* or false/,
    ],
    [
      "setTyping without a flag",
      () => im.chats.setTyping(guid, undefined as never),
      /isTyping must be true/,
    ],
    [
      "empty background bytes",
      () => im.chats.setBackground(guid, new Uint8Array(0)),
      /data must not be empty/,
    ],
    [
      "background as a string",
      () => im.chats.setBackground(guid, "background.jpg" as never),
      /data must be the image bytes as a Uint8Array/,
    ],
    [
      "a GUID for removeBackground",
      () => im.chats.removeBackground("any;x;y"),
      /chatGuid must be a chat GUID/,
    ],
    [
      "includeArchived not boolean",
      () => im.chats.count({ includeArchived: "yes" as never }),
      /includeArchived must be true, false/,
    ],
    ["a GUID for archive", () => im.chats.archive("nope"), /chatGuid must be a chat GUID/],
    [
      "a signal that is not an AbortSignal",
      () => im.chats.count({ signal: { aborted: false } as never }),
      /options\.signal must be an AbortSignal/,
    ],
    [
      "a timeoutMs that is not a positive number",
      () => im.chats.get(guid, { timeoutMs: -5 }),
      /options\.timeoutMs must be a positive finite number of milliseconds/,
    ],
    [
      "options that are not an object",
      () => im.chats.get(guid, "fast" as never),
      /options must be an object/,
    ],
    ["a GUID for unarchive", () => im.chats.unarchive("nope"), /chatGuid must be a chat GUID/],
  ];

  it.each(cases)(
    "%s is a ValidationError that says what is allowed",
    async (_name, call, message) => {
      const attempt = call();
      await expect(attempt).rejects.toBeInstanceOf(ValidationError);
      await expect(attempt).rejects.toThrow(message);
      await expect(attempt).rejects.toMatchObject({ code: "INVALID_ARGUMENT", retryable: false });
    },
  );

  it("subscribeEvents rejects a malformed chat filter synchronously", () => {
    expect(() => im.chats.subscribeEvents({ chat: "alice@example.com" })).toThrow(ValidationError);
    expect(() => im.chats.subscribeEvents({ chat: "alice@example.com" })).toThrow(
      /filter\.chat must be a chat GUID/,
    );
  });
});

describe("the server re-checks what the SDK refuses to send", () => {
  it.each([
    ["no addresses", { addresses: [] }],
    ["an invalid email", { addresses: ["bob@example"] }],
    ["a short code", { addresses: ["12345"] }],
    ["a service number", { addresses: ["+19005550199"] }],
    ["duplicates after normalisation", { addresses: ["bob@example.com", "BOB@example.com"] }],
    [
      "an effect without a message",
      {
        addresses: ["bob@example.com"],
        initialMessage: { text: "", effectId: MessageEffect.confetti },
      },
    ],
  ])("CreateChat with %s is INVALID_ARGUMENT and stores nothing", async (_name, request) => {
    await using fixture = await startChatsFixture();
    const raw = createRawClient(fixture.server.address, fixture.tokens.alice);
    try {
      const outcome = await raw.call(ChatServiceDefinition.createChat, request);
      expect(outcome).toMatchObject({
        ok: false,
        code: 3,
        errorCode: "INVALID_ARGUMENT",
        retryable: "false",
      });
      expect(await fixture.alice.chats.count({ includeArchived: true })).toBe(0);
    } finally {
      raw.close();
    }
  });

  type Raw = ReturnType<typeof createRawClient>;
  const badGuid = "bob@example.com";
  it.each([
    ["GetChat", (raw: Raw) => raw.call(ChatServiceDefinition.getChat, { chatGuid: badGuid })],
    [
      "MarkChatRead",
      (raw: Raw) => raw.call(ChatServiceDefinition.markChatRead, { chatGuid: badGuid }),
    ],
    [
      "HasBackground",
      (raw: Raw) => raw.call(ChatServiceDefinition.hasBackground, { chatGuid: badGuid }),
    ],
    [
      "RemoveBackground",
      (raw: Raw) => raw.call(ChatServiceDefinition.removeBackground, { chatGuid: badGuid }),
    ],
    [
      "ShareContactInfo",
      (raw: Raw) => raw.call(ChatServiceDefinition.shareContactInfo, { chatGuid: badGuid }),
    ],
    [
      "SetTyping",
      (raw: Raw) =>
        raw.call(ChatServiceDefinition.setTyping, { chatGuid: badGuid, isTyping: true }),
    ],
    [
      "SetBackground",
      (raw: Raw) =>
        raw.call(ChatServiceDefinition.setBackground, { chatGuid: badGuid, data: pngBytes }),
    ],
  ])("%s with a malformed chat GUID is INVALID_ARGUMENT", async (_name, call) => {
    await using fixture = await startChatsFixture();
    const raw = createRawClient(fixture.server.address, fixture.tokens.alice);
    try {
      expect(await call(raw)).toMatchObject({ ok: false, code: 3, errorCode: "INVALID_ARGUMENT" });
    } finally {
      raw.close();
    }
  });

  it("SetBackground with empty bytes is INVALID_ARGUMENT and sets nothing", async () => {
    await using fixture = await startChatsFixture();
    const { chat } = await fixture.alice.chats.create([bobAddress]);
    const raw = createRawClient(fixture.server.address, fixture.tokens.alice);
    try {
      const outcome = await raw.call(ChatServiceDefinition.setBackground, {
        chatGuid: chat.guid,
        data: new Uint8Array(0),
      });
      expect(outcome).toMatchObject({ ok: false, code: 3, errorCode: "INVALID_ARGUMENT" });
      expect(await fixture.alice.chats.hasBackground(chat.guid)).toBe(false);
      const accepted = await raw.call(ChatServiceDefinition.setBackground, {
        chatGuid: chat.guid,
        data: pngBytes,
      });
      expect(accepted.ok).toBe(true);
    } finally {
      raw.close();
    }
  });

  it("SetTyping and GetChat on a chat the caller is not in are NOT_FOUND", async () => {
    await using fixture = await startChatsFixture();
    const raw = createRawClient(fixture.server.address, fixture.tokens.alice);
    try {
      const chatGuid = "any;+;nosuchgroup";
      expect(
        await raw.call(ChatServiceDefinition.setTyping, { chatGuid, isTyping: true }),
      ).toMatchObject({
        ok: false,
        code: 5,
        errorCode: "NOT_FOUND",
      });
      expect(await raw.call(ChatServiceDefinition.getChat, { chatGuid })).toMatchObject({
        ok: false,
        code: 5,
        errorCode: "NOT_FOUND",
      });
    } finally {
      raw.close();
    }
  });

  it("a call without a token is UNAUTHENTICATED", async () => {
    await using fixture = await startChatsFixture();
    const raw = createRawClient(fixture.server.address, "not-a-token");
    try {
      const outcome = await raw.call(ChatServiceDefinition.getChatCount, {});
      expect(outcome).toMatchObject({ ok: false, code: 16, errorCode: "UNAUTHENTICATED" });
    } finally {
      raw.close();
    }
  });
});
