import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { type PublishedOnlyServer, startPublishedOnlyServer } from "./published-only-server.js";
import { customer, startWhatsAppFixture, type WhatsAppFixture } from "./whatsapp-fixture.js";

let fixture: WhatsAppFixture;
let relay: PublishedOnlyServer;
const sendAttempts: string[] = [];
beforeAll(async () => {
  fixture = await startWhatsAppFixture();
  relay = await startPublishedOnlyServer(fixture.address, (path, metadata) => {
    if (path.endsWith("/SendMessage")) {
      sendAttempts.push(String(metadata.get("x-idempotency-key")[0] ?? "none"));
    }
  });
});
afterAll(async () => {
  await relay.close();
  await fixture.close();
});

describe("retries of messages.send()", () => {
  it("every attempt of one send carries the same idempotency key, and the message goes out once", async () => {
    const client = fixture.client({
      address: relay.address,
      retry: { maxAttempts: 4, initialDelay: 10, maxDelay: 20 },
    });
    fixture.failNextSends(2);
    sendAttempts.length = 0;
    const before = fixture.graphRequests.length;
    const result = await client.messages.send({ to: customer, text: "after two failures" });
    expect(result.messageStatus).toBe("accepted");
    expect(sendAttempts).toHaveLength(3);
    expect(new Set(sendAttempts).size).toBe(1);
    expect(sendAttempts[0]).toMatch(/^[0-9a-f-]{36}$/);
    // Two failed Graph calls (nothing stored), then the one that sent the message.
    expect(fixture.graphRequests.length - before).toBe(3);

    sendAttempts.length = 0;
    await client.messages.send({ to: customer, text: "a second message" });
    expect(sendAttempts).toHaveLength(1);
    expect(sendAttempts[0]).not.toBe("none");
  });

  it("retry: false makes one attempt and surfaces the retryable failure", async () => {
    const client = fixture.client({ address: relay.address, retry: false });
    fixture.failNextSends(1);
    sendAttempts.length = 0;
    await expect(client.messages.send({ to: customer, text: "once" })).rejects.toMatchObject({
      name: "ConnectionError",
    });
    expect(sendAttempts).toHaveLength(1);
  });
});
