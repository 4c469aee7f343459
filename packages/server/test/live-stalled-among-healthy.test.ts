import { EventLogServiceDefinition, MessageServiceDefinition } from "@threadline/protocol";
import { describe, expect, it } from "vitest";
import { runWrite } from "../src/domain/write-operations.js";
import { startFreezableProxy, startTestServer } from "../src/testing.js";
import { createRawClient, type RawClient } from "./support/grpc-client.js";
import { type LiveRecorder, recordLive } from "./support/live-recorder.js";

const chats = ["any;-;ann@example.com", "any;-;bob@example.com"];
const padding = "x".repeat(2000);

describe("a stalled subscriber among healthy ones", () => {
  it("is cut as too slow while the healthy streams of the same account keep every event", async () => {
    const limits = { maxEvents: 400, maxBytes: 4 * 1024 * 1024 };
    await using server = await startTestServer({ subscriberBuffer: limits });
    const { account, token } = await server.accounts.create(["alice@example.com"]);
    const { hub, store } = server.server;
    // The stalled client reaches the server through a relay that stops forwarding:
    // its TCP connection stays open and nothing more is read, the way a hung process
    // or a dead network path looks to the server.
    const relay = await startFreezableProxy(server.address);
    const clients: RawClient[] = [];
    const client = (address: string, definition: "log" | "messages") => {
      const created = createRawClient(
        address,
        definition === "log" ? EventLogServiceDefinition : MessageServiceDefinition,
        token,
      );
      clients.push(created);
      return created;
    };
    const healthy: { chat: string | undefined; recorder: LiveRecorder }[] = [];
    const stalled: LiveRecorder[] = [];
    try {
      for (const chat of [undefined, undefined]) {
        const stream = client(server.address, "log").stream("subscribeEvents", {
          afterSequence: 0,
        });
        healthy.push({ chat, recorder: recordLive(stream, "batched") });
      }
      for (const chat of [undefined, chats[1]]) {
        const stream = client(server.address, "messages").stream("subscribeMessageEvents", {
          chatGuid: chat ?? "",
        });
        healthy.push({ chat, recorder: recordLive(stream, "single") });
      }
      stalled.push(
        recordLive(
          client(relay.address, "log").stream("subscribeEvents", { afterSequence: 0 }),
          "batched",
        ),
        recordLive(
          client(relay.address, "messages").stream("subscribeMessageEvents", {}),
          "single",
        ),
      );
      await Promise.all(
        [...healthy, ...stalled.map((recorder) => ({ recorder }))].map(
          ({ recorder }) => recorder.headers,
        ),
      );
      expect(hub.countFor(account.id)).toBe(6);
      relay.freeze();

      const written: { sequence: number; chatGuid: string }[] = [];
      const chatOf = (index: number) => chats[index % chats.length] ?? "";
      const commit = async () => {
        await runWrite(store, "log.appendEvents", {
          events: Array.from({ length: 20 }, (_, index) => ({
            accountId: account.id,
            event: {
              kind: "message" as const,
              event: {
                chatGuid: chatOf(index),
                messageReceived: { message: { guid: `m${index}`, subject: padding } },
              },
            },
          })),
        });
        // Only this test writes to the account, one write at a time: the write's 20
        // events end at the committed head.
        const { headSequence } = await store.repositories.eventLog.readState(account.id);
        const events = Array.from({ length: 20 }, (_, index) => ({
          sequence: headSequence - 19 + index,
          chatGuid: chatOf(index),
        }));
        written.push(...events);
        // Healthy readers keep pace: each has everything before the next commit.
        await Promise.all(
          healthy.map(({ chat, recorder }) => {
            const mine = events.filter((event) => chat === undefined || event.chatGuid === chat);
            const last = mine.at(-1);
            return last === undefined ? undefined : recorder.reach(last.sequence);
          }),
        );
      };
      // Keep writing until the server gives up on both stalled streams.
      while (hub.slowSubscriberCuts < 2) {
        await commit();
        expect(written.length).toBeLessThan(20_000);
      }
      // The healthy streams were not touched, and go on receiving.
      expect(hub.slowSubscriberCuts).toBe(2);
      expect(hub.countFor(account.id)).toBe(4);
      for (let round = 0; round < 5; round += 1) await commit();
      expect(hub.countFor(account.id)).toBe(4);
      for (const { chat, recorder } of healthy) {
        expect(recorder.events).toEqual(
          written.filter((event) => chat === undefined || event.chatGuid === chat),
        );
      }
      // Stalled streams got at most what fit on the wire before the relay froze.
      for (const recorder of stalled) {
        expect(recorder.events.length).toBeLessThan(written.length);
      }
    } finally {
      for (const { recorder } of healthy) recorder.cancel();
      for (const recorder of stalled) recorder.cancel();
      for (const created of clients) created.close();
      await relay.close();
    }
  }, 60_000);

  it("a reading client keeps up with a burst of concurrent commits and is not cut", async () => {
    await using server = await startTestServer({
      subscriberBuffer: { maxEvents: 200, maxBytes: 8 * 1024 * 1024 },
    });
    const { account, token } = await server.accounts.create(["alice@example.com"]);
    const { hub, store } = server.server;
    const messages = createRawClient(server.address, MessageServiceDefinition, token);
    const reader = recordLive(messages.stream("subscribeMessageEvents", {}), "single");
    try {
      await reader.headers;
      // 32 writers committing 5 events at a time: group commit joins what arrives during
      // a commit, so one publish offers the reader far more events than one write per
      // frame sends in an event-loop turn.
      const log = store.repositories.eventLog;
      const headBefore = (await log.readState(account.id)).headSequence;
      await Promise.all(
        Array.from({ length: 32 }, async (_, writer) => {
          for (let round = 0; round < 20; round += 1) {
            await runWrite(store, "log.appendEvents", {
              events: Array.from({ length: 5 }, (_, index) => ({
                accountId: account.id,
                event: {
                  kind: "message" as const,
                  event: {
                    chatGuid: chats[0] ?? "",
                    messageReceived: { message: { guid: `b${writer}-${round}-${index}` } },
                  },
                },
              })),
            });
          }
        }),
      );
      const headAfter = (await log.readState(account.id)).headSequence;
      expect(headAfter - headBefore).toBe(32 * 20 * 5);
      const sequences = Array.from(
        { length: headAfter - headBefore },
        (_, index) => headBefore + 1 + index,
      );
      await reader.reach(headAfter);
      expect(hub.slowSubscriberCuts).toBe(0);
      expect(reader.events.map((event) => event.sequence)).toEqual(sequences);
    } finally {
      reader.cancel();
      messages.close();
    }
  }, 60_000);
});
