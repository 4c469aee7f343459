import fc from "fast-check";
import { describe, expect, it } from "vitest";
import type {
  MessageIdQuery,
  ReactionRecord,
} from "../../src/storage/repositories/message-repository.js";
import { engineNames, useContractEngine } from "./contract-engines.js";
import { directChat, newAttachment, newMessage } from "./contract-records.js";

const everyMessage: MessageIdQuery = {
  beforeId: null,
  accountId: 1,
  isFromMe: null,
  isRead: null,
  readThroughMessageId: 0,
  afterMs: null,
  beforeMs: null,
};

function reaction(overrides: Partial<ReactionRecord> = {}): ReactionRecord {
  return {
    senderAddress: "bob@example.com",
    senderAccountId: 2,
    partIndex: null,
    kind: 2000,
    emoji: null,
    createdAt: 3_000,
    ...overrides,
  };
}

describe.each(engineNames)("message repository on %s", (engineName) => {
  const engine = useContractEngine(engineName);

  it("stores a message and finds it by guid and by id, every field as given", async () => {
    const { repositories, write } = engine();
    const chatId = await directChat(write);
    const message = newMessage(chatId, {
      kind: "contact",
      text: "héllo 👋",
      subject: "Subject",
      effectId: "com.apple.MobileSMS.expressivesend.impact",
      replyToGuid: "original-guid",
      threadOriginatorGuid: "original-guid",
      threadOriginatorPart: "0:0:5",
      formatting: [
        { type: "bold", start: 0, length: 5, effectName: null },
        { type: "effect", start: 1, length: 2, effectName: "shake" },
      ],
      linkPreview: true,
      dataDetection: true,
      createdAt: 1_700_000_000_123,
    });
    const id = await write((r) => r.messages.insert(message));
    const expected = { ...message, id, editedAt: null, retractedAt: null };
    expect(await repositories.messages.find(message.guid)).toEqual(expected);
    expect(await repositories.messages.findById(id)).toEqual(expected);
  });

  it("answers undefined and 0 for messages and chats that do not exist", async () => {
    const { repositories, write } = engine();
    const chatId = await directChat(write);
    expect(await repositories.messages.find("missing")).toBeUndefined();
    expect(await repositories.messages.findById(999)).toBeUndefined();
    expect(await repositories.messages.latestInChat(chatId)).toBeUndefined();
    expect(await repositories.messages.newestIdInChat(chatId)).toBe(0);
    expect(await repositories.messages.listNewestIds(chatId, everyMessage, 10)).toEqual([]);
  });

  it("refuses a second message with the same guid or one in a chat that does not exist", async () => {
    const { repositories, write } = engine();
    const chatId = await directChat(write);
    const message = newMessage(chatId);
    await write((r) => r.messages.insert(message));
    await expect(write((r) => r.messages.insert({ ...message, text: "again" }))).rejects.toThrow();
    await expect(write((r) => r.messages.insert(newMessage(chatId + 50)))).rejects.toThrow();
    expect((await repositories.messages.find(message.guid))?.text).toBe("hello");
  });

  it("gives later messages larger ids across chats, and finds each chat's newest", async () => {
    const { repositories, write } = engine();
    const first = await directChat(write);
    const second = await directChat(write, "alice@example.com", "carol@example.com");
    const ids: number[] = [];
    for (const chatId of [first, second, first, second, second]) {
      ids.push(await write((r) => r.messages.insert(newMessage(chatId))));
    }
    expect([...ids].sort((a, b) => a - b)).toEqual(ids);
    expect(new Set(ids).size).toBe(ids.length);
    expect((await repositories.messages.latestInChat(first))?.id).toBe(ids[2]);
    expect(await repositories.messages.newestIdInChat(second)).toBe(ids[4]);
  });

  it("lists and counts unread messages: others', after the marker, not unsent, oldest first", async () => {
    const { repositories, write } = engine();
    const chatId = await directChat(write);
    const fromBob = { senderAddress: "bob@example.com", senderAccountId: 2 };
    const ids = await write(async (r) => [
      await r.messages.insert(newMessage(chatId, fromBob)),
      await r.messages.insert(newMessage(chatId)),
      await r.messages.insert(newMessage(chatId, fromBob)),
      await r.messages.insert(newMessage(chatId, fromBob)),
      await r.messages.insert(newMessage(chatId, fromBob)),
    ]);
    await write((r) => r.messages.markRetracted(ids[3] ?? 0, 9_000));
    const unread = await repositories.messages.listUnread(chatId, 1, ids[0] ?? 0);
    expect(unread.map((message) => message.id)).toEqual([ids[2], ids[4]]);
    expect(await repositories.messages.countUnread(chatId, 1, ids[0] ?? 0)).toBe(2);
    expect(await repositories.messages.countUnread(chatId, 1, 0)).toBe(3);
    expect(await repositories.messages.countUnread(chatId, 2, 0)).toBe(1);
    expect(await repositories.messages.listUnread(chatId, 1, ids[4] ?? 0)).toEqual([]);
  });

  it("edits text (clearing formatting) and marks a message unsent", async () => {
    const { repositories, write } = engine();
    const chatId = await directChat(write);
    const message = newMessage(chatId, {
      formatting: [{ type: "italic", start: 0, length: 2, effectName: null }],
    });
    const id = await write((r) => r.messages.insert(message));
    await write((r) => r.messages.editText(id, "edited", 5_000));
    expect(await repositories.messages.findById(id)).toMatchObject({
      text: "edited",
      formatting: [],
      editedAt: 5_000,
      retractedAt: null,
    });
    await write((r) => r.messages.markRetracted(id, 6_000));
    expect(await repositories.messages.findById(id)).toMatchObject({
      editedAt: 5_000,
      retractedAt: 6_000,
    });
  });

  it("lists the newest ids with every filter", async () => {
    const { repositories, write } = engine();
    const chatId = await directChat(write);
    const other = await directChat(write, "alice@example.com", "dan@example.com");
    const fromBob = { senderAddress: "bob@example.com", senderAccountId: 2 };
    const ids = await write(async (r) => [
      await r.messages.insert(newMessage(chatId, { createdAt: 100 })),
      await r.messages.insert(newMessage(chatId, { ...fromBob, createdAt: 200 })),
      await r.messages.insert(newMessage(other, { createdAt: 250 })),
      await r.messages.insert(newMessage(chatId, { ...fromBob, createdAt: 300 })),
      await r.messages.insert(newMessage(chatId, { createdAt: 400 })),
      await r.messages.insert(newMessage(chatId, { ...fromBob, createdAt: 500 })),
    ]);
    const [a, b, , d, e, f] = ids;
    await write((r) => r.messages.markRetracted(f ?? 0, 600));
    const list = (query: Partial<MessageIdQuery>, limit = 10) =>
      repositories.messages.listNewestIds(chatId, { ...everyMessage, ...query }, limit);
    expect(await list({})).toEqual([f, e, d, b, a]);
    expect(await list({}, 2)).toEqual([f, e]);
    expect(await list({ beforeId: e ?? 0 })).toEqual([d, b, a]);
    expect(await list({ isFromMe: true })).toEqual([e, a]);
    expect(await list({ isFromMe: false })).toEqual([f, d, b]);
    // Read for account 1: its own, at or below the marker (b), or unsent (f).
    expect(await list({ isRead: true, readThroughMessageId: b ?? 0 })).toEqual([f, e, b, a]);
    expect(await list({ isRead: false, readThroughMessageId: b ?? 0 })).toEqual([d]);
    expect(await list({ afterMs: 300 })).toEqual([f, e, d]);
    expect(await list({ beforeMs: 300 })).toEqual([b, a]);
    expect(await list({ afterMs: 200, beforeMs: 500, isFromMe: false })).toEqual([d, b]);
  });

  it("paging through a chat with beforeId returns every matching message exactly once, newest first (property)", async () => {
    const { repositories, write } = engine();
    const chatId = await directChat(write);
    const messageShape = fc.record({
      fromMe: fc.boolean(),
      createdAt: fc.integer({ min: 0, max: 20 }),
      retracted: fc.boolean(),
    });
    const stored = fc.sample(fc.array(messageShape, { minLength: 30, maxLength: 30 }), {
      numRuns: 1,
      seed: 15,
    })[0];
    const rows = await write(async (r) => {
      const inserted: { id: number; fromMe: boolean; createdAt: number; retracted: boolean }[] = [];
      for (const shape of stored ?? []) {
        const id = await r.messages.insert(
          newMessage(chatId, {
            createdAt: shape.createdAt,
            ...(shape.fromMe ? {} : { senderAddress: "bob@example.com", senderAccountId: 2 }),
          }),
        );
        if (shape.retracted) await r.messages.markRetracted(id, 99);
        inserted.push({ id, ...shape });
      }
      return inserted;
    });
    await fc.assert(
      fc.asyncProperty(
        fc.integer({ min: 1, max: 7 }),
        fc.option(fc.boolean(), { nil: null }),
        fc.option(fc.boolean(), { nil: null }),
        fc.integer({ min: 0, max: 30 }),
        fc.option(fc.integer({ min: 0, max: 21 }), { nil: null }),
        fc.option(fc.integer({ min: 0, max: 21 }), { nil: null }),
        async (limit, isFromMe, isRead, readIndex, afterMs, beforeMs) => {
          const readThroughMessageId = readIndex === 0 ? 0 : (rows[readIndex - 1]?.id ?? 0);
          const expected = rows
            .filter(
              (row) =>
                (isFromMe === null || row.fromMe === isFromMe) &&
                (isRead === null ||
                  (row.fromMe || row.id <= readThroughMessageId || row.retracted) === isRead) &&
                (afterMs === null || row.createdAt >= afterMs) &&
                (beforeMs === null || row.createdAt < beforeMs),
            )
            .map((row) => row.id)
            .reverse();
          const seen: number[] = [];
          let beforeId: number | null = null;
          for (let page = 0; page < 40; page += 1) {
            const ids = await repositories.messages.listNewestIds(
              chatId,
              {
                ...everyMessage,
                beforeId,
                isFromMe,
                isRead,
                readThroughMessageId,
                afterMs,
                beforeMs,
              },
              limit,
            );
            expect(ids.length).toBeLessThanOrEqual(limit);
            seen.push(...ids);
            const last = ids.at(-1);
            if (last === undefined || ids.length < limit) break;
            beforeId = last;
          }
          expect(seen).toEqual(expected);
        },
      ),
      { numRuns: 60 },
    );
  });

  it("adds a tapback once per sender, kind, emoji and part, and removes it", async () => {
    const { repositories, write } = engine();
    const chatId = await directChat(write);
    const id = await write((r) => r.messages.insert(newMessage(chatId)));
    const love = reaction();
    const onPart = reaction({ partIndex: 0, createdAt: 3_001 });
    const emoji = reaction({ kind: 2006, emoji: "🎉", createdAt: 3_002 });
    const otherEmoji = reaction({ kind: 2006, emoji: "🔥", createdAt: 3_003 });
    expect(await write((r) => r.messages.addReaction(id, love))).toBe(true);
    expect(await write((r) => r.messages.addReaction(id, { ...love, createdAt: 9_999 }))).toBe(
      false,
    );
    expect(await write((r) => r.messages.addReaction(id, onPart))).toBe(true);
    expect(await write((r) => r.messages.addReaction(id, emoji))).toBe(true);
    expect(await write((r) => r.messages.addReaction(id, otherEmoji))).toBe(true);
    expect(await repositories.messages.listReactions(id)).toEqual([
      love,
      onPart,
      emoji,
      otherEmoji,
    ]);
    expect(await write((r) => r.messages.removeReaction(id, emoji))).toBe(true);
    expect(await write((r) => r.messages.removeReaction(id, emoji))).toBe(false);
    expect(await write((r) => r.messages.removeReaction(id, { ...love, partIndex: 3 }))).toBe(
      false,
    );
    expect(await repositories.messages.listReactions(id)).toEqual([love, onPart, otherEmoji]);
    expect(await repositories.messages.listReactions(id + 1)).toEqual([]);
  });

  it("lists tapbacks oldest first, ties by sender address in code-point order", async () => {
    const { repositories, write } = engine();
    const chatId = await directChat(write);
    const id = await write((r) => r.messages.insert(newMessage(chatId)));
    // Code-point order puts "Zed" before "amy" and "+1…" before both; a linguistic
    // collation would not.
    const senders = ["amy@example.com", "Zed@example.com", "+15550000001", "bob@example.com"];
    for (const [index, senderAddress] of senders.entries()) {
      await write((r) =>
        r.messages.addReaction(
          id,
          reaction({ senderAddress, senderAccountId: index + 2, createdAt: 5_000 }),
        ),
      );
    }
    await write((r) => r.messages.addReaction(id, reaction({ createdAt: 4_000, kind: 2001 })));
    expect(
      (await repositories.messages.listReactions(id)).map((listed) => listed.senderAddress),
    ).toEqual([
      "bob@example.com",
      "+15550000001",
      "Zed@example.com",
      "amy@example.com",
      "bob@example.com",
    ]);
  });

  it("records notify-anyway once and reports which extras a message has", async () => {
    const { repositories, write } = engine();
    const chatId = await directChat(write);
    const plain = await write((r) => r.messages.insert(newMessage(chatId)));
    const decorated = await write((r) => r.messages.insert(newMessage(chatId, { text: "" })));
    expect(await repositories.messages.findExtras(plain)).toEqual({
      hasStickers: false,
      hasMiniAppCard: false,
      notifiedAnyway: false,
    });
    const sticker = newAttachment();
    await write(async (r) => {
      await r.messages.markNotifiedAnyway(decorated, 1, 7_000);
      await r.messages.markNotifiedAnyway(decorated, 1, 8_000);
      await r.stickers.insert(decorated, {
        senderAddress: "bob@example.com",
        senderAccountId: 2,
        partIndex: null,
        attachmentGuid: sticker.guid,
        fileName: sticker.fileName,
        mimeType: sticker.mimeType,
        uti: sticker.uti,
        totalBytes: sticker.totalBytes,
        placement: { x: 0.5, y: 0.5, scale: null, rotation: null, width: null },
        createdAt: 7_500,
      });
      await r.miniApps.insert(decorated, "session-1", {
        teamId: "TEAM",
        extensionBundleId: "com.example.app.extension",
        appName: "Example",
        url: "https://example.com/card",
        appStoreId: null,
        live: false,
        layout: {
          caption: null,
          subcaption: null,
          trailingCaption: null,
          trailingSubcaption: null,
          imageTitle: null,
          imageSubtitle: null,
          summary: null,
          image: null,
        },
      });
    });
    expect(await repositories.messages.findExtras(decorated)).toEqual({
      hasStickers: true,
      hasMiniAppCard: true,
      notifiedAnyway: true,
    });
    expect(await repositories.messages.findExtras(plain)).toEqual({
      hasStickers: false,
      hasMiniAppCard: false,
      notifiedAnyway: false,
    });
  });

  it("a rolled-back write leaves no message, tapback or edit behind", async () => {
    const { repositories, write } = engine();
    const chatId = await directChat(write);
    const kept = await write((r) => r.messages.insert(newMessage(chatId)));
    const message = newMessage(chatId);
    await expect(
      write(async (r) => {
        await r.messages.insert(message);
        await r.messages.addReaction(kept, reaction());
        await r.messages.editText(kept, "changed", 1);
        throw new Error("the send fails after its inserts");
      }),
    ).rejects.toThrow("the send fails after its inserts");
    expect(await repositories.messages.find(message.guid)).toBeUndefined();
    expect(await repositories.messages.listReactions(kept)).toEqual([]);
    expect((await repositories.messages.findById(kept))?.text).toBe("hello");
  });
});
