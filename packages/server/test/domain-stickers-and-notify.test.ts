import { status } from "@grpc/grpc-js";
import {
  AttachmentServiceDefinition as Attachments,
  ChatServiceDefinition as Chat,
  MessageServiceDefinition as Messages,
  type photon,
} from "@threadline/protocol";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { createRawClient } from "../src/testing.js";
import { type AccountClient, connectAccount } from "./domain-client.js";
import { type DomainTestServer, startDomainTestServer } from "./domain-fixture.js";

let server: DomainTestServer;
let alice: AccountClient;
let bob: AccountClient;
let carol: AccountClient;
const tokens = new Map<string, string>();
const aliceToBob = "any;-;bob@example.com";
const bobToAlice = "any;-;alice@example.com";

async function connect(address: string): Promise<AccountClient> {
  const { token } = await server.createAccount([address]);
  tokens.set(address, token);
  const client = connectAccount(server.address, token);
  opened.push(client);
  return client;
}
const opened: AccountClient[] = [];

beforeEach(async () => {
  server = await startDomainTestServer();
  alice = await connect("alice@example.com");
  bob = await connect("bob@example.com");
  carol = await connect("carol@example.com");
  await alice.call(Chat.createChat, { addresses: ["bob@example.com"] });
});

afterEach(async () => {
  for (const client of opened.splice(0)) client.close();
  await server.close();
});

const png = Buffer.concat([
  Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]),
  Buffer.from("0000000d49484452000000100000001008060000001ff3ff61", "hex"),
  Buffer.alloc(64, 7),
]);

async function upload(address: string, data: Uint8Array, fileName = "sticker.png") {
  const client = createRawClient(server.address, tokens.get(address) ?? "");
  try {
    const outcome = await client.call(Attachments.uploadAttachment, { fileName, data });
    if (!outcome.ok) throw new Error(`upload failed: ${outcome.details}`);
    const guid = outcome.response.attachment?.guid;
    if (guid === undefined || guid === null) throw new Error("upload returned no guid");
    return guid;
  } finally {
    client.close();
  }
}

/** GetAttachmentInfo as `address`: the MIME type it answers, or the status code it fails with. */
async function attachmentInfo(address: string, attachmentGuid: string) {
  const client = createRawClient(server.address, tokens.get(address) ?? "");
  try {
    const outcome = await client.call(Attachments.getAttachmentInfo, { attachmentGuid });
    return outcome.ok ? outcome.response.attachment?.mimeType : outcome.code;
  } finally {
    client.close();
  }
}

async function send(client: AccountClient, chatGuid: string, text: string) {
  return (await client.call(Messages.sendTextMessage, { chatGuid, text })).message;
}

const placement = { x: 0.25, y: 0.75, scale: 1.5, rotation: 0.5, width: 0.3 };

