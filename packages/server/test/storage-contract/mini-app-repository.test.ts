import { describe, expect, it } from "vitest";
import type {
  MiniAppCardFields,
  MiniAppCardRecord,
} from "../../src/storage/repositories/mini-app-repository.js";
import { engineNames, hex, useContractEngine } from "./contract-engines.js";
import { directChat, newMessage } from "./contract-records.js";

const blankLayout = {
  caption: null,
  subcaption: null,
  trailingCaption: null,
  trailingSubcaption: null,
  imageTitle: null,
  imageSubtitle: null,
  summary: null,
  image: null,
};

function card(overrides: Partial<MiniAppCardFields> = {}): MiniAppCardFields {
  return {
    teamId: "TEAM123",
    extensionBundleId: "com.example.app.MessagesExtension",
    appName: "Example",
    url: "https://example.com/card?state=1",
    appStoreId: null,
    live: false,
    layout: blankLayout,
    ...overrides,
  };
}

/** A card with its image as hex, so both engines' bytes compare equal. */
function comparable(record: MiniAppCardRecord | undefined) {
  if (record === undefined) return undefined;
  const { image } = record.layout;
  return { ...record, layout: { ...record.layout, image: image === null ? null : hex(image) } };
}

describe.each(engineNames)("mini-app repository on %s", (engineName) => {
  const engine = useContractEngine(engineName);

  it("stores a card and finds it by message and by session", async () => {
    const { repositories, write } = engine();
    const chatId = await directChat(write);
    const image = new Uint8Array([0xff, 0xd8, 0xff, 0xe0, 0x00]);
    const fields = card({
      appStoreId: 9_876_543_210,
      live: true,
      layout: {
        caption: "Caption",
        subcaption: "Sub",
        trailingCaption: "Trailing",
        trailingSubcaption: "Trailing sub",
        imageTitle: "Title",
        imageSubtitle: "Subtitle",
        summary: "Summary",
        image,
      },
    });
    const messageId = await write(async (r) => {
      const id = await r.messages.insert(newMessage(chatId, { text: "" }));
      await r.miniApps.insert(id, "session-a", fields);
      return id;
    });
    const expected = comparable({ ...fields, messageId, sessionId: "session-a" });
    expect(comparable(await repositories.miniApps.findForMessage(messageId))).toEqual(expected);
    expect(comparable(await repositories.miniApps.findBySession("session-a"))).toEqual(expected);
  });

  it("answers undefined for a message that is no card and an unknown session", async () => {
    const { repositories, write } = engine();
    const chatId = await directChat(write);
    const messageId = await write((r) => r.messages.insert(newMessage(chatId)));
    expect(await repositories.miniApps.findForMessage(messageId)).toBeUndefined();
    expect(await repositories.miniApps.findBySession("nope")).toBeUndefined();
  });

  it("refuses a second card with the same session or for the same message", async () => {
    const { repositories, write } = engine();
    const chatId = await directChat(write);
    const [first, second] = await write(async (r) => [
      await r.messages.insert(newMessage(chatId, { text: "" })),
      await r.messages.insert(newMessage(chatId, { text: "" })),
    ]);
    await write((r) => r.miniApps.insert(first ?? 0, "session-b", card()));
    await expect(
      write((r) => r.miniApps.insert(second ?? 0, "session-b", card())),
    ).rejects.toThrow();
    await expect(
      write((r) => r.miniApps.insert(first ?? 0, "session-c", card())),
    ).rejects.toThrow();
    expect(await repositories.miniApps.findForMessage(second ?? 0)).toBeUndefined();
    expect(await repositories.miniApps.findBySession("session-c")).toBeUndefined();
  });

  it("replaces what a card shows and stamps its message edited, keeping message and session", async () => {
    const { repositories, write } = engine();
    const chatId = await directChat(write);
    const messageId = await write(async (r) => {
      const id = await r.messages.insert(newMessage(chatId, { text: "" }));
      await r.miniApps.insert(
        id,
        "session-d",
        card({ layout: { ...blankLayout, caption: "old", image: new Uint8Array([1, 2]) } }),
      );
      return id;
    });
    const updated = card({
      appName: "Renamed",
      url: "https://example.com/card?state=2",
      appStoreId: 42,
      live: true,
      layout: { ...blankLayout, summary: "new" },
    });
    await write((r) => r.miniApps.replace(messageId, updated, 8_000));
    expect(comparable(await repositories.miniApps.findBySession("session-d"))).toEqual(
      comparable({ ...updated, messageId, sessionId: "session-d" }),
    );
    expect((await repositories.messages.findById(messageId))?.editedAt).toBe(8_000);
  });

  it("refuses a card on a message that does not exist", async () => {
    const { repositories, write } = engine();
    await expect(write((r) => r.miniApps.insert(4_242, "session-e", card()))).rejects.toThrow();
    expect(await repositories.miniApps.findBySession("session-e")).toBeUndefined();
  });
});
