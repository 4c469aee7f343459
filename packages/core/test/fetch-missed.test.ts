import { describe, expect, it } from "vitest";
import { UnimplementedError } from "../src/index.js";
import { startFixture, writeMessages } from "./fixture.js";

describe.each([
  ["FetchEvents", true],
  ["catch-up fallback", false],
])("events.fetchMissed via %s", (_name, useExtensions) => {
  it("pages through the log with cursors and hasMore", async () => {
    await using fixture = await startFixture();
    const im = fixture.client({ useExtensions });
    await writeMessages(im, 7);
    const first = await im.events.fetchMissed({ limit: 3 });
    expect(first.events.map((event) => event.sequence)).toEqual([1, 2, 3]);
    expect(first.hasMore).toBe(true);
    expect(first.cursor).toBe(first.events[2]?.cursor);
    const second = await im.events.fetchMissed({ cursor: first.cursor, limit: 3 });
    expect(second.events.map((event) => event.sequence)).toEqual([4, 5, 6]);
    expect(second.hasMore).toBe(true);
    const third = await im.events.fetchMissed({ cursor: second.cursor, limit: 3 });
    expect(third.events.map((event) => event.sequence)).toEqual([7]);
    expect(third.hasMore).toBe(false);
    const empty = await im.events.fetchMissed({ cursor: third.cursor });
    expect(empty).toEqual({ events: [], cursor: third.cursor, hasMore: false });
    // Same shapes as catch-up, plus the cursor.
    const replayed = [];
    for await (const event of im.events.catchUp())
      if (event.type !== "catchup.complete") replayed.push(event);
    expect(
      [...first.events, ...second.events, ...third.events].map(
        ({ cursor: _cursor, ...event }) => event,
      ),
    ).toEqual(replayed);
  });
});

describe("events.getLogInfo", () => {
  it("reports the head and the oldest retained sequence", async () => {
    await using fixture = await startFixture();
    const im = fixture.client();
    expect(await im.events.getLogInfo()).toEqual({ headSequence: 0, oldestRetainedSequence: 0 });
    await writeMessages(im, 3);
    expect(await im.events.getLogInfo()).toEqual({ headSequence: 3, oldestRetainedSequence: 1 });
  });

  it("is UnimplementedError against a plain photon.imessage.v1 server", async () => {
    await using fixture = await startFixture();
    const im = fixture.client({ useExtensions: false });
    await expect(im.events.getLogInfo()).rejects.toBeInstanceOf(UnimplementedError);
  });
});
