import { describe, expect, it } from "vitest";
import type { CatchUpEvent } from "../src/index.js";
import { collect, startFixture, writeMessages } from "./fixture.js";

function sequences(events: readonly CatchUpEvent[]): number[] {
  return events.flatMap((event) => (event.type === "catchup.complete" ? [] : [event.sequence]));
}

describe("events.catchUp against a real server", () => {
  it("replays every event from the start, then catchup.complete with the head", async () => {
    await using fixture = await startFixture();
    const im = fixture.client();
    const chatGuid = await writeMessages(im, 5);
    const events = await collect(im.events.catchUp());
    const last = events.at(-1);
    expect(last).toEqual({ type: "catchup.complete", headSequence: events.length - 1 });
    expect(sequences(events)).toEqual(events.slice(0, -1).map((_event, index) => index + 1));
    const received = events.filter((event) => event.type === "message.received");
    expect(received).toHaveLength(5);
    expect(received.map((event) => event.message.content.text)).toEqual([
      "message 1",
      "message 2",
      "message 3",
      "message 4",
      "message 5",
    ]);
    for (const event of received) {
      expect(event.chatGuid).toBe(chatGuid);
      expect(event.isFromMe).toBe(true);
      expect(event.occurredAt).toBeInstanceOf(Date);
    }
    expect(await collect(im.events.catchUp(0))).toEqual(events);
  });

  it("from a midpoint replays exactly the events after it, with the same shapes", async () => {
    await using fixture = await startFixture();
    const im = fixture.client();
    await writeMessages(im, 8);
    const all = await collect(im.events.catchUp());
    const head = all.length - 1;
    const midpoint = Math.floor(head / 2);
    const rest = await collect(im.events.catchUp(midpoint));
    expect(rest).toEqual([
      ...all.slice(midpoint, head),
      { type: "catchup.complete", headSequence: head },
    ]);
    expect(await collect(im.events.catchUp(head))).toEqual([
      { type: "catchup.complete", headSequence: head },
    ]);
  });

  it("the batched path and the standard fallback yield identical events", async () => {
    await using fixture = await startFixture({ maxBatchSize: 3 });
    const batched = fixture.client();
    const standard = fixture.client({ useExtensions: false });
    await writeMessages(batched, 10);
    const capabilities = await batched.context.serverCapabilities();
    expect(capabilities.capabilities.has("threadline.catch_up_batches")).toBe(true);
    expect((await standard.context.serverCapabilities()).capabilities.size).toBe(0);
    const fromBatches = await collect(batched.events.catchUp(2));
    const fromStandard = await collect(standard.events.catchUp(2));
    expect(fromBatches.length).toBeGreaterThan(5);
    expect(fromBatches).toEqual(fromStandard);
  });

  it("take(n) on a catch-up cancels the call and leaves no call open on the server", async () => {
    await using fixture = await startFixture();
    const im = fixture.client();
    await writeMessages(im, 6);
    const firstTwo = await collect(im.events.catchUp().take(2));
    expect(sequences(firstTwo)).toEqual([1, 2]);
    // The fixture's teardown fails if the server still sees an open call.
  });
});
