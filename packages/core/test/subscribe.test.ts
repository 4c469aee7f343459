import { MessageServiceDefinition } from "@threadline/protocol";
import { startFreezableProxy } from "@threadline/server/testing";
import { describe, expect, it } from "vitest";
import {
  AuthenticationError,
  createClient,
  type SubscribedEvent,
  type ThreadlineClient,
  type TypedEventStream,
  ValidationError,
} from "../src/index.js";
import { startFixture, writeMessages } from "./fixture.js";

/** Reads events until `count` have arrived, or fails after `timeoutMs` of waiting. */
async function readEvents(
  iterator: AsyncIterator<SubscribedEvent>,
  count: number,
  timeoutMs = 15_000,
): Promise<SubscribedEvent[]> {
  const events: SubscribedEvent[] = [];
  const deadline = Date.now() + timeoutMs;
  while (events.length < count) {
    const remaining = deadline - Date.now();
    const next = await Promise.race([
      iterator.next(),
      new Promise<"timeout">((resolve) =>
        setTimeout(() => resolve("timeout"), Math.max(remaining, 0)),
      ),
    ]);
    if (next === "timeout") throw new Error(`only ${events.length} of ${count} events arrived`);
    if (next.done === true)
      throw new Error(`stream ended after ${events.length} of ${count} events`);
    events.push(next.value);
  }
  return events;
}

async function sendMore(client: ThreadlineClient, chatGuid: string, from: number, to: number) {
  for (let index = from; index <= to; index++) {
    await client.context.unary(
      MessageServiceDefinition.sendTextMessage,
      { chatGuid, text: `message ${index}` },
      { mutating: true },
    );
  }
}

const fast = { initialDelay: 20, maxDelay: 200 };

describe.each([
  ["SubscribeEvents", true],
  ["fallback (live streams + catch-up)", false],
])("events.subscribe via %s", (_name, useExtensions) => {
  it("delivers every event once, in order, each with a cursor that resumes after it", async () => {
    await using fixture = await startFixture();
    const im = fixture.client({ useExtensions });
    const chatGuid = await writeMessages(im, 4);
    const stream = im.events.subscribe({ reconnect: fast });
    const iterator = stream[Symbol.asyncIterator]();
    const backlog = await readEvents(iterator, 4);
    await sendMore(im, chatGuid, 5, 7);
    const live = await readEvents(iterator, 3);
    await stream.close();
    const all = [...backlog, ...live];
    expect(all.map((event) => event.sequence)).toEqual([1, 2, 3, 4, 5, 6, 7]);
    expect(
      all.map((event) => event.type === "message.received" && event.message.content.text),
    ).toEqual([1, 2, 3, 4, 5, 6, 7].map((index) => `message ${index}`));
    const cursor = all[3]?.cursor;
    if (cursor === undefined) throw new Error("the fourth event has no cursor");
    const resumed = im.events.subscribe({ cursor, reconnect: fast });
    const resumedEvents = await readEvents(resumed[Symbol.asyncIterator](), 3);
    await resumed.close();
    expect(resumedEvents).toEqual(live);
  });

  it("starting on an empty log delivers the first events as they are written", async () => {
    await using fixture = await startFixture();
    const im = fixture.client({ useExtensions });
    const stream = im.events.subscribe({ reconnect: fast });
    const iterator = stream[Symbol.asyncIterator]();
    const first = iterator.next();
    // Give the subscription time to register before writing; correctness does not
    // depend on it (either the catch-up or the live side carries the events).
    await new Promise((resolve) => setTimeout(resolve, 100));
    await writeMessages(im, 3);
    const head = await first;
    const rest = await readEvents(iterator, 2);
    await stream.close();
    expect([
      head.done === true ? -1 : head.value.sequence,
      ...rest.map((event) => event.sequence),
    ]).toEqual([1, 2, 3]);
  });

  it("subscribing while writes are in flight loses and repeats nothing (forced hand-off race)", async () => {
    await using fixture = await startFixture();
    const writer = fixture.client();
    const im = fixture.client({ useExtensions });
    const chatGuid = await writeMessages(writer, 1);
    const total = 40;
    // Writes run concurrently with the subscription's connect, so some land before the
    // catch-up captures its head, some between registration and catch-up, some after.
    const writing = sendMore(writer, chatGuid, 2, total);
    const stream = im.events.subscribe({ reconnect: fast });
    const events = await readEvents(stream[Symbol.asyncIterator](), total);
    await writing;
    await stream.close();
    expect(events.map((event) => event.sequence)).toEqual(
      Array.from({ length: total }, (_, index) => index + 1),
    );
  });

  it("survives a server restart in the middle: nothing lost, nothing duplicated", async () => {
    await using fixture = await startFixture({ heartbeatIntervalMs: 500 });
    const writer = fixture.client();
    const im = fixture.client({ useExtensions });
    const chatGuid = await writeMessages(writer, 3);
    const reconnects: number[] = [];
    const stream = im.events.subscribe({
      reconnect: { ...fast, onReconnect: (attempt) => reconnects.push(attempt) },
    });
    const iterator = stream[Symbol.asyncIterator]();
    const before = await readEvents(iterator, 3);
    await fixture.server.restart();
    // Written while the subscriber is reconnecting (or before it noticed).
    await sendMore(writer, chatGuid, 4, 6);
    const during = await readEvents(iterator, 3);
    await sendMore(writer, chatGuid, 7, 8);
    const after = await readEvents(iterator, 2);
    await stream.close();
    const sequences = [...before, ...during, ...after].map((event) => event.sequence);
    expect(sequences).toEqual([1, 2, 3, 4, 5, 6, 7, 8]);
    expect(reconnects.length).toBeGreaterThanOrEqual(1);
  });
});

