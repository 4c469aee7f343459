import { MessageServiceDefinition } from "@threadline/protocol";
import { startFreezableProxy } from "@threadline/server/testing";
import { describe, expect, it } from "vitest";
import { ConnectionError, type ThreadlineClient } from "../src/index.js";
import { startFixture, writeMessages } from "./fixture.js";

// Short enough that a stall shows quickly; the watchdog acts after twice this.
const heartbeatIntervalMs = 300;

async function send(client: ThreadlineClient, chatGuid: string, text: string): Promise<void> {
  await client.context.unary(
    MessageServiceDefinition.sendTextMessage,
    { chatGuid, text },
    { mutating: true },
  );
}

describe("a half-open connection (a proxy that stops forwarding, sockets left open)", () => {
  it("live() ends with a retryable ConnectionError (STREAM_STALLED); a new live stream then works", async () => {
    await using fixture = await startFixture({ heartbeatIntervalMs });
    const proxy = await startFreezableProxy(fixture.server.address);
    try {
      const writer = fixture.client();
      const chatGuid = await writeMessages(writer, 1);
      const im = fixture.client({
        address: proxy.address,
        // Keepalive alone would take minutes; the heartbeat watchdog must act first.
        channelOptions: { "grpc.keepalive_time_ms": 600_000 },
      });
      // GetServerInfo tells the client the server's heartbeat interval.
      const live = im.events.live("message");
      await live.ready;
      const iterator = live[Symbol.asyncIterator]();
      await send(writer, chatGuid, "before the freeze");
      const before = await iterator.next();
      expect(before.done).toBe(false);
      proxy.freeze();
      await send(writer, chatGuid, "during the freeze");
      const failure = await iterator.next().then(
        () => undefined,
        (error: unknown) => error,
      );
      expect(failure).toBeInstanceOf(ConnectionError);
      expect(failure).toMatchObject({ code: "STREAM_STALLED", retryable: true });
      // No silent resume: the stream stays ended.
      await expect(iterator.next()).resolves.toMatchObject({ done: true });
      // The stalled connection was replaced: a new live stream receives new events.
      const again = im.events.live("message");
      await again.ready;
      await send(writer, chatGuid, "after the freeze");
      const next = await again[Symbol.asyncIterator]().next();
      expect(next.done).toBe(false);
      await again.close();
    } finally {
      await proxy.close();
    }
  }, 30_000);

  it("a resource's stream opened with heartbeats: true ends with STREAM_STALLED too", async () => {
    await using fixture = await startFixture({ heartbeatIntervalMs });
    const proxy = await startFreezableProxy(fixture.server.address);
    try {
      const writer = fixture.client();
      const chatGuid = await writeMessages(writer, 1);
      const im = fixture.client({
        address: proxy.address,
        channelOptions: { "grpc.keepalive_time_ms": 600_000 },
      });
      const stream = im.context.stream(
        MessageServiceDefinition.subscribeMessageEvents,
        {},
        (frame) => frame.messageChanged ?? undefined,
        { operation: "things.watch()", heartbeats: true },
      );
      await stream.ready;
      const iterator = stream[Symbol.asyncIterator]();
      await send(writer, chatGuid, "before the freeze");
      expect((await iterator.next()).done).toBe(false);
      proxy.freeze();
      await send(writer, chatGuid, "during the freeze");
      const failure = await iterator.next().then(
        () => undefined,
        (error: unknown) => error,
      );
      expect(failure).toBeInstanceOf(ConnectionError);
      expect(failure).toMatchObject({ code: "STREAM_STALLED", retryable: true });
      expect(String((failure as Error).message)).toContain("things.watch()");
    } finally {
      await proxy.close();
    }
  }, 30_000);

  it.each([
    ["SubscribeEvents", true],
    ["fallback", false],
  ])(
    "subscribe() notices, reconnects and delivers every event once with no gap (%s)",
    async (_name, useExtensions) => {
      await using fixture = await startFixture({ heartbeatIntervalMs });
      const proxy = await startFreezableProxy(fixture.server.address);
      try {
        const writer = fixture.client();
        const chatGuid = await writeMessages(writer, 2);
        const states: string[] = [];
        const im = fixture.client({
          address: proxy.address,
          useExtensions,
          heartbeatIntervalMs,
          channelOptions: { "grpc.keepalive_time_ms": 600_000 },
        });
        const stream = im.events.subscribe({
          reconnect: { initialDelay: 20, maxDelay: 200 },
          onState: (state) => states.push(`${state.status}:${state.reconnects}`),
        });
        const sequences: number[] = [];
        const iterator = stream[Symbol.asyncIterator]();
        while (sequences.length < 2) {
          const next = await iterator.next();
          if (next.done === true) throw new Error("the subscription ended");
          sequences.push(next.value.sequence);
        }
        proxy.freeze();
        for (let index = 0; index < 3; index++) await send(writer, chatGuid, `frozen ${index}`);
        while (sequences.length < 5) {
          const next = await iterator.next();
          if (next.done === true) throw new Error("the subscription ended");
          sequences.push(next.value.sequence);
        }
        await stream.close();
        expect(sequences).toEqual([1, 2, 3, 4, 5]);
        // It noticed: a reconnect was reported through onState.
        expect(
          states.some((state) => state.startsWith("reconnecting:") && !state.endsWith(":0")),
        ).toBe(true);
      } finally {
        await proxy.close();
      }
    },
    30_000,
  );
});
