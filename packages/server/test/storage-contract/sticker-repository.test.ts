import { describe, expect, it } from "vitest";
import type { PlacedStickerRecord } from "../../src/storage/repositories/sticker-repository.js";
import { engineNames, useContractEngine } from "./contract-engines.js";
import { directChat, freshGuid, newMessage } from "./contract-records.js";

function sticker(overrides: Partial<PlacedStickerRecord> = {}): PlacedStickerRecord {
  return {
    senderAddress: "bob@example.com",
    senderAccountId: 2,
    partIndex: null,
    attachmentGuid: freshGuid("sticker"),
    fileName: "sticker.heic",
    mimeType: "image/heic",
    uti: "public.heic",
    totalBytes: 9_000,
    placement: { x: 0.25, y: 0.75, scale: null, rotation: null, width: null },
    createdAt: 1_000,
    ...overrides,
  };
}

describe.each(engineNames)("sticker repository on %s", (engineName) => {
  const engine = useContractEngine(engineName);

  it("lists a message's stickers in the order they were placed, every field as given", async () => {
    const { repositories, write } = engine();
    const chatId = await directChat(write);
    const messageId = await write((r) => r.messages.insert(newMessage(chatId)));
    const placed = [
      sticker({ createdAt: 5_000 }),
      sticker({
        partIndex: 0,
        createdAt: 1_000,
        placement: { x: -0.125, y: 1.5, scale: 2.25, rotation: Math.PI, width: 128.5 },
      }),
      sticker({ partIndex: 2, senderAddress: "carol@example.com", senderAccountId: 3 }),
    ];
    for (const each of placed) await write((r) => r.stickers.insert(messageId, each));
    expect(await repositories.stickers.listForMessage(messageId)).toEqual(placed);
    expect(await repositories.stickers.listForMessage(messageId + 1)).toEqual([]);
  });

  it("lets the same sticker be placed twice on one message", async () => {
    const { repositories, write } = engine();
    const chatId = await directChat(write);
    const messageId = await write((r) => r.messages.insert(newMessage(chatId)));
    const same = sticker();
    await write(async (r) => {
      await r.stickers.insert(messageId, same);
      await r.stickers.insert(messageId, same);
    });
    expect(await repositories.stickers.listForMessage(messageId)).toEqual([same, same]);
  });

  it("refuses a sticker on a message that does not exist", async () => {
    const { write } = engine();
    await expect(write((r) => r.stickers.insert(4_242, sticker()))).rejects.toThrow();
  });

  it("knows whether an attachment is placed on a live message of a chat", async () => {
    const { repositories, write } = engine();
    const chatId = await directChat(write);
    const otherChat = await directChat(write, "alice@example.com", "carol@example.com");
    const live = sticker();
    const onUnsent = sticker();
    await write(async (r) => {
      const message = await r.messages.insert(newMessage(chatId));
      await r.stickers.insert(message, live);
      const unsent = await r.messages.insert(newMessage(chatId));
      await r.stickers.insert(unsent, onUnsent);
      await r.messages.markRetracted(unsent, 2_000);
    });
    expect(await repositories.stickers.isInChat(live.attachmentGuid, chatId)).toBe(true);
    expect(await repositories.stickers.isInChat(live.attachmentGuid, otherChat)).toBe(false);
    expect(await repositories.stickers.isInChat(onUnsent.attachmentGuid, chatId)).toBe(false);
    expect(await repositories.stickers.isInChat("missing", chatId)).toBe(false);
  });
});
