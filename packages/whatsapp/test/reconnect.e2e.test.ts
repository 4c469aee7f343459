import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { WhatsAppEvent } from "../src/index.js";
import { startWhatsAppFixture, type WhatsAppFixture } from "./whatsapp-fixture.js";

let fixture: WhatsAppFixture;
beforeAll(async () => {
  fixture = await startWhatsAppFixture({ heartbeatIntervalMs: 500 });
});
afterAll(async () => {
  await fixture.close();
});

describe("reconnecting", () => {
  it("across two server restarts loses nothing and repeats nothing", async () => {
    const client = fixture.client();
    const attempts: number[] = [];
    const stream = client.events.subscribe({
      reconnect: {
        initialDelay: 50,
        maxDelay: 200,
        onReconnect: (attempt) => attempts.push(attempt),
      },
    });
    const received: WhatsAppEvent[] = [];
    const iterator = stream[Symbol.asyncIterator]();
    const next = async (count: number) => {
      const target = received.length + count;
      while (received.length < target) {
        const step = await iterator.next();
        if (step.done === true) throw new Error("the stream ended");
        received.push(step.value);
      }
    };
    const posted: string[] = [];
    posted.push(...(await fixture.postTexts(5)));
    await next(5);
    await fixture.restart();
    posted.push(...(await fixture.postTexts(5)));
    await next(5);
    await fixture.restart();
    posted.push(...(await fixture.postTexts(5)));
    await next(5);
    await stream.close();

    expect(received.map((event) => event.sequence)).toEqual(
      Array.from({ length: 15 }, (_, index) => index + 1),
    );
    const ids = received.map((event) => (event.type === "message" ? event.message.id : ""));
    expect(ids).toEqual(posted);
    expect(new Set(received.map((event) => event.cursor)).size).toBe(15);
    expect(attempts.length).toBeGreaterThanOrEqual(2);
  });

  it("subscribe({ afterSequence }) resumes after that sequence", async () => {
    const client = fixture.client();
    const events = [];
    for await (const event of client.events.subscribe({ afterSequence: 12 }).take(3)) {
      events.push(event.sequence);
    }
    expect(events).toEqual([13, 14, 15]);
  });

  it("a cursor ahead of the log's head fails at once with CURSOR_AHEAD_OF_HEAD", async () => {
    const client = fixture.client();
    const attempts: number[] = [];
    const stream = client.events.subscribe({
      afterSequence: 10_000,
      reconnect: { initialDelay: 10, onReconnect: (attempt) => attempts.push(attempt) },
    });
    const failure = await (async () => {
      try {
        for await (const _ of stream) return undefined;
      } catch (error) {
        return error;
      }
      return undefined;
    })();
    expect(failure).toMatchObject({ code: "CURSOR_AHEAD_OF_HEAD" });
    expect(attempts).toEqual([]);
  });
});
