import { describe, expect, it } from "vitest";
import { encodeCursor } from "../src/events/event-cursor.js";
import { CursorAheadOfHeadError, type ThreadlineClient } from "../src/index.js";
import { collect, startFixture, writeMessages } from "./fixture.js";

/** The error a promise rejected with; fails the test when it resolved. */
async function rejection(promise: Promise<unknown>): Promise<unknown> {
  try {
    await promise;
  } catch (error) {
    return error;
  }
  throw new Error("expected a rejection, but the call succeeded");
}

function expectAhead(error: unknown, cursor: number, head: number): void {
  expect(error).toBeInstanceOf(CursorAheadOfHeadError);
  expect(error).toMatchObject({ cursor, head, code: "CURSOR_AHEAD_OF_HEAD", retryable: false });
  expect(String(error instanceof Error ? error.message : error)).toContain(`head ${head}`);
}

async function head(client: ThreadlineClient): Promise<number> {
  return (await client.events.getLogInfo()).headSequence;
}

describe.each([
  ["Threadline RPCs (batched catch-up, SubscribeEvents, FetchEvents)", true],
  ["standard RPCs only (catch-up, live streams)", false],
])("a cursor above the head is an error via %s", (_name, useExtensions) => {
  it("catchUp() fails with CursorAheadOfHeadError carrying the cursor and the head", async () => {
    await using fixture = await startFixture();
    const im = fixture.client({ useExtensions });
    await writeMessages(im, 3);
    const last = await head(fixture.client());
    expectAhead(await rejection(collect(im.events.catchUp(1000))), 1000, last);
    // The head itself is not ahead: the catch-up completes at once.
    expect(await collect(im.events.catchUp(last))).toEqual([
      { type: "catchup.complete", headSequence: last },
    ]);
  });

  it("subscribe({ cursor }) ends with CursorAheadOfHeadError without delivering or reconnecting", async () => {
    await using fixture = await startFixture();
    const im = fixture.client({ useExtensions });
    await writeMessages(im, 3);
    const last = await head(fixture.client());
    const reconnects: number[] = [];
    const stream = im.events.subscribe({
      cursor: encodeCursor(1000),
      reconnect: { initialDelay: 10, onReconnect: (attempt) => reconnects.push(attempt) },
    });
    expectAhead(await rejection(collect(stream)), 1000, last);
    expect(reconnects).toEqual([]);
  });

  it("fetchMissed({ cursor }) rejects with CursorAheadOfHeadError", async () => {
    await using fixture = await startFixture();
    const im = fixture.client({ useExtensions });
    await writeMessages(im, 3);
    const last = await head(fixture.client());
    expectAhead(
      await rejection(im.events.fetchMissed({ cursor: encodeCursor(last + 1) })),
      last + 1,
      last,
    );
    const page = await im.events.fetchMissed({ cursor: encodeCursor(last) });
    expect(page).toEqual({ events: [], cursor: encodeCursor(last), hasMore: false });
  });
});
