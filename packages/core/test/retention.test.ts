import { describe, expect, it } from "vitest";
import { SequenceNotRetainedError } from "../src/index.js";
import { collect, startFixture, writeMessages } from "./fixture.js";

describe.each([
  ["Threadline RPCs", true],
  ["standard RPCs", false],
])("events older than the retained window (%s)", (_name, useExtensions) => {
  it("catchUp and subscribe end with SequenceNotRetainedError naming the oldest retained sequence", async () => {
    await using fixture = await startFixture({ retention: { maxEvents: 3 } });
    const im = fixture.client({ useExtensions });
    await writeMessages(im, 8);
    const failure = await collect(im.events.catchUp(1)).then(
      () => undefined,
      (error: unknown) => error,
    );
    expect(failure).toBeInstanceOf(SequenceNotRetainedError);
    const oldest =
      failure instanceof SequenceNotRetainedError ? failure.oldestRetainedSequence : undefined;
    expect(oldest).toBeGreaterThan(2);
    expect(failure).toMatchObject({ retryable: false, code: "SEQUENCE_NOT_RETAINED" });

    const reconnects: number[] = [];
    const stream = im.events.subscribe({
      cursor: "v1:1",
      reconnect: { initialDelay: 1, onReconnect: (attempt) => reconnects.push(attempt) },
    });
    await expect(stream[Symbol.asyncIterator]().next()).rejects.toBeInstanceOf(
      SequenceNotRetainedError,
    );
    expect(reconnects).toEqual([]);

    // From the oldest retained sequence on, catch-up works.
    const rest = await collect(im.events.catchUp((oldest ?? 1) - 1));
    expect(rest.at(-1)).toEqual({ type: "catchup.complete", headSequence: 8 });
  });
});
