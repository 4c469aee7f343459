import { type FreezableProxy, startFreezableProxy } from "@threadline/server/testing";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { WhatsAppEvent } from "../src/index.js";
import { startWhatsAppFixture, type WhatsAppFixture } from "./whatsapp-fixture.js";

let fixture: WhatsAppFixture;
let proxy: FreezableProxy;
beforeAll(async () => {
  fixture = await startWhatsAppFixture({ heartbeatIntervalMs: 200 });
  proxy = await startFreezableProxy(fixture.address);
});
afterAll(async () => {
  await proxy.close();
  await fixture.close();
});

describe("stall detection", () => {
  it("a connection that goes silent (no heartbeat for twice the interval) is replaced, and nothing is lost or repeated", async () => {
    const client = fixture.client({ address: proxy.address, heartbeatIntervalMs: 200 });
    const attempts: number[] = [];
    const stream = client.events.subscribe({
      reconnect: {
        initialDelay: 20,
        maxDelay: 100,
        onReconnect: (attempt) => attempts.push(attempt),
      },
    });
    const iterator = stream[Symbol.asyncIterator]();
    const received: WhatsAppEvent[] = [];
    const take = async (count: number) => {
      while (received.length < count) {
        const step = await iterator.next();
        if (step.done === true) throw new Error("the stream ended");
        received.push(step.value);
      }
    };
    const posted = await fixture.postTexts(2);
    await take(2);
    // Half-open: the sockets stay up, nothing flows, no error is ever raised.
    proxy.freeze();
    posted.push(...(await fixture.postTexts(2)));
    await take(4);
    await stream.close();
    expect(received.map((event) => (event.type === "message" ? event.message.id : ""))).toEqual(
      posted,
    );
    expect(received.map((event) => event.sequence)).toEqual([1, 2, 3, 4]);
    expect(attempts.length).toBeGreaterThanOrEqual(1);
  });
});