describe("PlaceSticker", () => {
  it("stores the sticker on the message and delivers message.stickerPlaced to both sides", async () => {
    const message = await send(alice, aliceToBob, "stick here");
    const sticker = await upload("bob@example.com", png);
    const placed = await bob.call(Messages.placeSticker, {
      target: { chatGuid: bobToAlice, messageGuid: message.guid },
      sticker: { attachmentGuid: sticker },
      placement,
    });
    expect(placed.message.guid).toBe(message.guid);
    expect(placed.message.placedStickers).toHaveLength(1);
    const view = placed.message.placedStickers[0];
    expect(view?.messageGuid).toBe(message.guid);
    expect(view?.isFromMe).toBe(true);
    expect(view?.sender?.address).toBe("bob@example.com");
    expect(view?.sticker?.guid).toBe(sticker);
    expect(view?.sticker?.isSticker).toBe(true);
    expect(view?.sticker?.mimeType).toBe("image/png");
    expect(view?.placement?.toJSON()).toEqual(placement);

    const aliceEvents = await alice.catchUp();
    const event = aliceEvents.at(-1)?.messageChanged;
    expect(event?.isFromMe).toBe(false);
    expect(event?.actor?.address).toBe("bob@example.com");
    expect(event?.stickerPlaced?.messageGuid).toBe(message.guid);
    expect(event?.stickerPlaced?.sticker?.guid).toBe(sticker);
    expect(event?.stickerPlaced?.sticker?.isOutgoing).toBe(false);
    expect(event?.stickerPlaced?.placement?.toJSON()).toEqual(placement);
    const bobEvents = await bob.catchUp();
    expect(bobEvents.at(-1)?.messageChanged?.stickerPlaced?.messageGuid).toBe(message.guid);

    const seen = await alice.call(Messages.getMessage, { messageGuid: message.guid });
    expect(seen.message.placedStickers[0]?.isFromMe).toBe(false);
    expect(seen.message.placedStickers[0]?.sticker?.guid).toBe(sticker);
    const listed = await alice.call(Messages.listChatMessages, { chatGuid: aliceToBob });
    expect(listed.messages[0]?.placedStickers).toHaveLength(1);
  });

  it("lets everyone in the chat see the placed sticker's attachment, and nobody else", async () => {
    const message = await send(alice, aliceToBob, "stick here");
    const sticker = await upload("bob@example.com", png);
    // Before it is placed only Bob, who uploaded it, can see it.
    expect(await attachmentInfo("alice@example.com", sticker)).toBe(status.NOT_FOUND);
    await bob.call(Messages.placeSticker, {
      target: { chatGuid: bobToAlice, messageGuid: message.guid },
      sticker: { attachmentGuid: sticker },
      placement,
    });
    expect(await attachmentInfo("alice@example.com", sticker)).toBe("image/png");
    expect(await attachmentInfo("carol@example.com", sticker)).toBe(status.NOT_FOUND);
    // Unsending the message takes the sticker out of the chat again.
    await alice.call(Messages.unsendMessage, {
      target: { chatGuid: aliceToBob, messageGuid: message.guid },
    });
    expect(await attachmentInfo("alice@example.com", sticker)).toBe(status.NOT_FOUND);
    expect(await attachmentInfo("bob@example.com", sticker)).toBe("image/png");
  });

  it("places on bubble 0 with target_part_index and keeps only x and y when nothing else is set", async () => {
    const message = await send(alice, aliceToBob, "part");
    const sticker = await upload("alice@example.com", png);
    const placed = await alice.call(Messages.placeSticker, {
      target: { chatGuid: aliceToBob, messageGuid: message.guid, targetPartIndex: 0 },
      sticker: { attachmentGuid: sticker },
      placement: { x: 0, y: 1 },
    });
    expect(placed.message.placedStickers[0]?.targetPartIndex).toBe(0);
    const stored = placed.message.placedStickers[0]?.placement;
    expect([stored?.x, stored?.y]).toEqual([0, 1]);
    expect([stored?.scale, stored?.rotation, stored?.width]).toEqual([null, null, null]);
    const [, event] = await bob.catchUp();
    expect(event?.messageChanged?.stickerPlaced?.targetPartIndex).toBe(0);
  });

  it("is idempotent with a client key: one sticker, one event", async () => {
    const message = await send(alice, aliceToBob, "once");
    const sticker = await upload("alice@example.com", png);
    const request = {
      target: { chatGuid: aliceToBob, messageGuid: message.guid },
      sticker: { attachmentGuid: sticker },
      placement,
      clientMessageId: "sticker-1",
    };
    await alice.call(Messages.placeSticker, request);
    const retry = await alice.call(Messages.placeSticker, request);
    expect(retry.message.placedStickers).toHaveLength(1);
    expect(await bob.catchUp()).toHaveLength(2);
  });

  it.each([
    [{ x: -0.1, y: 0.5 }, "placement.x must be a number from 0 to 1"],
    [{ x: 0.5, y: 1.01 }, "placement.y must be a number from 0 to 1"],
    [{ x: Number.NaN, y: 0.5 }, "placement.x must be a number from 0 to 1"],
    [{ x: 0.5, y: 0.5, scale: 0 }, "placement.scale must be a number above 0 and at most 10"],
    [{ x: 0.5, y: 0.5, scale: 11 }, "placement.scale must be a number above 0 and at most 10"],
    [{ x: 0.5, y: 0.5, width: 1.5 }, "placement.width must be a number above 0 and at most 1"],
    [{ x: 0.5, y: 0.5, rotation: 7 }, "placement.rotation must be an angle in radians"],
    [
      { x: 0.5, y: 0.5, rotation: Number.POSITIVE_INFINITY },
      "placement.rotation must be an angle in radians",
    ],
  ] as const)("refuses placement %j as INVALID_ARGUMENT", async (bad, expected) => {
    const message = await send(alice, aliceToBob, "bad placement");
    const sticker = await upload("alice@example.com", png);
    const failure = await alice.failure(Messages.placeSticker, {
      target: { chatGuid: aliceToBob, messageGuid: message.guid },
      sticker: { attachmentGuid: sticker },
      placement: bad,
    });
    expect(failure.code).toBe(status.INVALID_ARGUMENT);
    expect(failure.details).toContain(expected);
    expect(
      (await alice.call(Messages.getMessage, { messageGuid: message.guid })).message.placedStickers,
    ).toHaveLength(0);
  });

  it("refuses a missing placement, a path instead of a GUID, a non-image and another bubble", async () => {
    const message = await send(alice, aliceToBob, "refusals");
    const sticker = await upload("alice@example.com", png);
    const target = { chatGuid: aliceToBob, messageGuid: message.guid };
    const cases: [photon.imessage.v1.PlaceStickerRequest.$Properties, number, string][] = [
      [
        { target, sticker: { attachmentGuid: sticker } },
        status.INVALID_ARGUMENT,
        "placement is required",
      ],
      [
        { target, sticker: { attachmentPath: "/tmp/sticker.png" }, placement },
        status.INVALID_ARGUMENT,
        "sticker.attachment_path is not accepted",
      ],
      [{ target, placement }, status.INVALID_ARGUMENT, "sticker.attachment_guid must be the GUID"],
      [
        {
          target: { ...target, targetPartIndex: 1 },
          sticker: { attachmentGuid: sticker },
          placement,
        },
        status.INVALID_ARGUMENT,
        "target.target_part_index is 1",
      ],
      [
        { sticker: { attachmentGuid: sticker }, placement },
        status.INVALID_ARGUMENT,
        "target is required",
      ],
    ];
    for (const [request, code, expected] of cases) {
      const failure = await alice.failure(Messages.placeSticker, request);
      expect(failure.code, expected).toBe(code);
      expect(failure.details).toContain(expected);
    }
    const text = await upload(
      "alice@example.com",
      Buffer.from("just some words\n".repeat(8)),
      "notes.txt",
    );
    const notImage = await alice.failure(Messages.placeSticker, {
      target,
      sticker: { attachmentGuid: text },
      placement,
    });
    expect(notImage.code).toBe(status.INVALID_ARGUMENT);
    expect(notImage.details).toContain("a sticker must be an image");
  });

  it("is NOT_FOUND for an unknown message or chat, or an attachment the caller cannot see", async () => {
    const message = await send(alice, aliceToBob, "private");
    const alicesSticker = await upload("alice@example.com", png);
    const carolsSticker = await upload("carol@example.com", png);
    const notFound = [
      [alice, { chatGuid: aliceToBob, messageGuid: "NO-SUCH-MESSAGE" }, alicesSticker],
      [carol, { chatGuid: "any;-;alice@example.com", messageGuid: message.guid }, carolsSticker],
      [alice, { chatGuid: aliceToBob, messageGuid: message.guid }, "NO-SUCH-ATTACHMENT"],
      [bob, { chatGuid: bobToAlice, messageGuid: message.guid }, carolsSticker],
      [bob, { chatGuid: bobToAlice, messageGuid: message.guid }, alicesSticker],
    ] as const;
    for (const [client, target, attachmentGuid] of notFound) {
      const failure = await client.failure(Messages.placeSticker, {
        target,
        sticker: { attachmentGuid },
        placement,
      });
      expect(failure.code, `${target.messageGuid} ${attachmentGuid}`).toBe(status.NOT_FOUND);
    }
    expect(await bob.catchUp()).toHaveLength(1);
  });

  it("refuses an unsent message with FAILED_PRECONDITION", async () => {
    const message = await send(alice, aliceToBob, "gone");
    await alice.call(Messages.unsendMessage, {
      target: { chatGuid: aliceToBob, messageGuid: message.guid },
    });
    const sticker = await upload("bob@example.com", png);
    const failure = await bob.failure(Messages.placeSticker, {
      target: { chatGuid: bobToAlice, messageGuid: message.guid },
      sticker: { attachmentGuid: sticker },
      placement,
    });
    expect(failure.code).toBe(status.FAILED_PRECONDITION);
    expect(failure.details).toContain("cannot take stickers");
  });
});

