import { describe, expect, it } from "vitest";
import { type SubscribeOptions, type SubscriptionState, ValidationError } from "../src/index.js";
import { startFixture, writeMessages } from "./fixture.js";

describe.each([
  ["SubscribeEvents", true],
  ["fallback (live streams + catch-up)", false],
])("events.subscribe({ onState }) via %s", (_name, useExtensions) => {
  it("reports connecting, catching up and live, with the delivered sequence, the head and lag 0 once read", async () => {
    await using fixture = await startFixture();
    const im = fixture.client({ useExtensions });
    await writeMessages(im, 3);
    const states: SubscriptionState[] = [];
    const stream = im.events.subscribe({ onState: (state) => states.push(state) });
    const sequences: number[] = [];
    const iterator = stream[Symbol.asyncIterator]();
    while (sequences.length < 3) {
      const next = await iterator.next();
      if (next.done === true) throw new Error("the subscription ended");
      sequences.push(next.value.sequence);
    }
    // The backlog's end (catch-up complete, or SubscribeEvents' live frame) follows the events.
    await expect.poll(() => states.at(-1)?.status).toBe("live");
    await stream.close();
    expect(sequences).toEqual([1, 2, 3]);
    const statuses = states.map((state) => state.status);
    expect(statuses[0]).toBe("connecting");
    expect(statuses).toContain("live");
    expect(statuses.at(-1)).toBe("stopped");
    const last = states.at(-1);
    expect(last).toMatchObject({
      sequence: 3,
      headSequence: 3,
      lag: 0,
      connections: 1,
      reconnects: 0,
      duplicatesDropped: 0,
    });
  });
});

describe("events.subscribe({ onState }) checks", () => {
  it("rejects an onState that is not a function before any network call", async () => {
    await using fixture = await startFixture();
    const im = fixture.client();
    const notAFunction: unknown = 42;
    expect(() =>
      im.events.subscribe({
        onState: notAFunction as NonNullable<SubscribeOptions["onState"]>,
      }),
    ).toThrow(ValidationError);
  });
});
