import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { ValidationError } from "../src/index.js";
import {
  customer,
  numbers,
  startWhatsAppFixture,
  type WhatsAppFixture,
} from "./whatsapp-fixture.js";

let fixture: WhatsAppFixture;
beforeAll(async () => {
  fixture = await startWhatsAppFixture();
});
afterAll(async () => {
  await fixture.close();
});

const messagesPath = `/v23.0/${numbers.main.phoneNumberId}/messages`;

function lastGraphRequest() {
  const request = fixture.graphRequests.at(-1);
  if (request === undefined) throw new Error("the Graph API stand-in got no request");
  return request;
}

describe("messages.send()", () => {
  it("a reply with replyTo reaches the Graph API as Meta documents it", async () => {
    const client = fixture.client();
    const result = await client.messages.send({
      to: customer,
      replyTo: "wamid.INBOUND1",
      bizOpaqueCallbackData: "ticket-42",
      text: "You said: hello",
    });
    expect(result.messageId).toMatch(/^wamid\.SENT\d+$/);
    expect(result.messageStatus).toBe("accepted");
    const request = lastGraphRequest();
    expect(request.method).toBe("POST");
    expect(request.url).toBe(messagesPath);
    expect(request.authorization).toBe(`Bearer ${numbers.main.accessToken}`);
    expect(request.json).toMatchObject({
      messaging_product: "whatsapp",
      recipient_type: "individual",
      to: customer,
      type: "text",
      text: { body: "You said: hello" },
      context: { message_id: "wamid.INBOUND1" },
      biz_opaque_callback_data: "ticket-42",
    });
  });

  it("sends media, location and reaction content kinds", async () => {
    const client = fixture.client();
    await client.messages.send({ to: customer, image: { id: "990011", caption: "receipt" } });
    expect(lastGraphRequest().json).toMatchObject({
      type: "image",
      image: { id: "990011", caption: "receipt" },
    });
    await client.messages.send({
      to: `+${customer}`,
      location: { latitude: 52.52, longitude: 13.405, name: "Shop" },
    });
    expect(lastGraphRequest().json).toMatchObject({
      type: "location",
      location: { latitude: 52.52, longitude: 13.405, name: "Shop" },
    });
    await client.messages.send({ to: customer, reaction: { messageId: "wamid.IN2", emoji: "👍" } });
    expect(lastGraphRequest().json).toMatchObject({
      type: "reaction",
      reaction: { message_id: "wamid.IN2", emoji: "👍" },
    });
  });

  it("one idempotency key sends to Meta once and answers the repeat with the first result", async () => {
    const client = fixture.client();
    const before = fixture.graphRequests.length;
    const first = await client.messages.send(
      { to: customer, text: "only once" },
      { idempotencyKey: "order-991-confirmation" },
    );
    const again = await client.messages.send(
      { to: customer, text: "only once" },
      { idempotencyKey: "order-991-confirmation" },
    );
    expect(again).toEqual(first);
    expect(fixture.graphRequests.length - before).toBe(1);
  });

  it("rejects bad input before the network, naming what is allowed", async () => {
    const client = fixture.client();
    const before = fixture.graphRequests.length;
    await expect(client.messages.send({ to: "+49 151 1234", text: "hi" })).rejects.toThrow(
      /to must be a phone number in international format or a WhatsApp id/,
    );
    await expect(client.messages.send({ to: "0151123456", text: "hi" })).rejects.toBeInstanceOf(
      ValidationError,
    );
    await expect(client.messages.send({ to: customer, text: "x".repeat(4097) })).rejects.toThrow(
      /text is 4097 characters long; WhatsApp allows at most 4096/,
    );
    await expect(client.messages.send({ to: customer, text: "" })).rejects.toThrow(/text must be/);
    await expect(
      // @ts-expect-error: two content kinds
      client.messages.send({ to: customer, text: "a", image: { id: "1" } }),
    ).rejects.toThrow(/exactly one content kind; received text and image/);
    await expect(
      // @ts-expect-error: no content kind
      client.messages.send({ to: customer }),
    ).rejects.toThrow(/needs one content kind/);
    await expect(
      client.messages.send({ to: customer, image: { id: "1", link: "https://example.com/a.jpg" } }),
    ).rejects.toThrow(/exactly one of id/);
    await expect(
      client.messages.send({ to: customer, location: { latitude: 91, longitude: 0 } }),
    ).rejects.toThrow(/location.latitude must be a number from -90 to 90/);
    await expect(
      client.messages.send({ to: customer, text: "a", bizOpaqueCallbackData: "x".repeat(513) }),
    ).rejects.toThrow(/bizOpaqueCallbackData must be a string of at most 512/);
    expect(fixture.graphRequests.length).toBe(before);
  });
});

describe("messages.markRead()", () => {
  it("marks an inbound message read, with the typing indicator", async () => {
    await fixture.postTexts(1);
    const client = fixture.client();
    const { events } = await client.events.fetchMissed({ limit: 1 });
    const event = events[0];
    if (event?.type !== "message") throw new Error("expected the inbound message");
    await client.messages.markRead(event.message.id, { typingIndicator: true });
    expect(lastGraphRequest().json).toMatchObject({
      messaging_product: "whatsapp",
      status: "read",
      message_id: event.message.id,
      typing_indicator: { type: "text" },
    });
    await expect(client.messages.markRead("")).rejects.toThrow(/messageId must be a message id/);
  });
});

describe("media", () => {
  it("uploads, resolves a download URL and deletes through the Graph API", async () => {
    const client = fixture.client();
    const { mediaId } = await client.media.upload({
      file: Buffer.from("fake-jpeg-bytes"),
      mimeType: "image/jpeg",
      filename: "receipt.jpg",
    });
    expect(mediaId).toBe("990011223344");
    expect(lastGraphRequest().url).toBe(`/v23.0/${numbers.main.phoneNumberId}/media`);
    const url = await client.media.getUrl(mediaId);
    expect(url).toEqual({
      url: `https://lookaside.fbsbx.com/whatsapp_business/attachments/?mid=${mediaId}`,
      mimeType: "image/jpeg",
      sha256: "c2hhLW9mLWltYWdl",
      fileSize: 4096,
    });
    expect(lastGraphRequest().method).toBe("GET");
    await client.media.delete(mediaId);
    expect(lastGraphRequest().method).toBe("DELETE");
  });

  it("rejects an empty file, a bad MIME type and an empty media id before the network", async () => {
    const client = fixture.client();
    await expect(
      client.media.upload({ file: new Uint8Array(0), mimeType: "image/jpeg" }),
    ).rejects.toThrow(/file must be a non-empty Uint8Array/);
    await expect(client.media.upload({ file: Buffer.from("x"), mimeType: "jpeg" })).rejects.toThrow(
      /mimeType must be a MIME type/,
    );
    await expect(client.media.getUrl("")).rejects.toThrow(/mediaId must be a media id/);
  });
});