describe("NotifySilencedMessage", () => {
  it("marks the sender's message did_notify_recipient for everyone, writes no event, and repeats harmlessly", async () => {
    const message = await send(alice, aliceToBob, "wake up");
    expect(message.didNotifyRecipient).toBe(false);
    const before = (await bob.catchUp()).length;
    await alice.call(Messages.notifySilencedMessage, {
      chatGuid: aliceToBob,
      messageGuid: message.guid,
    });
    await alice.call(Messages.notifySilencedMessage, {
      chatGuid: aliceToBob,
      messageGuid: message.guid,
      clientMessageId: "notify-1",
    });
    await alice.call(Messages.notifySilencedMessage, {
      chatGuid: aliceToBob,
      messageGuid: message.guid,
      clientMessageId: "notify-1",
    });
    for (const client of [alice, bob]) {
      const seen = await client.call(Messages.getMessage, { messageGuid: message.guid });
      expect(seen.message.didNotifyRecipient).toBe(true);
    }
    const listed = await bob.call(Messages.listChatMessages, { chatGuid: bobToAlice });
    expect(listed.messages[0]?.didNotifyRecipient).toBe(true);
    expect(await bob.catchUp()).toHaveLength(before);
  });

  it("refuses someone else's or an unsent message, and is NOT_FOUND outside the caller's chats", async () => {
    const message = await send(alice, aliceToBob, "mine");
    const notSender = await bob.failure(Messages.notifySilencedMessage, {
      chatGuid: bobToAlice,
      messageGuid: message.guid,
    });
    expect(notSender.code).toBe(status.FAILED_PRECONDITION);
    expect(notSender.details).toContain("only its sender can notify");
    const outsider = await carol.failure(Messages.notifySilencedMessage, {
      chatGuid: "any;-;alice@example.com",
      messageGuid: message.guid,
    });
    expect(outsider.code).toBe(status.NOT_FOUND);
    const unknown = await alice.failure(Messages.notifySilencedMessage, {
      chatGuid: aliceToBob,
      messageGuid: "NO-SUCH-MESSAGE",
    });
    expect(unknown.code).toBe(status.NOT_FOUND);
    const malformed = await alice.failure(Messages.notifySilencedMessage, {
      chatGuid: aliceToBob,
      messageGuid: "",
    });
    expect(malformed.code).toBe(status.INVALID_ARGUMENT);
    await alice.call(Messages.unsendMessage, {
      target: { chatGuid: aliceToBob, messageGuid: message.guid },
    });
    const unsent = await alice.failure(Messages.notifySilencedMessage, {
      chatGuid: aliceToBob,
      messageGuid: message.guid,
    });
    expect(unsent.code).toBe(status.FAILED_PRECONDITION);
    const seen = await bob.call(Messages.getMessage, { messageGuid: message.guid });
    expect(seen.message.didNotifyRecipient).toBe(false);
  });
});
