import { type ServiceError, status } from "@grpc/grpc-js";
import { MessageServiceDefinition, type photon } from "@threadline/protocol";
import { describe, expect, it } from "vitest";
import { runWrite } from "../src/domain/write-operations.js";
import { startFreezableProxy, startTestServer } from "../src/testing.js";
import { createRawClient, trailer } from "./support/grpc-client.js";

type MessageFrame = photon.imessage.v1.SubscribeMessageEventsResponse;

const padding = "x".repeat(2000);

async function until(condition: () => boolean): Promise<void> {
  while (!condition()) await new Promise((resolve) => setTimeout(resolve, 5));
}

describe("slow subscribers", () => {
  it("a subscriber that stops reading is cut off with SUBSCRIBER_TOO_SLOW and its buffer freed", async () => {
    const limits = { maxEvents: 50, maxBytes: 256 * 1024 };
    await using server = await startTestServer({ subscriberBuffer: limits });
    const { account, token } = await server.accounts.create(["alice@example.com"]);
    // The client reaches the server through a relay that stops forwarding: it truly reads
    // nothing (a paused grpc-js stream would still drain the socket into its own queue).
    const relay = await startFreezableProxy(server.address);
    const messages = createRawClient(relay.address, MessageServiceDefinition, token);
    const stream = messages.stream<MessageFrame>("subscribeMessageEvents", {});
    const ended = new Promise<ServiceError>((resolve) => stream.on("error", resolve));
    try {
      await new Promise((resolve) => stream.once("metadata", resolve));
      relay.freeze();
      const { store, hub } = server.server;
      expect(hub.size).toBe(1);
      // Keep committing while the client reads nothing, until the server gives up on it.
      while (hub.size > 0) {
        await runWrite(store, "log.appendEvents", {
          events: Array.from({ length: 20 }, (_, index) => ({
            accountId: account.id,
            event: {
              kind: "message" as const,
              event: {
                chatGuid: "any;-;bob@example.com",
                messageReceived: { message: { guid: `m${index}`, subject: padding } },
              },
            },
          })),
        });
        const { headSequence } = await store.repositories.eventLog.readState(account.id);
        expect(headSequence).toBeLessThan(100_000);
      }
      // Nothing is kept for the cut-off subscriber, however much more is written.
      for (let round = 0; round < 20; round += 1) {
        await runWrite(store, "log.appendEvents", {
          events: [
            {
              accountId: account.id,
              event: {
                kind: "message" as const,
                event: {
                  chatGuid: "any;-;bob@example.com",
                  messageReceived: { message: { subject: padding } },
                },
              },
            },
          ],
        });
      }
      expect(hub.size).toBe(0);

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
      expect(error.details).toContain("catch up");
      const { headSequence } = await store.repositories.eventLog.readState(account.id);
      expect(received).toBeLessThan(headSequence);
      await until(() => server.server.calls.active.size === 0);
    } finally {
      stream.cancel();
      messages.close();
      await relay.close();
    }
  });
});
