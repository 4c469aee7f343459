import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { verify } from "./verification.js";

// A log of `head` events and a journal: for each sequence, how often the bot handled it.
const scenario = fc.integer({ min: 1, max: 200 }).chain((head) =>
  fc.record({
    head: fc.constant(head),
    times: fc.array(fc.integer({ min: 0, max: 3 }), { minLength: head, maxLength: head }),
    window: fc.integer({ min: 1, max: 64 }),
    crashes: fc.integer({ min: 0, max: 3 }),
    // Per message that asked: how many replies the log holds for it.
    replies: fc.array(fc.integer({ min: 0, max: 3 }), { maxLength: 20 }),
  }),
);

describe("verify (property)", () => {
  it("counts exactly the logged events never handled, the extra runs and the extra replies, and passes only without loss, unanswered or doubled replies", () => {
    fc.assert(
      fc.property(scenario, ({ head, times, window, crashes, replies }) => {
        const sequences = Array.from({ length: head }, (_, index) => index + 1);
        const counts = new Map<number, number>();
        times.forEach((count, index) => {
          if (count > 0) counts.set(index + 1, count);
        });
        const result = verify({
          logSequences: sequences,
          logTypes: new Map(sequences.map((sequence) => [sequence, "message.received"])),
          head,
          journal: {
            handled: times.reduce((sum, count) => sum + count, 0),
            counts,
            types: new Map([...counts.keys()].map((sequence) => [sequence, ["message.received"]])),
            runs: [],
            checkpoint: head,
          },
          crashes,
          window,
          maxUnsavedEvents: window,
          wallTimeMs: 1,
          replies: {
            asked: replies.map((_, index) => `M${index}`),
            replyTargets: replies.flatMap((count, index) => Array(count).fill(`M${index}`)),
          },
        });
        const lost = times.filter((count) => count === 0).length;
        const extra = times.reduce((sum, count) => sum + Math.max(0, count - 1), 0);
        expect(result.lost).toBe(lost);
        expect(result.handledTwice).toBe(extra);
        const repliedTwice = replies.reduce((sum, count) => sum + Math.max(0, count - 1), 0);
        const unanswered = replies.filter((count) => count === 0).length;
        expect(result.repliedTwice).toBe(repliedTwice);
        expect(result.ok).toBe(
          lost === 0 && extra <= crashes * 2 * window && repliedTwice === 0 && unanswered === 0,
        );
      }),
    );
  });
});
