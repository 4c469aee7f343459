import { afterAll, beforeAll, describe, expect, it } from "vitest";
import {
  AuthenticationError,
  type InboundMessage,
  ValidationError,
  type WhatsAppEvent,
} from "../src/index.js";
import { numbers, startWhatsAppFixture, type WhatsAppFixture } from "./whatsapp-fixture.js";

let fixture: WhatsAppFixture;
beforeAll(async () => {
  fixture = await startWhatsAppFixture({ heartbeatIntervalMs: 500 });
});
afterAll(async () => {
  await fixture.close();
});

/** The first `count` events of a fresh subscription after `cursor`. */
async function firstEvents(count: number, cursor?: string): Promise<WhatsAppEvent[]> {
  const client = fixture.client();
  const events: WhatsAppEvent[] = [];
  for await (const event of client.events
    .subscribe(cursor === undefined ? {} : { cursor })
    .take(count)) {
    events.push(event);
  }
  return events;
}

describe("events.subscribe()", () => {
  it("every event carries a cursor and a contiguous sequence from the start of the log", async () => {
    await fixture.postTexts(3);
    const events = await firstEvents(3);
    expect(events.map((event) => event.sequence)).toEqual([1, 2, 3]);
    expect(new Set(events.map((event) => event.cursor)).size).toBe(3);
    const first = events[0];
    expect(first?.type).toBe("message");
    if (first?.type !== "message") return;
    expect(first.message.from).toBe("4915112345678");
    expect(first.message.timestamp).toBeInstanceOf(Date);
    expect(first.message.timestamp.getTime()).toBe(1733050801000);
    expect(first.message.contact).toEqual({ waId: "4915112345678", name: "Kim Customer" });
    expect(first.message.content).toEqual({ type: "text", body: "message 1" });
  });

  it("resumes after the given cursor on the first connect", async () => {
    const before = await firstEvents(3);
    const cursor = before[1]?.cursor;
    const [next] = await firstEvents(1, cursor);
    expect(next?.sequence).toBe(3);
    expect(next?.cursor).toBe(before[2]?.cursor);
  });

  it("goes from the backlog to live events without a gap", async () => {
    const client = fixture.client();
    const seen: number[] = [];
    const stream = client.events.subscribe();
    const posting = (async () => {
      await fixture.postTexts(2);
      await fixture.postTexts(2);
    })();
    for await (const event of stream) {
      seen.push(event.sequence);
      if (seen.length === 7) break;
    }
    await posting;
    expect(seen).toEqual([1, 2, 3, 4, 5, 6, 7]);
  });

  it("maps every inbound content variant, narrowed by content.type", async () => {
    const base = {
      from: "4915112345678",
      timestamp: "1733051000",
    };
    await fixture.postMessages([
      {
        ...base,
        id: "wamid.V-IMAGE",
        type: "image",
        image: { id: "880011", mime_type: "image/jpeg", sha256: "aGFzaA==", caption: "the dent" },
      },
      {
        ...base,
        id: "wamid.V-AUDIO",
        type: "audio",
        audio: { id: "880012", mime_type: "audio/ogg", voice: true },
      },
      {
        ...base,
        id: "wamid.V-STICKER",
        type: "sticker",
        sticker: { id: "880013", mime_type: "image/webp", animated: false },
      },
      {
        ...base,
        id: "wamid.V-LOC",
        type: "location",
        location: { latitude: 52.52, longitude: 13.405, name: "Shop" },
      },
      {
        ...base,
        id: "wamid.V-REACT",
        type: "reaction",
        reaction: { message_id: "wamid.SENT1", emoji: "👍" },
      },
      {
        ...base,
        id: "wamid.V-BTN",
        type: "interactive",
        interactive: { type: "button_reply", button_reply: { id: "yes", title: "Yes" } },
      },
      {
        ...base,
        id: "wamid.V-LIST",
        type: "interactive",
        interactive: {
          type: "list_reply",
          list_reply: { id: "row-1", title: "Blue", description: "the blue one" },
        },
      },
      {
        ...base,
        id: "wamid.V-QR",
        type: "button",
        button: { text: "Stop promotions", payload: "STOP" },
      },
      {
        ...base,
        id: "wamid.V-ORDER",
        type: "order",
        order: {
          catalog_id: "cat-1",
          text: "two please",
          product_items: [
            { product_retailer_id: "kettle-blue", quantity: 2, item_price: 39.9, currency: "EUR" },
          ],
        },
      },
      {
        ...base,
        id: "wamid.V-CARDS",
        type: "contacts",
        contacts: [
          {
            name: { formatted_name: "Ada Lovelace", first_name: "Ada" },
            phones: [{ phone: "+44 20 7946 0000", type: "WORK" }],
          },
        ],
      },
      {
        ...base,
        id: "wamid.V-SYSTEM",
        type: "system",
        system: {
          body: "User changed number",
          type: "user_changed_number",
          new_wa_id: "4915199999999",
        },
      },
      { ...base, id: "wamid.V-FUTURE", type: "hologram", hologram: { id: "x" } },
    ]);
    const client = fixture.client();
    const messages: InboundMessage[] = [];
    for await (const event of client.events.subscribe().filter((e) => e.type === "message")) {
      if (event.type === "message" && event.message.id.startsWith("wamid.V-")) {
        messages.push(event.message);
      }
      if (messages.length === 12) break;
    }
    const byId = new Map(messages.map((message) => [message.id, message]));
    expect(byId.get("wamid.V-IMAGE")?.content).toEqual({
      type: "image",
      media: { id: "880011", mimeType: "image/jpeg", sha256: "aGFzaA==", caption: "the dent" },
    });
    expect(byId.get("wamid.V-AUDIO")?.content).toEqual({
      type: "audio",
      media: { id: "880012", mimeType: "audio/ogg", voice: true },
    });
    expect(byId.get("wamid.V-STICKER")?.content).toEqual({
      type: "sticker",
      sticker: { id: "880013", mimeType: "image/webp", animated: false },
    });
    expect(byId.get("wamid.V-LOC")?.content).toEqual({
      type: "location",
      location: { latitude: 52.52, longitude: 13.405, name: "Shop" },
    });
    expect(byId.get("wamid.V-REACT")?.content).toEqual({
      type: "reaction",
      reaction: { messageId: "wamid.SENT1", emoji: "👍" },
    });
    expect(byId.get("wamid.V-BTN")?.content).toEqual({
      type: "interactive",
      interactive: { type: "button_reply", reply: { id: "yes", title: "Yes" } },
    });
    expect(byId.get("wamid.V-LIST")?.content).toEqual({
      type: "interactive",
      interactive: {
        type: "list_reply",
        reply: { id: "row-1", title: "Blue", description: "the blue one" },
      },
    });
    expect(byId.get("wamid.V-QR")?.content).toEqual({
      type: "button",
      button: { text: "Stop promotions", payload: "STOP" },
    });
    expect(byId.get("wamid.V-ORDER")?.content).toEqual({
      type: "order",
      order: {
        catalogId: "cat-1",
        text: "two please",
        productItems: [
          { productRetailerId: "kettle-blue", quantity: 2, itemPrice: 39.9, currency: "EUR" },
        ],
      },
    });
    const cards = byId.get("wamid.V-CARDS")?.content;
    expect(cards?.type).toBe("contacts");
    if (cards?.type === "contacts") {
      expect(cards.contacts[0]?.name).toEqual({ formattedName: "Ada Lovelace", firstName: "Ada" });
      expect(cards.contacts[0]?.phones).toEqual([{ phone: "+44 20 7946 0000", type: "WORK" }]);
    }
    expect(byId.get("wamid.V-SYSTEM")?.content).toEqual({
      type: "system",
      system: {
        body: "User changed number",
        type: "user_changed_number",
        newWaId: "4915199999999",
      },
    });
    expect(byId.get("wamid.V-FUTURE")?.content).toEqual({ type: "unknown", rawType: "hologram" });
    expect(byId.get("wamid.V-FUTURE")?.messageType).toBe("hologram");
  });

  it("status updates carry the status, Date timestamps and bizOpaqueCallbackData", async () => {
    await fixture.postStatuses([
      {
        id: "wamid.OUT1",
        status: "delivered",
        timestamp: "1733052000",
        recipient_id: "4915112345678",
        biz_opaque_callback_data: "order-1234",
        conversation: {
          id: "conv-1",
          origin: { type: "service" },
          expiration_timestamp: "1733138400",
        },
        pricing: { billable: true, pricing_model: "CBP", category: "service" },
      },
      {
        id: "wamid.OUT1",
        status: "failed",
        timestamp: "1733052100",
        recipient_id: "4915112345678",
        errors: [
          {
            code: 131047,
            title: "Re-engagement message",
            message: "More than 24 hours have passed",
          },
        ],
      },
    ]);
    const client = fixture.client();
    const statuses = [];
    for await (const event of client.events.subscribe()) {
      if (event.type === "status") statuses.push(event.status);
      if (statuses.length === 2) break;
    }
    expect(statuses[0]).toMatchObject({
      id: "wamid.OUT1",
      status: "delivered",
      recipientId: "4915112345678",
      bizOpaqueCallbackData: "order-1234",
      errors: [],
      conversation: { id: "conv-1", originType: "service", expiration: new Date(1733138400000) },
      pricing: { billable: true, pricingModel: "CBP", category: "service" },
    });
    expect(statuses[0]?.timestamp).toEqual(new Date(1733052000000));
    expect(statuses[1]?.status).toBe("failed");
    expect(statuses[1]?.errors).toEqual([
      { code: 131047, title: "Re-engagement message", message: "More than 24 hours have passed" },
    ]);
  });
});

