import { type ServiceError, status } from "@grpc/grpc-js";
import type { photon } from "@threadline/protocol";
import { describe, expect, it } from "vitest";
import { businessNumberId, webhookBody } from "./fixtures/whatsapp-webhooks.js";
import { trailer } from "./support/grpc-client.js";
import { credentials, numberMetadata, startWhatsAppHarness } from "./support/whatsapp-harness.js";

async function until(condition: () => boolean): Promise<void> {
  while (!condition()) await new Promise((resolve) => setTimeout(resolve, 5));
}

describe("slow WhatsApp subscribers", () => {
  it("a SubscribeEvents client that stops reading is cut off with SUBSCRIBER_TOO_SLOW and its buffer freed", async () => {
    const harness = await startWhatsAppHarness({
      subscriberBuffer: { maxEvents: 50, maxBytes: 256 * 1024 },
    });
    const stream = harness.messages.stream<photon.whatsapp.v1.SubscribeEventsResponse>(
      "subscribeEvents",
      {},
      numberMetadata(credentials.main),
    );
    const ended = new Promise<ServiceError>((resolve) => stream.on("error", resolve));
    try {
      await new Promise((resolve) => stream.once("metadata", resolve));
      stream.pause();
      const hub = harness.server.whatsappHub;
      expect(hub.size).toBe(1);
      let posted = 0;
      // Keep webhooks coming while the client reads nothing, until the server gives up on it.
      while (hub.size > 0) {
        const messages = Array.from({ length: 20 }, () => {
          posted += 1;
          return {
            from: "4915112345678",
            id: `wamid.SLOW${posted}`,
            timestamp: "1733056000",
            type: "text",
            text: { body: "x".repeat(2000) },
          };
        });
        expect((await harness.postSigned(webhookBody(businessNumberId, { messages }))).status).toBe(
          200,
        );
        expect(posted).toBeLessThan(100_000);
      }
      let received = 0;
      stream.on("data", () => {
        received += 1;
      });
      stream.resume();
      const error = await ended;
      expect(error.code).toBe(status.RESOURCE_EXHAUSTED);
      expect(trailer(error, "error-code")).toBe("SUBSCRIBER_TOO_SLOW");
      expect(trailer(error, "x-retryable")).toBe("true");
      expect(error.details).toContain("fetch missed events");
      expect(received).toBeLessThan(posted);
      await until(() => harness.server.calls.active.size === 0);
    } finally {
      stream.cancel();
      await harness.close();
    }
  });
});
