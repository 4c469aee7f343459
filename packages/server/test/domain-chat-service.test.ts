import { status } from "@grpc/grpc-js";
import {
  ChatServiceDefinition as Chat,
  MessageServiceDefinition as Messages,
} from "@threadline/protocol";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { type AccountClient, connectAccount } from "./domain-client.js";
import { type DomainTestServer, startDomainTestServer } from "./domain-fixture.js";

let server: DomainTestServer;
let alice: AccountClient;
let bob: AccountClient;
let carol: AccountClient;

beforeEach(async () => {
  server = await startDomainTestServer();
  alice = await server.connect("alice@example.com");
  bob = await server.connect("bob@example.com");
  carol = await server.connect("+14155550100");
});

afterEach(() => server.close());

describe("CreateChat", () => {
  it("creates a direct chat that each side names after the other", async () => {
    const created = await alice.call(Chat.createChat, { addresses: ["Bob@Example.com"] });
    expect(created.chat.guid).toBe("any;-;bob@example.com");
    expect(created.chat.isGroup).toBe(false);
    expect(created.chat.participants.map((participant) => participant.address)).toEqual([
      "bob@example.com",
    ]);
    expect(created.initialMessage).toBeNull();

    const fromBob = await bob.call(Chat.getChat, { chatGuid: "any;-;alice@example.com" });
    expect(fromBob.chat.guid).toBe("any;-;alice@example.com");
    expect(fromBob.chat.participants.map((participant) => participant.address)).toEqual([
      "alice@example.com",
    ]);
  });

  it("resolves the existing direct chat from either side instead of creating another", async () => {
    const first = await alice.call(Chat.createChat, { addresses: ["bob@example.com"] });
    const again = await alice.call(Chat.createChat, { addresses: ["bob@example.com"] });
    const fromBob = await bob.call(Chat.createChat, { addresses: ["alice@example.com"] });
    expect(again.chat.guid).toBe(first.chat.guid);
    expect(fromBob.chat.guid).toBe("any;-;alice@example.com");
    expect((await alice.call(Chat.getChatCount, {})).count).toBe(1);
    expect((await bob.call(Chat.getChatCount, {})).count).toBe(1);
  });

  it("resolves one direct chat when both sides create it at the same moment", async () => {
    const [fromAlice, fromBob] = await Promise.all([
      alice.call(Chat.createChat, {
        addresses: ["bob@example.com"],
        initialMessage: { text: "hi bob" },
      }),
      bob.call(Chat.createChat, {
        addresses: ["alice@example.com"],
        initialMessage: { text: "hi alice" },
      }),
    ]);
    expect(fromAlice.chat.guid).toBe("any;-;bob@example.com");
    expect(fromBob.chat.guid).toBe("any;-;alice@example.com");
    expect((await alice.call(Chat.getChatCount, {})).count).toBe(1);
    const texts = (await alice.catchUp()).map(
      (event) => event.messageChanged?.messageReceived?.message.content.text,
    );
    expect(texts.sort()).toEqual(["hi alice", "hi bob"]);
  });

  it("creates a group for two or more addresses, with phones normalised to E.164", async () => {
    const created = await alice.call(Chat.createChat, {
      addresses: ["bob@example.com", "+1 (415) 555-0100"],
    });
    expect(created.chat.guid).toMatch(/^any;\+;[0-9a-f]{32}$/);
    expect(created.chat.isGroup).toBe(true);
    expect(created.chat.participants.map((participant) => participant.address)).toEqual([
      "bob@example.com",
      "+14155550100",
    ]);
    const fromCarol = await carol.call(Chat.getChat, { chatGuid: created.chat.guid });
    expect(fromCarol.chat.guid).toBe(created.chat.guid);
    expect(fromCarol.chat.participants.map((participant) => participant.address)).toEqual([
      "alice@example.com",
      "bob@example.com",
    ]);
  });

  it("sends the opening message with its effect to every participant's log", async () => {
    const created = await alice.call(Chat.createChat, {
      addresses: ["bob@example.com"],
      initialMessage: { text: "hello", effectId: "com.apple.messages.effect.CKConfettiEffect" },
    });
    const message = created.initialMessage;
    expect(message?.content.text).toBe("hello");
    expect(message?.content.expressiveSendStyleId).toBe(
      "com.apple.messages.effect.CKConfettiEffect",
    );
    expect(message?.isFromMe).toBe(true);

    const [aliceEvent] = await alice.catchUp();
    const [bobEvent] = await bob.catchUp();
    expect(aliceEvent?.messageChanged?.chatGuid).toBe("any;-;bob@example.com");
    expect(aliceEvent?.messageChanged?.isFromMe).toBe(true);
    expect(aliceEvent?.messageChanged?.messageReceived?.message.guid).toBe(message?.guid);
    expect(bobEvent?.messageChanged?.chatGuid).toBe("any;-;alice@example.com");
    expect(bobEvent?.messageChanged?.isFromMe).toBe(false);
    expect(bobEvent?.messageChanged?.actor?.address).toBe("alice@example.com");
    expect(bobEvent?.messageChanged?.messageReceived?.message.isFromMe).toBe(false);
    expect(bobEvent?.messageChanged?.messageReceived?.message.content.text).toBe("hello");
    expect(
      (await bob.call(Chat.getChat, { chatGuid: "any;-;alice@example.com" })).chat.unreadCount,
    ).toBe(1);
    expect(
      (await alice.call(Chat.getChat, { chatGuid: "any;-;bob@example.com" })).chat.unreadCount,
    ).toBe(0);
  });

  it("writes nothing to any log for a chat created without a message", async () => {
    await alice.call(Chat.createChat, { addresses: ["bob@example.com"] });
    expect(await alice.catchUp()).toEqual([]);
    expect(await bob.catchUp()).toEqual([]);
  });

  it.each([
    [[], "at least one address"],
    [["not-an-email@"], "not-an-email@"],
    [["alice@@example.com"], "alice@@example.com"],
    [["12345"], "short code"],
    [["+19005550100"], "service number"],
    [["4155550100"], "international form"],
    [["bob@example.com", "BOB@example.com"], "same recipient twice"],
    [["alice@example.com"], "your own addresses"],
  ])(
    "rejects addresses %j with INVALID_ARGUMENT naming the problem",
    async (addresses, fragment) => {
      const failure = await alice.failure(Chat.createChat, { addresses });
      expect(failure.code).toBe(status.INVALID_ARGUMENT);
      expect(failure.errorCode).toBe("INVALID_ARGUMENT");
      expect(failure.retryable).toBe("false");
      expect(failure.details).toContain(fragment);
      expect((await alice.call(Chat.getChatCount, { includeArchived: true })).count).toBe(0);
    },
  );

  it("accepts the published client's balloons identifier and stores Apple's", async () => {
    const created = await alice.call(Chat.createChat, {
      addresses: ["bob@example.com"],
      initialMessage: {
        text: "happy birthday",
        effectId: "com.apple.messages.effect.CKBalloonEffect",
      },
    });
    expect(created.initialMessage?.content.expressiveSendStyleId).toBe(
      "com.apple.messages.effect.CKHappyBirthdayEffect",
    );
    const [bobEvent] = await bob.catchUp();
    expect(bobEvent?.messageChanged?.messageReceived?.message.content.expressiveSendStyleId).toBe(
      "com.apple.messages.effect.CKHappyBirthdayEffect",
    );
  });

  it("rejects an effect without a message and an unknown effect", async () => {
    const withoutText = await alice.failure(Chat.createChat, {
      addresses: ["bob@example.com"],
      initialMessage: { text: "", effectId: "com.apple.messages.effect.CKConfettiEffect" },
    });
    expect(withoutText.code).toBe(status.INVALID_ARGUMENT);
    expect(withoutText.details).toContain("effect applies only to an opening message");
    const unknown = await alice.failure(Chat.createChat, {
      addresses: ["bob@example.com"],
      initialMessage: { text: "hi", effectId: "com.example.sparkle" },
    });
    expect(unknown.code).toBe(status.INVALID_ARGUMENT);
    expect(unknown.details).toContain("CKConfettiEffect");
    expect((await alice.call(Chat.getChatCount, {})).count).toBe(0);
    expect(await bob.catchUp()).toEqual([]);
  });
});