describe("events.subscribe failures", () => {
  it("ends with AuthenticationError and never reconnects on a bad token", async () => {
    await using fixture = await startFixture();
    const reconnects: number[] = [];
    const im = createClient({ address: fixture.server.address, token: "wrong" });
    try {
      const stream: TypedEventStream<SubscribedEvent> = im.events.subscribe({
        reconnect: { initialDelay: 1, onReconnect: (attempt) => reconnects.push(attempt) },
      });
      await expect(stream[Symbol.asyncIterator]().next()).rejects.toBeInstanceOf(
        AuthenticationError,
      );
      expect(reconnects).toEqual([]);
    } finally {
      await im.close();
    }
  });

  it("ends with the last error once maxAttempts reconnects have failed", async () => {
    const reconnects: number[] = [];
    // Nothing listens on port 1: every attempt fails with UNAVAILABLE.
    const im = createClient({ address: "127.0.0.1:1", token: "t", retry: false });
    try {
      const stream = im.events.subscribe({
        reconnect: {
          initialDelay: 1,
          maxDelay: 5,
          maxAttempts: 3,
          onReconnect: (attempt) => reconnects.push(attempt),
        },
      });
      await expect(stream[Symbol.asyncIterator]().next()).rejects.toMatchObject({
        name: "ConnectionError",
        retryable: true,
      });
      expect(reconnects).toEqual([1, 2, 3]);
    } finally {
      await im.close();
    }
  });

  it("a malformed cursor is a ValidationError before any network call", async () => {
    const im = createClient({ address: "127.0.0.1:1", token: "t" });
    try {
      expect(() => im.events.subscribe({ cursor: "v2:abc" })).toThrow(ValidationError);
    } finally {
      await im.close();
    }
  });
});

describe("events.subscribe stall detection", () => {
  it.each([
    ["SubscribeEvents", true],
    ["fallback", false],
  ])(
    "a half-open connection is detected by missing heartbeats and replaced (%s)",
    async (_name, useExtensions) => {
      await using fixture = await startFixture({ heartbeatIntervalMs: 150 });
      const proxy = await startFreezableProxy(fixture.server.address);
      try {
        const writer = fixture.client();
        const chatGuid = await writeMessages(writer, 2);
        const reconnects: number[] = [];
        const im = fixture.client({
          address: proxy.address,
          useExtensions,
          // A plain server does not report its cadence; tell the client.
          heartbeatIntervalMs: 150,
          // Keepalive alone would take far longer to notice; the stall watchdog must act first.
          channelOptions: { "grpc.keepalive_time_ms": 600_000 },
        });
        const stream = im.events.subscribe({
          reconnect: { ...fast, onReconnect: (attempt) => reconnects.push(attempt) },
        });
        const iterator = stream[Symbol.asyncIterator]();
        const before = await readEvents(iterator, 2);
        proxy.freeze();
        await sendMore(writer, chatGuid, 3, 5);
        const after = await readEvents(iterator, 3);
        await stream.close();
        expect([...before, ...after].map((event) => event.sequence)).toEqual([1, 2, 3, 4, 5]);
        expect(reconnects.length).toBeGreaterThanOrEqual(1);
      } finally {
        await proxy.close();
      }
    },
  );
});

describe("channels", () => {
  it("unary calls and long-lived streams travel on separate connections", async () => {
    await using fixture = await startFixture();
    const proxy = await startFreezableProxy(fixture.server.address);
    try {
      const im = fixture.client({ address: proxy.address });
      await im.events.getLogInfo();
      expect(proxy.accepted).toBe(1);
      const live = im.events.live("message");
      await live.ready;
      expect(proxy.accepted).toBe(2);
      await im.events.getLogInfo();
      expect(proxy.accepted).toBe(2);
      await live.close();
    } finally {
      await proxy.close();
    }
  });
});

describe("closing over a half-open connection", () => {
  it("close() on a live stream and on the client returns without waiting for the server", async () => {
    await using fixture = await startFixture();
    const proxy = await startFreezableProxy(fixture.server.address);
    try {
      const im = fixture.client({ address: proxy.address });
      const live = im.events.live("message");
      await live.ready;
      const pending = live[Symbol.asyncIterator]().next();
      proxy.freeze();
      await live.close();
      await expect(pending).resolves.toEqual({ value: undefined, done: true });
      const subscription = im.events.subscribe();
      const first = subscription[Symbol.asyncIterator]().next();
      await im.close();
      await expect(first).resolves.toMatchObject({ done: true });
    } finally {
      await proxy.close();
    }
  });
});