describe("events.fetchMissed()", () => {
  it("pages after a cursor with hasMore and the cursor to continue from", async () => {
    const client = fixture.client();
    const first = await client.events.fetchMissed({ limit: 2 });
    expect(first.events.map((event) => event.sequence)).toEqual([1, 2]);
    expect(first.hasMore).toBe(true);
    expect(first.cursor).toBe(first.events[1]?.cursor);
    const second = await client.events.fetchMissed({ cursor: first.cursor, limit: 2 });
    expect(second.events.map((event) => event.sequence)).toEqual([3, 4]);
  });

  it("an empty page keeps the given cursor and says no more", async () => {
    const client = fixture.client();
    let page = await client.events.fetchMissed({ limit: 1000 });
    while (page.hasMore)
      page = await client.events.fetchMissed({ cursor: page.cursor, limit: 1000 });
    const empty = await client.events.fetchMissed({ cursor: page.cursor });
    expect(empty).toEqual({ events: [], hasMore: false, cursor: page.cursor });
  });

  it("rejects a limit outside 1..1000 and a malformed cursor before the network", async () => {
    const client = fixture.client({ address: "127.0.0.1:1" });
    await expect(client.events.fetchMissed({ cursor: "", limit: 0 })).rejects.toThrow(
      /limit must be an integer from 1 to 1000 \(default 100\); received 0/,
    );
    await expect(client.events.fetchMissed({ cursor: "", limit: 1001 })).rejects.toBeInstanceOf(
      ValidationError,
    );
    await expect(client.events.fetchMissed({ cursor: "not a cursor!" })).rejects.toThrow(
      /cursor must be the cursor string of an event you received/,
    );
  });
});

