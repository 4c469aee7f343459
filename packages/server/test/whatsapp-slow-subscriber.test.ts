import { type ServiceError, status } from "@grpc/grpc-js";
import { type photon, WhatsAppMessageServiceDefinition } from "@threadline/protocol";
import { describe, expect, it } from "vitest";
import { startFreezableProxy } from "../src/testing.js";
import { businessNumberId, webhookBody } from "./fixtures/whatsapp-webhooks.js";
import { createRawClient, trailer } from "./support/grpc-client.js";
import { credentials, numberMetadata, startWhatsAppHarness } from "./support/whatsapp-harness.js";

type EventFrame = photon.whatsapp.v1.SubscribeEventsResponse;

async function until(condition: () => boolean): Promise<void> {
  while (!condition()) await new Promise((resolve) => setTimeout(resolve, 5));
}

function textMessages(count: number, first: number, body: string) {
  return Array.from({ length: count }, (_, index) => ({
    from: "4915112345678",
    id: `wamid.SLOW${first + index}`,
    timestamp: "1733056000",
    type: "text",
    text: { body },
  }));
}

describe("slow WhatsApp subscribers", () => {
  it("a SubscribeEvents client that stops reading is cut off with SUBSCRIBER_TOO_SLOW and its buffer freed, while a reading one is not", async () => {
    const harness = await startWhatsAppHarness({
      subscriberBuffer: { maxEvents: 50, maxBytes: 256 * 1024 },
    });
    // The stalled client's connection goes through a relay that stops forwarding, so
    // it truly reads nothing (a paused grpc-js stream still drains the socket into the
    // client's own queue); a second client reads directly.
    const relay = await startFreezableProxy(harness.server.address);
    const stalledClient = createRawClient(
      relay.address,
      WhatsAppMessageServiceDefinition,
      undefined,
    );
    const stream = stalledClient.stream<EventFrame>(
      "subscribeEvents",
      {},
      numberMetadata(credentials.main),
    );
    const reader = harness.messages.stream<EventFrame>(
      "subscribeEvents",
      {},
      numberMetadata(credentials.main),
    );
    const ended = new Promise<ServiceError>((resolve) => stream.on("error", resolve));
    let read = 0;
    let readerFailure: ServiceError | undefined;
    reader.on("error", (error: ServiceError) => {
      if (error.code !== status.CANCELLED) readerFailure = error;
    });
    reader.on("data", (frame: EventFrame) => {
      if (frame.message !== null && frame.message !== undefined) read += 1;
    });
    try {
      await Promise.all([
        new Promise((resolve) => stream.once("metadata", resolve)),
        new Promise((resolve) => reader.once("metadata", resolve)),
      ]);
      const hub = harness.server.whatsappHub;
      expect(hub.size).toBe(2);
      relay.freeze();
      let posted = 0;
      // Keep webhooks coming while the stalled client reads nothing, until the server gives up on it.
      while (hub.slowSubscriberCuts === 0) {
        const messages = textMessages(20, posted, "x".repeat(2000));
        posted += messages.length;
        expect((await harness.postSigned(webhookBody(businessNumberId, { messages }))).status).toBe(
          200,
        );
        expect(posted).toBeLessThan(100_000);
      }
      // Only the stalled stream was cut; the reader has everything.
      expect(hub.size).toBe(1);
      await until(() => read === posted);

      // The client, reading again, gets what was already on the wire and then the error.
      let received = 0;
      stream.on("data", () => {
        received += 1;
      });
      relay.thaw();
      const error = await ended;
      expect(error.code).toBe(status.RESOURCE_EXHAUSTED);
      expect(trailer(error, "error-code")).toBe("SUBSCRIBER_TOO_SLOW");
      expect(trailer(error, "x-retryable")).toBe("true");
      expect(error.details).toContain("fetch missed events");
      expect(received).toBeLessThan(posted);
      expect(readerFailure).toBeUndefined();
      reader.cancel();
      await until(() => harness.server.calls.active.size === 0);
    } finally {
      stream.cancel();
      reader.cancel();
      stalledClient.close();
      await relay.close();
      await harness.close();
    }
  });

  it("a client that reads keeps up with a burst of webhooks and is not cut", async () => {
    const harness = await startWhatsAppHarness({
      subscriberBuffer: { maxEvents: 200, maxBytes: 8 * 1024 * 1024 },
    });
    const reader = harness.messages.stream<EventFrame>(
      "subscribeEvents",
      {},
      numberMetadata(credentials.main),
    );
    const ids: string[] = [];
    let failure: ServiceError | undefined;
    reader.on("data", (frame: EventFrame) => {
      if (frame.message?.id !== undefined) ids.push(frame.message.id);
    });
    reader.on("error", (error: ServiceError) => {
      failure = error;
    });
    try {
      await new Promise((resolve) => reader.once("metadata", resolve));
      // Many webhooks in flight at once, each with a few events: the server takes in
      // far more per event-loop turn than one write per frame would send.
      const total = 3000;
      let next = 0;
      await Promise.all(
        Array.from({ length: 32 }, async () => {
          while (next < total) {
            const first = next;
            next += 5;
            const messages = textMessages(5, first, `burst ${first}`);
            const answer = await harness.postSigned(webhookBody(businessNumberId, { messages }));
            expect(answer.status).toBe(200);
          }
        }),
      );
      await until(() => ids.length >= total || failure !== undefined);
      expect(failure).toBeUndefined();
      expect(harness.server.whatsappHub.slowSubscriberCuts).toBe(0);
      expect(new Set(ids).size).toBe(total);
    } finally {
      reader.cancel();
      await harness.close();
    }
  }, 60_000);
});
