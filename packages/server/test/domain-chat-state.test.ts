import { status } from "@grpc/grpc-js";
import {
  ChatArchiveServiceDefinition as Archive,
  ChatServiceDefinition as Chat,
  MessageServiceDefinition as Messages,
} from "@threadline/protocol";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { maxImageBytes } from "../src/domain/image-type.js";
import { type AccountClient, connectAccount } from "./domain-client.js";
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

function ftyp(major: string, ...compatible: string[]): Uint8Array {
  const brands = [major, "\0\0\0\0", ...compatible].join("");
  const size = 8 + brands.length;
  return Uint8Array.from([0, 0, 0, size, ...Buffer.from(`ftyp${brands}`, "latin1"), 0, 0, 0, 8]);
}

const images = {
  jpeg: Uint8Array.from([0xff, 0xd8, 0xff, 0xe0, 0, 0x10, 0x4a, 0x46, 0x49, 0x46]),
  png: Uint8Array.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a, 0, 0, 0, 0x0d]),
  heic: ftyp("heic", "mif1", "heic"),
  heif: ftyp("mif1", "mif1"),
};

describe("MarkChatRead", () => {
  it("clears the unread count, tells the reader and tells the sender which messages were read", async () => {
    const first = await alice.call(Messages.sendTextMessage, { chatGuid: aliceToBob, text: "one" });
    const second = await alice.call(Messages.sendTextMessage, {
      chatGuid: aliceToBob,
      text: "two",
    });
    expect((await bob.call(Chat.getChat, { chatGuid: bobToAlice })).chat.unreadCount).toBe(2);
    const aliceHead = (await alice.catchUp()).length;
    const bobHead = (await bob.catchUp()).length;

    await bob.call(Chat.markChatRead, { chatGuid: bobToAlice });

    expect((await bob.call(Chat.getChat, { chatGuid: bobToAlice })).chat.unreadCount).toBe(0);
    const bobEvents = await bob.catchUp(bobHead);
    expect(bobEvents).toHaveLength(1);
    expect(bobEvents[0]?.chatChanged?.markedRead).toBeTruthy();
    expect(bobEvents[0]?.chatChanged?.chatGuid).toBe(bobToAlice);
    expect(bobEvents[0]?.chatChanged?.isFromMe).toBe(true);
    const aliceEvents = await alice.catchUp(aliceHead);
    expect(aliceEvents.map((event) => event.messageChanged?.messageRead?.messageGuid)).toEqual([
      first.message.guid,
      second.message.guid,
    ]);
    expect(aliceEvents[0]?.messageChanged?.chatGuid).toBe(aliceToBob);
    expect(aliceEvents[0]?.messageChanged?.isFromMe).toBe(false);
    expect(aliceEvents[0]?.messageChanged?.actor?.address).toBe("bob@example.com");
  });

  it("is safe to repeat and emits nothing when nothing is unread", async () => {
    await alice.call(Messages.sendTextMessage, { chatGuid: aliceToBob, text: "one" });
    await bob.call(Chat.markChatRead, { chatGuid: bobToAlice });
    const bobHead = (await bob.catchUp()).length;
    const aliceHead = (await alice.catchUp()).length;
    await bob.call(Chat.markChatRead, { chatGuid: bobToAlice });
    // The sender's own messages never count as unread for it.
    await alice.call(Chat.markChatRead, { chatGuid: aliceToBob });
    expect(await bob.catchUp(bobHead)).toEqual([]);
    expect(await alice.catchUp(aliceHead)).toEqual([]);
  });

  it("is NOT_FOUND for a chat the caller is not in", async () => {
    const failure = await carol.failure(Chat.markChatRead, { chatGuid: "any;-;alice@example.com" });
    expect(failure.code).toBe(status.NOT_FOUND);
  });
});

describe("ShareContactInfo outside the caller's chats", () => {
  it("is NOT_FOUND and sends nothing", async () => {
    const failure = await carol.failure(Chat.shareContactInfo, {
      chatGuid: "any;-;alice@example.com",
    });
    expect(failure.code).toBe(status.NOT_FOUND);
    expect(await alice.catchUp()).toEqual([]);
  });
});

