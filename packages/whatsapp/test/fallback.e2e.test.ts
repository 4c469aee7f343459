import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { UnimplementedError, type WhatsAppEvent } from "../src/index.js";
import { type PublishedOnlyServer, startPublishedOnlyServer } from "./published-only-server.js";
import { startWhatsAppFixture, type WhatsAppFixture } from "./whatsapp-fixture.js";

let fixture: WhatsAppFixture;
let relay: PublishedOnlyServer;
beforeAll(async () => {
  fixture = await startWhatsAppFixture({ heartbeatIntervalMs: 500 });
  relay = await startPublishedOnlyServer(fixture.address);
});
afterAll(async () => {
  await relay.close();
  await fixture.close();
});

const idOf = (event: WhatsAppEvent | undefined) =>
  event?.type === "message" ? event.message.id : "";

describe("against a server with only the published RPCs", () => {
  it("fetchMissed pages with FetchMissedEvents, with hasMore and the cursor to continue", async () => {
    const posted = await fixture.postTexts(5);
    const client = fixture.client({ address: relay.address });
    const first = await client.events.fetchMissed({ limit: 3 });
    expect(first.events.map(idOf)).toEqual(posted.slice(0, 3));
    expect(first.hasMore).toBe(true);
    const rest = await client.events.fetchMissed({ cursor: first.cursor, limit: 3 });
    expect(rest.events.map(idOf)).toEqual(posted.slice(3));
    expect(rest.hasMore).toBe(false);
  });

  it("subscribe({ cursor }) fetches the backlog after the cursor, then goes live, with no gap and no repeat", async () => {
    const client = fixture.client({ address: relay.address });
    const before = await fixture.client().events.fetchMissed({ limit: 1000 });
    const cursor = before.events[1]?.cursor;
    const stream = client.events.subscribe({ cursor });
    const iterator = stream[Symbol.asyncIterator]();
    const received: WhatsAppEvent[] = [];
    const take = async (count: number) => {
      while (received.length < count) {
        const step = await iterator.next();
        if (step.done === true) throw new Error("the stream ended");
        received.push(step.value);
      }
    };
    await take(before.events.length - 2);
    const live = await fixture.postTexts(3);
    await take(before.events.length - 2 + 3);
    await stream.close();
    expect(received.map(idOf)).toEqual([...before.events.slice(2).map(idOf), ...live]);
    expect(received.map((event) => event.cursor)).toEqual([
      ...before.events.slice(2).map((event) => event.cursor),
      ...received.slice(-3).map((event) => event.cursor),
    ]);
    // Sequences count this subscription's deliveries there (no log positions).
    expect(received.map((event) => event.sequence)).toEqual(received.map((_, index) => index + 1));
  });

  it("subscribe({ afterSequence }) needs the Threadline log RPCs: UnimplementedError, not retried", async () => {
    const client = fixture.client({ address: relay.address });
    const attempts: number[] = [];
    const stream = client.events.subscribe({
      afterSequence: 1,
      reconnect: { initialDelay: 10, onReconnect: (attempt) => attempts.push(attempt) },
    });
    await expect(
      (async () => {
        for await (const _ of stream) return;
      })(),
    ).rejects.toBeInstanceOf(UnimplementedError);
    expect(attempts).toEqual([]);
  });
});
