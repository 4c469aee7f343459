import { describe, expect, it } from "vitest";
import type { JournalSummary } from "./handled-journal.js";
import { formatVerification, verify } from "./verification.js";

function journal(counts: [number, number][], checkpoint: number): JournalSummary {
  return {
    counts: new Map(counts),
    types: new Map(counts.map(([sequence]) => [sequence, ["message.received"]])),
    handled: counts.reduce((sum, [, times]) => sum + times, 0),
    runs: [
      { run: 1, initialCheckpoint: 0, handled: 0 },
      { run: 2, initialCheckpoint: 2, handled: 0 },
    ],
    checkpoint,
  };
}

const base = {
  crashes: 1,
  window: 2,
  maxUnsavedEvents: 1,
  wallTimeMs: 1000,
  logTypes: new Map([1, 2, 3, 4].map((sequence) => [sequence, "message.received"])),
  replies: { asked: ["A", "B"], replyTargets: ["A", "B"] },
};

const passing = {
  ...base,
  logSequences: [1, 2],
  head: 2,
  journal: journal(
    [
      [1, 1],
      [2, 1],
    ],
    2,
  ),
};

describe("verify", () => {
  it("passes when every logged event was handled and the checkpoint is the head", () => {
    const result = verify({
      ...base,
      logSequences: [1, 2, 3, 4],
      head: 4,
      journal: journal(
        [
          [1, 1],
          [2, 1],
          [3, 2],
          [4, 1],
        ],
        4,
      ),
    });
    expect(result).toMatchObject({ ok: true, lost: 0, handledTwice: 1 });
    expect(formatVerification(result)).toMatch(/\| Events lost +\| 0 +\| ok +must be 0/);
  });

  it("fails and counts an event that was logged but never handled", () => {
    const result = verify({
      ...base,
      logSequences: [1, 2, 3],
      head: 3,
      journal: journal(
        [
          [1, 1],
          [3, 1],
        ],
        3,
      ),
    });
    expect(result).toMatchObject({ ok: false, lost: 1 });
    expect(formatVerification(result)).toMatch(/\| Events lost +\| 1 +\| FAIL must be 0/);
  });

  it("fails when more events were handled twice than the window allows", () => {
    const result = verify({
      ...base,
      logSequences: [1, 2, 3, 4],
      head: 4,
      journal: journal(
        [
          [1, 2],
          [2, 2],
          [3, 2],
          [4, 2],
        ],
        4,
      ),
    });
    expect(result).toMatchObject({ ok: false, lost: 0, handledTwice: 4 });
  });

  it("fails when the stored checkpoint stops short of the head", () => {
    const result = verify({
      ...base,
      logSequences: [1, 2],
      head: 2,
      journal: journal(
        [
          [1, 1],
          [2, 1],
        ],
        1,
      ),
    });
    expect(result.ok).toBe(false);
    expect(formatVerification(result)).toMatch(/Final checkpoint +\| 1 +\| FAIL must equal head 2/);
  });

  it("fails when the bot handled a sequence as a different event than the log holds", () => {
    const handled = journal(
      [
        [1, 1],
        [2, 1],
      ],
      2,
    );
    const result = verify({
      ...base,
      logSequences: [1, 2],
      head: 2,
      journal: {
        ...handled,
        types: new Map([
          [1, ["message.received"]],
          [2, ["chat.markedRead"]],
        ]),
      },
    });
    expect(result.ok).toBe(false);
    expect(formatVerification(result)).toMatch(
      /1 sequences were handled as a different event type/,
    );
  });

  it("fails when the log read back has a gap", () => {
    const result = verify({
      ...base,
      logSequences: [1, 3],
      head: 3,
      journal: journal(
        [
          [1, 1],
          [3, 1],
        ],
        3,
      ),
    });
    expect(result.ok).toBe(false);
    expect(formatVerification(result)).toMatch(/log read back has 2 events for head 3/);
  });

  it("counts the messages that asked and the replies, and passes with one reply each", () => {
    const result = verify(passing);
    expect(result).toMatchObject({ ok: true, repliedTwice: 0 });
    const table = formatVerification(result);
    expect(table).toMatch(/\| Messages that asked for a reply +\| 2 +\|/);
    expect(table).toMatch(/\| Replies sent +\| 2 threaded +\| ok +each message that asked/);
    expect(table).toMatch(/\| Replies sent twice across the crash +\| 0 +\| ok +must be 0/);
  });

  it("fails when a message got a second reply", () => {
    const result = verify({
      ...passing,
      replies: { asked: ["A", "B"], replyTargets: ["A", "B", "A"] },
    });
    expect(result).toMatchObject({ ok: false, repliedTwice: 1 });
    expect(formatVerification(result)).toMatch(
      /\| Replies sent twice across the crash +\| 1 +\| FAIL/,
    );
  });

  it("fails when a message that asked got no reply", () => {
    const result = verify({ ...passing, replies: { asked: ["A", "B"], replyTargets: ["A"] } });
    expect(result.ok).toBe(false);
    expect(formatVerification(result)).toMatch(/1 messages that asked got no reply/);
  });

  it("fails when a reply answers a message that did not ask", () => {
    const result = verify({ ...passing, replies: { asked: ["A"], replyTargets: ["A", "C"] } });
    expect(result.ok).toBe(false);
    expect(formatVerification(result)).toMatch(/1 replies answer a message that did not ask/);
  });
});