describe("SetTyping", () => {
  it("accepts typing in a chat of the caller and never writes to the log", async () => {
    await alice.call(Chat.setTyping, { chatGuid: aliceToBob, isTyping: true });
    await alice.call(Chat.setTyping, { chatGuid: aliceToBob, isTyping: false });
    expect(await alice.catchUp()).toEqual([]);
    expect(await bob.catchUp()).toEqual([]);
  });

  it("is NOT_FOUND for a chat the caller is not in", async () => {
    const failure = await carol.failure(Chat.setTyping, { chatGuid: aliceToBob, isTyping: true });
    expect(failure.code).toBe(status.NOT_FOUND);
  });
});

describe("ShareContactInfo", () => {
  it("sends the caller's vCard into the chat as a received message", async () => {
    await alice.call(Chat.shareContactInfo, { chatGuid: aliceToBob });
    const [event] = await bob.catchUp();
    const text = event?.messageChanged?.messageReceived?.message.content.text ?? "";
    expect(text).toContain("BEGIN:VCARD");
    expect(text).toContain("EMAIL:alice@example.com");
    expect(event?.messageChanged?.chatGuid).toBe(bobToAlice);
    expect(event?.messageChanged?.actor?.address).toBe("alice@example.com");
    expect((await bob.call(Chat.getChat, { chatGuid: bobToAlice })).chat.unreadCount).toBe(1);
  });
});

describe("authentication", () => {
  it("refuses every chat RPC without a valid token, storing nothing", async () => {
    const stranger = connectAccount(server.address, "not-a-token");
    try {
      for (const failure of [
        await stranger.failure(Chat.createChat, {
          addresses: ["bob@example.com"],
          initialMessage: { text: "x" },
        }),
        await stranger.failure(Chat.getChat, { chatGuid: aliceToBob }),
        await stranger.failure(Archive.archiveChat, { chatGuid: aliceToBob }),
      ]) {
        expect(failure.code).toBe(status.UNAUTHENTICATED);
        expect(failure.errorCode).toBe("UNAUTHENTICATED");
      }
      expect(await bob.catchUp()).toEqual([]);
    } finally {
      stranger.close();
    }
  });
});

