import { describe, expect, it } from "vitest";
import { engineNames, useContractEngine } from "./contract-engines.js";
import { directChat, newAttachment, newMessage } from "./contract-records.js";

describe.each(engineNames)("attachment repository on %s", (engineName) => {
  const engine = useContractEngine(engineName);

  it("stores an attachment with and without a companion and finds it by guid", async () => {
    const { repositories, write } = engine();
    const plain = newAttachment({ totalBytes: 5_000_000_000 });
    const livePhoto = newAttachment({
      sha256: "b".repeat(64),
      companion: {
        kind: 1,
        fileName: "photo.mov",
        mimeType: "video/quicktime",
        totalBytes: 77,
        sha256: "c".repeat(64),
      },
    });
    const plainId = await write((r) => r.attachments.insert(plain));
    const liveId = await write((r) => r.attachments.insert(livePhoto));
    expect(liveId).not.toBe(plainId);
    expect(await repositories.attachments.find(plain.guid)).toEqual({ ...plain, id: plainId });
    expect(await repositories.attachments.find(livePhoto.guid)).toEqual({
      ...livePhoto,
      id: liveId,
    });
    expect(await repositories.attachments.find("missing")).toBeUndefined();
  });

  it("refuses a second attachment with the same guid", async () => {
    const { repositories, write } = engine();
    const attachment = newAttachment();
    await write((r) => r.attachments.insert(attachment));
    await expect(
      write((r) => r.attachments.insert({ ...attachment, fileName: "other.jpg" })),
    ).rejects.toThrow();
    expect((await repositories.attachments.find(attachment.guid))?.fileName).toBe("photo.jpg");
  });

  it("knows whether a blob is referenced, as a file or as a companion", async () => {
    const { repositories, write } = engine();
    await write((r) =>
      r.attachments.insert(
        newAttachment({
          sha256: "d".repeat(64),
          companion: {
            kind: 1,
            fileName: "v.mov",
            mimeType: "video/quicktime",
            totalBytes: 1,
            sha256: "e".repeat(64),
          },
        }),
      ),
    );
    expect(await repositories.attachments.isBlobReferenced("d".repeat(64))).toBe(true);
    expect(await repositories.attachments.isBlobReferenced("e".repeat(64))).toBe(true);
    expect(await repositories.attachments.isBlobReferenced("f".repeat(64))).toBe(false);
  });

  it("links attachments to a message as bubbles in order and lists them", async () => {
    const { repositories, write } = engine();
    const chatId = await directChat(write);
    const first = newAttachment();
    const second = newAttachment({ fileName: "voice.caf", mimeType: "audio/x-caf" });
    const { messageId, firstId, secondId } = await write(async (r) => {
      const firstId = await r.attachments.insert(first);
      const secondId = await r.attachments.insert(second);
      const messageId = await r.messages.insert(newMessage(chatId, { text: "" }));
      await r.attachments.linkToMessage(messageId, [
        { attachmentId: secondId, displayName: null, isAudioMessage: true },
        { attachmentId: firstId, displayName: "Holiday", isAudioMessage: false },
        { attachmentId: secondId, displayName: "again", isAudioMessage: false },
      ]);
      return { messageId, firstId, secondId };
    });
    expect(await repositories.attachments.listForMessage(messageId)).toEqual([
      { attachment: { ...second, id: secondId }, displayName: null, isAudioMessage: true },
      { attachment: { ...first, id: firstId }, displayName: "Holiday", isAudioMessage: false },
      { attachment: { ...second, id: secondId }, displayName: "again", isAudioMessage: false },
    ]);
    expect(await repositories.attachments.listForMessage(messageId + 1)).toEqual([]);
  });

  it("refuses a link to an attachment or a message that does not exist", async () => {
    const { repositories, write } = engine();
    const chatId = await directChat(write);
    const messageId = await write((r) => r.messages.insert(newMessage(chatId)));
    await expect(
      write((r) =>
        r.attachments.linkToMessage(messageId, [
          { attachmentId: 4_242, displayName: null, isAudioMessage: false },
        ]),
      ),
    ).rejects.toThrow();
    const attachmentId = await write((r) => r.attachments.insert(newAttachment()));
    await expect(
      write((r) =>
        r.attachments.linkToMessage(messageId + 100, [
          { attachmentId, displayName: null, isAudioMessage: false },
        ]),
      ),
    ).rejects.toThrow();
    expect(await repositories.attachments.listForMessage(messageId)).toEqual([]);
  });

  it("names the chats whose live messages carry an attachment, as a bubble or a sticker", async () => {
    const { repositories, write } = engine();
    const bubbleChat = await directChat(write);
    const stickerChat = await directChat(write, "alice@example.com", "carol@example.com");
    const unsentChat = await directChat(write, "alice@example.com", "dan@example.com");
    const unrelatedChat = await directChat(write, "alice@example.com", "erin@example.com");
    const attachment = newAttachment();
    const attachmentId = await write(async (r) => {
      const id = await r.attachments.insert(attachment);
      const bubbles = await r.messages.insert(newMessage(bubbleChat, { text: "" }));
      await r.attachments.linkToMessage(bubbles, [
        { attachmentId: id, displayName: null, isAudioMessage: false },
      ]);
      const again = await r.messages.insert(newMessage(bubbleChat, { text: "" }));
      await r.attachments.linkToMessage(again, [
        { attachmentId: id, displayName: null, isAudioMessage: false },
      ]);
      const stickered = await r.messages.insert(newMessage(stickerChat));
      await r.stickers.insert(stickered, {
        senderAddress: "carol@example.com",
        senderAccountId: 3,
        partIndex: 0,
        attachmentGuid: attachment.guid,
        fileName: attachment.fileName,
        mimeType: attachment.mimeType,
        uti: attachment.uti,
        totalBytes: attachment.totalBytes,
        placement: { x: 0.1, y: 0.2, scale: 1.5, rotation: 0.25, width: 64 },
        createdAt: 3_000,
      });
      const unsent = await r.messages.insert(newMessage(unsentChat, { text: "" }));
      await r.attachments.linkToMessage(unsent, [
        { attachmentId: id, displayName: null, isAudioMessage: false },
      ]);
      await r.messages.markRetracted(unsent, 4_000);
      await r.messages.insert(newMessage(unrelatedChat));
      return id;
    });
    expect(
      (await repositories.attachments.chatIdsCarrying(attachmentId, attachment.guid)).sort(
        (a, b) => a - b,
      ),
    ).toEqual([bubbleChat, stickerChat]);
    expect(await repositories.attachments.chatIdsCarrying(attachmentId + 1, "missing")).toEqual([]);
  });

  it("stores a message's mentions in order and lists them", async () => {
    const { repositories, write } = engine();
    const chatId = await directChat(write);
    const messageId = await write(async (r) => {
      const id = await r.messages.insert(newMessage(chatId, { text: "hi @bob and @carol" }));
      await r.attachments.insertMentions(id, [
        { address: "carol@example.com", start: 12, length: 6 },
        { address: "bob@example.com", start: 3, length: 4 },
      ]);
      await r.attachments.insertMentions(id, []);
      return id;
    });
    expect(await repositories.attachments.listMentions(messageId)).toEqual([
      { address: "carol@example.com", start: 12, length: 6 },
      { address: "bob@example.com", start: 3, length: 4 },
    ]);
    expect(await repositories.attachments.listMentions(messageId + 1)).toEqual([]);
  });

  it("a rolled-back upload and link leave nothing behind", async () => {
    const { repositories, write } = engine();
    const chatId = await directChat(write);
    const attachment = newAttachment({ sha256: "9".repeat(64) });
    await expect(
      write(async (r) => {
        const id = await r.attachments.insert(attachment);
        const messageId = await r.messages.insert(newMessage(chatId));
        await r.attachments.linkToMessage(messageId, [
          { attachmentId: id, displayName: null, isAudioMessage: false },
        ]);
        throw new Error("the send fails after linking");
      }),
    ).rejects.toThrow("the send fails after linking");
    expect(await repositories.attachments.find(attachment.guid)).toBeUndefined();
    expect(await repositories.attachments.isBlobReferenced("9".repeat(64))).toBe(false);
  });
});