describe("idempotent CreateChat", () => {
  it("returns the first result for a retry with the same client_message_id", async () => {
    const request = { addresses: ["bob@example.com", "+14155550100"], clientMessageId: "create-1" };
    const first = await alice.call(Chat.createChat, request);
    const retry = await alice.call(Chat.createChat, request);
    expect(retry.chat.guid).toBe(first.chat.guid);
    expect((await alice.call(Chat.getChatCount, {})).count).toBe(1);
  });

  it("sends the opening message once however often the write is retried", async () => {
    const request = {
      addresses: ["bob@example.com"],
      initialMessage: { text: "only once" },
      clientMessageId: "create-2",
    };
    const first = await alice.call(Chat.createChat, request);
    const retry = await alice.call(Chat.createChat, request);
    expect(retry.initialMessage?.guid).toBe(first.initialMessage?.guid);
    expect(await bob.catchUp()).toHaveLength(1);
  });

  it("rejects the same key with different parameters as IDEMPOTENCY_KEY_REUSED", async () => {
    await alice.call(Chat.createChat, {
      addresses: ["bob@example.com"],
      clientMessageId: "create-3",
    });
    const failure = await alice.failure(Chat.createChat, {
      addresses: ["+14155550100"],
      clientMessageId: "create-3",
    });
    expect(failure.code).toBe(status.INVALID_ARGUMENT);
    expect(failure.errorCode).toBe("IDEMPOTENCY_KEY_REUSED");
    expect((await alice.call(Chat.getChatCount, {})).count).toBe(1);
  });

  it("honours the x-idempotency-key header like client_message_id", async () => {
    const request = { chatGuid: "any;-;bob@example.com", text: "hi" };
    await alice.call(Chat.createChat, { addresses: ["bob@example.com"] });
    const first = await alice.call(Messages.sendTextMessage, request, { idempotencyKey: "send-1" });
    const retry = await alice.call(Messages.sendTextMessage, request, { idempotencyKey: "send-1" });
    expect(retry.message.guid).toBe(first.message.guid);
    const reused = await alice.failure(
      Messages.sendTextMessage,
      { ...request, text: "something else" },
      { idempotencyKey: "send-1" },
    );
    expect(reused.errorCode).toBe("IDEMPOTENCY_KEY_REUSED");
    expect(await bob.catchUp()).toHaveLength(1);
  });

  it("rejects a malformed x-idempotency-key before writing", async () => {
    const failure = await alice.failure(
      Chat.createChat,
      { addresses: ["bob@example.com"] },
      { idempotencyKey: "has spaces in it" },
    );
    expect(failure.code).toBe(status.INVALID_ARGUMENT);
    expect(failure.details).toContain(
      "x-idempotency-key must be 1 to 256 printable ASCII characters",
    );
    expect((await alice.call(Chat.getChatCount, {})).count).toBe(0);
  });

  it("keeps keys per account: another account may use the same key", async () => {
    const fromAlice = await alice.call(Chat.createChat, {
      addresses: ["+14155550100"],
      clientMessageId: "k",
    });
    const fromBob = await bob.call(Chat.createChat, {
      addresses: ["+14155550100"],
      clientMessageId: "k",
    });
    expect(fromAlice.chat.guid).toBe("any;-;+14155550100");
    expect(fromBob.chat.guid).toBe("any;-;+14155550100");
    expect((await carol.call(Chat.getChatCount, {})).count).toBe(2);
  });
});