describe("backgrounds", () => {
  it.each(Object.entries(images))(
    "accepts %s and tells everyone in the chat",
    async (_name, data) => {
      await alice.call(Chat.setBackground, { chatGuid: aliceToBob, data });
      expect((await bob.call(Chat.hasBackground, { chatGuid: bobToAlice })).backgroundPresent).toBe(
        true,
      );
      const [aliceEvent] = await alice.catchUp();
      const [bobEvent] = await bob.catchUp();
      expect(aliceEvent?.chatChanged?.backgroundChanged).toBeTruthy();
      expect(aliceEvent?.chatChanged?.isFromMe).toBe(true);
      expect(bobEvent?.chatChanged?.backgroundChanged).toBeTruthy();
      expect(bobEvent?.chatChanged?.chatGuid).toBe(bobToAlice);
      expect(bobEvent?.chatChanged?.isFromMe).toBe(false);
    },
  );

  it.each([
    ["empty bytes", new Uint8Array(0), "is empty"],
    ["a GIF", Buffer.from("GIF89a\x01\x00\x01\x00", "latin1"), "JPEG, PNG, HEIC or HEIF"],
    ["an MP4", ftyp("isom", "mp41"), "JPEG, PNG, HEIC or HEIF"],
    ["plain text", Buffer.from("hello there"), "JPEG, PNG, HEIC or HEIF"],
  ])(
    "rejects %s with INVALID_ARGUMENT listing the allowed types",
    async (_name, data, fragment) => {
      const failure = await alice.failure(Chat.setBackground, { chatGuid: aliceToBob, data });
      expect(failure.code).toBe(status.INVALID_ARGUMENT);
      expect(failure.details).toContain(fragment);
      expect(
        (await alice.call(Chat.hasBackground, { chatGuid: aliceToBob })).backgroundPresent,
      ).toBe(false);
      expect(await bob.catchUp()).toEqual([]);
    },
  );

  it("rejects an image over the size limit with a clear error", async () => {
    const data = new Uint8Array(maxImageBytes + 1);
    data.set(images.png);
    const failure = await alice.failure(Chat.setBackground, { chatGuid: aliceToBob, data });
    expect(failure.code).toBe(status.INVALID_ARGUMENT);
    expect(failure.errorCode).toBe("PAYLOAD_TOO_LARGE");
    expect(failure.details).toContain(`limit of ${maxImageBytes} bytes`);
    expect((await alice.call(Chat.hasBackground, { chatGuid: aliceToBob })).backgroundPresent).toBe(
      false,
    );
  });

  it("removes a background once and is safe to repeat", async () => {
    await alice.call(Chat.setBackground, { chatGuid: aliceToBob, data: images.jpeg });
    const head = (await bob.catchUp()).length;
    await bob.call(Chat.removeBackground, { chatGuid: bobToAlice });
    await bob.call(Chat.removeBackground, { chatGuid: bobToAlice });
    expect((await alice.call(Chat.hasBackground, { chatGuid: aliceToBob })).backgroundPresent).toBe(
      false,
    );
    const bobEvents = await bob.catchUp(head);
    expect(bobEvents).toHaveLength(1);
    expect(bobEvents[0]?.chatChanged?.backgroundRemoved).toBeTruthy();
    const aliceRemoved = (await alice.catchUp()).filter(
      (event) => event.chatChanged?.backgroundRemoved,
    );
    expect(aliceRemoved).toHaveLength(1);
    expect(aliceRemoved[0]?.chatChanged?.actor?.address).toBe("bob@example.com");
  });

  it("is NOT_FOUND for a chat the caller is not in", async () => {
    expect(
      (await carol.failure(Chat.setBackground, { chatGuid: aliceToBob, data: images.png })).code,
    ).toBe(status.NOT_FOUND);
    expect((await carol.failure(Chat.hasBackground, { chatGuid: aliceToBob })).code).toBe(
      status.NOT_FOUND,
    );
    expect((await carol.failure(Chat.removeBackground, { chatGuid: aliceToBob })).code).toBe(
      status.NOT_FOUND,
    );
  });
});

describe("archive and GetChatCount", () => {
  it("archives per account, logs it for that account only, and counts archived chats only when asked", async () => {
    await alice.call(Chat.createChat, { addresses: ["carol@example.com"] });
    expect((await alice.call(Chat.getChatCount, {})).count).toBe(2);

    await alice.call(Archive.archiveChat, { chatGuid: aliceToBob });
    await alice.call(Archive.archiveChat, { chatGuid: aliceToBob });

    expect((await alice.call(Chat.getChatCount, {})).count).toBe(1);
    expect((await alice.call(Chat.getChatCount, { includeArchived: true })).count).toBe(2);
    expect((await bob.call(Chat.getChatCount, {})).count).toBe(1);
    expect((await alice.call(Chat.getChat, { chatGuid: aliceToBob })).chat.isArchived).toBe(true);
    expect((await bob.call(Chat.getChat, { chatGuid: bobToAlice })).chat.isArchived).toBe(false);
    const archived = await alice.catchUp();
    expect(archived).toHaveLength(1);
    expect(archived[0]?.chatChanged?.archived).toBeTruthy();
    expect(archived[0]?.chatChanged?.chatGuid).toBe(aliceToBob);
    expect(await bob.catchUp()).toEqual([]);

    await alice.call(Archive.unarchiveChat, { chatGuid: aliceToBob });
    await alice.call(Archive.unarchiveChat, { chatGuid: aliceToBob });
    expect((await alice.call(Chat.getChatCount, {})).count).toBe(2);
    const events = await alice.catchUp(1);
    expect(events).toHaveLength(1);
    expect(events[0]?.chatChanged?.unarchived).toBeTruthy();
  });

  it("is NOT_FOUND for someone else's chat", async () => {
    expect((await carol.failure(Archive.archiveChat, { chatGuid: aliceToBob })).code).toBe(
      status.NOT_FOUND,
    );
  });
});