describe("failures that cannot heal", () => {
  it("a bad appSecret is an AuthenticationError, with no reconnect", async () => {
    const client = fixture.client({ appSecret: "wrong-secret" });
    const attempts: number[] = [];
    const stream = client.events.subscribe({
      reconnect: { initialDelay: 10, onReconnect: (attempt) => attempts.push(attempt) },
    });
    const failure = await (async () => {
      try {
        for await (const _ of stream) return undefined;
      } catch (error) {
        return error;
      }
      return undefined;
    })();
    expect(failure).toBeInstanceOf(AuthenticationError);
    expect(attempts).toEqual([]);
    await expect(client.events.fetchMissed({ cursor: "" })).rejects.toBeInstanceOf(
      AuthenticationError,
    );
  });

  it("a cursor from another number's log is a ValidationError, with no reconnect", async () => {
    await fixture.postTexts(1, numbers.other.phoneNumberId);
    const other = fixture.client({
      accessToken: numbers.other.accessToken,
      phoneNumberId: numbers.other.phoneNumberId,
      appSecret: numbers.other.appSecret,
    });
    const [foreign] = (await other.events.fetchMissed({ limit: 1 })).events;
    expect(foreign).toBeDefined();
    const client = fixture.client();
    const attempts: number[] = [];
    const stream = client.events.subscribe({
      cursor: foreign?.cursor ?? "",
      reconnect: { initialDelay: 10, onReconnect: (attempt) => attempts.push(attempt) },
    });
    await expect(drain(stream)).rejects.toBeInstanceOf(ValidationError);
    expect(attempts).toEqual([]);
    await expect(client.events.fetchMissed({ cursor: foreign?.cursor ?? "" })).rejects.toThrow(
      /belongs to another business number's log/,
    );
  });

  it("subscribe options are checked before the network", () => {
    const client = fixture.client();
    expect(() => client.events.subscribe({ cursor: "with spaces" })).toThrow(ValidationError);
    expect(() => client.events.subscribe({ reconnect: { multiplier: 0.5 } })).toThrow(
      ValidationError,
    );
  });
});

async function drain(stream: AsyncIterable<unknown>): Promise<void> {
  for await (const _ of stream) return;
}