describe("GetChat", () => {
  it("is NOT_FOUND for a chat that does not exist and for someone else's chat", async () => {
    const group = await alice.call(Chat.createChat, {
      addresses: ["bob@example.com", "dave@example.com"],
    });
    await alice.call(Chat.createChat, { addresses: ["bob@example.com"] });
    const missing = await alice.failure(Chat.getChat, { chatGuid: "any;-;nobody@example.com" });
    expect(missing.code).toBe(status.NOT_FOUND);
    expect(missing.errorCode).toBe("NOT_FOUND");
    const othersGroup = await carol.failure(Chat.getChat, { chatGuid: group.chat.guid });
    expect(othersGroup.code).toBe(status.NOT_FOUND);
    // Carol naming Alice's direct chat with Bob from her side is simply a chat she does not have.
    const othersDirect = await carol.failure(Chat.getChat, { chatGuid: "any;-;bob@example.com" });
    expect(othersDirect.code).toBe(status.NOT_FOUND);
    expect(othersDirect.details).toBe(
      missing.details.replace("nobody@example.com", "bob@example.com"),
    );
  });

  it.each([
    "",
    "bob@example.com",
    "any;-;",
    "any;-;not an address",
    "any;+;",
    "iMessage;-;bob@example.com",
  ])("rejects the malformed GUID %j with INVALID_ARGUMENT", async (chatGuid) => {
    const failure = await alice.failure(Chat.getChat, { chatGuid });
    expect(failure.code).toBe(status.INVALID_ARGUMENT);
    expect(failure.details).toContain("any;+;<group id>");
  });
});

describe("accounts with several addresses", () => {
  it("names a direct chat from the address it was reached at, and marks the owner's messages as its own", async () => {
    const dave = connectAccount(
      server.address,
      (await server.createAccount(["dave@example.com", "+447911123456"])).token,
    );
    try {
      await alice.call(Chat.createChat, {
        addresses: ["+44 7911 123456"],
        initialMessage: { text: "hi" },
      });
      const [event] = await dave.catchUp();
      expect(event?.messageChanged?.chatGuid).toBe("any;-;alice@example.com");
      expect(event?.messageChanged?.isFromMe).toBe(false);
      const reply = await dave.call(Messages.sendTextMessage, {
        chatGuid: "any;-;alice@example.com",
        text: "yo",
      });
      expect(reply.message.sender?.address).toBe("+447911123456");
      expect(reply.message.isFromMe).toBe(true);
      const aliceEvents = await alice.catchUp();
      expect(aliceEvents.map((each) => each.messageChanged?.chatGuid)).toEqual([
        "any;-;+447911123456",
        "any;-;+447911123456",
      ]);
      // Dave creating a chat with Alice finds the same conversation instead of a second one.
      const resolved = await dave.call(Chat.createChat, { addresses: ["alice@example.com"] });
      expect(resolved.chat.guid).toBe("any;-;alice@example.com");
      expect((await dave.call(Chat.getChatCount, {})).count).toBe(1);
    } finally {
      dave.close();
    }
  });
});
