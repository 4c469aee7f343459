import {
  ChatServiceDefinition,
  EventServiceDefinition,
  MessageServiceDefinition,
  type photon,
} from "@threadline/protocol";
import { describe, expect, it } from "vitest";
import { runWrite } from "../src/domain/write-operations.js";
import { startFreezableProxy } from "../src/testing.js";
import { businessNumberId, messageFixtures, webhookBody } from "./fixtures/whatsapp-webhooks.js";
import { collect, createRawClient } from "./support/grpc-client.js";
import { startWhatsAppHarness } from "./support/whatsapp-harness.js";

type MessageFrame = photon.imessage.v1.SubscribeMessageEventsResponse;

/** One sample's value from the exposition text, or undefined when the line is absent. */
function sample(text: string, series: string): number | undefined {
  for (const line of text.split("\n")) {
    if (line.startsWith(`${series} `)) return Number(line.slice(series.length + 1));
  }
  return undefined;
}

async function until(condition: () => boolean): Promise<void> {
  while (!condition()) await new Promise((resolve) => setTimeout(resolve, 5));
}

describe("GET /metrics on the HTTP port", () => {
  it("counts appends, commits, live subscribers, slow-subscriber cuts, catch-up streams and webhook ingests from real traffic", async () => {
    await using harness = await startWhatsAppHarness({
      subscriberBuffer: { maxEvents: 20, maxBytes: 1024 * 1024 },
    });
    const { server } = harness;
    const scrape = async () => {
      const response = await fetch(`http://127.0.0.1:${server.httpPort}/metrics`);
      expect(response.status).toBe(200);
      expect(response.headers.get("content-type")).toContain("text/plain");
      return response.text();
    };

    const alice = await server.accounts.create(["alice@example.com"]);
    const carol = await server.accounts.create(["carol@example.com"]);
    const dave = await server.accounts.create(["dave@example.com"]);
    const chats = createRawClient(server.address, ChatServiceDefinition, alice.token);
    const messages = createRawClient(server.address, MessageServiceDefinition, alice.token);
    const events = createRawClient(server.address, EventServiceDefinition, dave.token);
    // Carol's client reaches the server through a relay that can stop forwarding, so her
    // stream can truly stall (a paused grpc-js stream still drains the socket).
    const relay = await startFreezableProxy(server.address);
    const carolMessages = createRawClient(relay.address, MessageServiceDefinition, carol.token);
    try {
      const before = await scrape();
      expect(sample(before, "threadline_events_appended_total")).toBe(0);
      expect(sample(before, 'threadline_live_subscribers{log="account"}')).toBe(0);
      expect(sample(before, "threadline_catch_up_streams_open")).toBe(0);

      // A live subscriber that reads, and writes that reach it.
      const live = messages.stream<MessageFrame>("subscribeMessageEvents", {});
      live.on("data", () => undefined);
      const liveEnded = new Promise((resolve) => live.on("error", resolve));
      await new Promise((resolve) => live.once("metadata", resolve));
      const created = await chats.unary<photon.imessage.v1.CreateChatResponse>("createChat", {
        addresses: ["bob@example.com"],
        initialMessage: { text: "hello" },
      });
      const chatGuid = created.chat?.guid ?? "";
      const texts = Array.from({ length: 10 }, (_, index) => `message ${index}`);
      await Promise.all(texts.map((text) => messages.unary("sendTextMessage", { chatGuid, text })));

      const afterWrites = await scrape();
      const appended = sample(afterWrites, "threadline_events_appended_total") ?? 0;
      // createChat and ten sends each appended at least one event to alice's log.
      expect(appended).toBeGreaterThanOrEqual(11);
      const commits = sample(afterWrites, "threadline_commit_batch_writes_count") ?? 0;
      const batchedWrites = sample(afterWrites, "threadline_commit_batch_writes_sum") ?? 0;
      // Three account creations, the chat and the ten sends were all committed, some together.
      expect(batchedWrites).toBeGreaterThanOrEqual(14);
      expect(commits).toBeGreaterThanOrEqual(1);
      expect(commits).toBeLessThanOrEqual(batchedWrites);
      expect(sample(afterWrites, "threadline_commit_duration_seconds_count")).toBe(commits);
      expect(sample(afterWrites, "threadline_commit_duration_seconds_sum")).toBeGreaterThan(0);
      expect(sample(afterWrites, 'threadline_live_subscribers{log="account"}')).toBe(1);

      // A catch-up stream the client does not read stays open on the server, given a log
      // larger than the transport's windows (~4 MB here).
      await runWrite(server.store, "log.appendEvents", {
        events: Array.from({ length: 2000 }, (_, index) => ({
          accountId: dave.account.id,
          event: {
            kind: "message" as const,
            event: {
              chatGuid: "any;-;bob@example.com",
              messageReceived: { message: { guid: `a${index}`, subject: "y".repeat(2000) } },
            },
          },
        })),
      });
      const catchUp = events.stream("catchUpEvents", {});
      catchUp.pause();
      await until(() =>
        [...server.calls.active.values()].some((path) => path.endsWith("/CatchUpEvents")),
      );
      expect(sample(await scrape(), "threadline_catch_up_streams_open")).toBe(1);
      catchUp.resume();
      await collect(catchUp);
      await until(
        () => ![...server.calls.active.values()].some((path) => path.endsWith("/CatchUpEvents")),
      );
      expect(sample(await scrape(), "threadline_catch_up_streams_open")).toBe(0);

      // A subscriber that stops reading is cut off, and counted.
      const slow = carolMessages.stream<MessageFrame>("subscribeMessageEvents", {});
      const cut = new Promise<void>((resolve) => slow.on("error", () => resolve()));
      await new Promise((resolve) => slow.once("metadata", resolve));
      relay.freeze();
      await until(() => server.hub.countFor(carol.account.id) === 1);
      while (server.hub.countFor(carol.account.id) > 0) {
        await runWrite(server.store, "log.appendEvents", {
          events: Array.from({ length: 10 }, (_, index) => ({
            accountId: carol.account.id,
            event: {
              kind: "message" as const,
              event: {
                chatGuid: "any;-;bob@example.com",
                messageReceived: { message: { guid: `c${index}`, subject: "x".repeat(2000) } },
              },
            },
          })),
        });
      }
      // Reading again, the client gets what was on the wire, then SUBSCRIBER_TOO_SLOW.
      slow.on("data", () => undefined);
      relay.thaw();
      await cut;
      expect(sample(await scrape(), 'threadline_slow_subscriber_cuts_total{log="account"}')).toBe(
        1,
      );

      // Webhook ingests keep their names: one accepted, one refused for its signature.
      const text = messageFixtures[0]?.message;
      expect(
        (await harness.postSigned(webhookBody(businessNumberId, { messages: [text] }))).status,
      ).toBe(200);
      expect((await harness.post("{}", { "x-hub-signature-256": "sha256=00" })).status).toBe(401);
      const afterWebhooks = await scrape();
      expect(sample(afterWebhooks, "threadline_whatsapp_webhooks_accepted_total")).toBe(1);
      expect(sample(afterWebhooks, "threadline_whatsapp_webhook_events_appended_total")).toBe(1);
      expect(sample(afterWebhooks, "threadline_whatsapp_webhook_duplicates_skipped_total")).toBe(0);
      expect(
        sample(
          afterWebhooks,
          'threadline_whatsapp_webhooks_rejected_total{reason="bad_signature"}',
        ),
      ).toBe(1);
      expect(
        sample(
          afterWebhooks,
          'threadline_whatsapp_webhooks_rejected_total{reason="unknown_number"}',
        ),
      ).toBe(0);
      live.cancel();
      await liveEnded;
    } finally {
      chats.close();
      messages.close();
      events.close();
      carolMessages.close();
      await relay.close();
    }
  });
});
