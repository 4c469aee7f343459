import fc from "fast-check";
import { describe, expect, it } from "vitest";
import type { LogFrame } from "../../src/storage/repositories/event-log-repository.js";
import { engineNames, hex, type SeededLogEvent, useContractEngine } from "./contract-engines.js";

/** A seeded event: kind cycles through the four domains, payload names the sequence. */
function event(sequence: number, recordedAt = sequence * 1_000): SeededLogEvent {
  return {
    sequence,
    kind: ((sequence - 1) % 4) + 1,
    chatGuid: `iMessage;-;chat${sequence % 3}`,
    pollGuid: sequence % 4 === 3 ? `poll-${sequence}` : null,
    recordedAt,
    payload: new Uint8Array([sequence % 256, 0xfe, 0x00, 0x7f]),
  };
}

function events(from: number, to: number): SeededLogEvent[] {
  return Array.from({ length: to - from + 1 }, (_, index) => event(from + index));
}

const kindNames = ["message", "group", "poll", "chat"] as const;

function frameBytes(frame: LogFrame): string {
  return "payload" in frame ? hex(frame.payload) : frame.payloadHex.toLowerCase();
}

describe.each(engineNames)("event-log repository on %s", (engineName) => {
  const engine = useContractEngine(engineName);

  it("reads head 0 and retained-from 1 for an account whose log never had an event", async () => {
    expect(await engine().repositories.eventLog.readState(7)).toEqual({
      headSequence: 0,
      retainedFrom: 1,
    });
  });

  it("reads the committed head and retention window", async () => {
    const { repositories, seedLog } = engine();
    await seedLog(7, events(4, 9), 4);
    expect(await repositories.eventLog.readState(7)).toEqual({ headSequence: 9, retainedFrom: 4 });
    expect(await repositories.eventLog.readState(8)).toEqual({ headSequence: 0, retainedFrom: 1 });
  });

  it("reads a page in sequence order with every field the live filters need", async () => {
    const { repositories, seedLog } = engine();
    await seedLog(7, events(1, 6));
    await seedLog(8, events(1, 6));
    const page = await repositories.eventLog.readPage(7, 1, 5, 100);
    expect(page.map((logged) => ({ ...logged, payload: hex(logged.payload) }))).toEqual(
      [2, 3, 4, 5].map((sequence) => {
        const seeded = event(sequence);
        return {
          accountId: 7,
          sequence,
          kind: kindNames[seeded.kind - 1],
          chatGuid: seeded.chatGuid,
          pollGuid: seeded.pollGuid,
          payload: hex(seeded.payload),
        };
      }),
    );
  });

  it("stops a page at the limit and returns nothing past the upper bound or for another account", async () => {
    const { repositories, seedLog } = engine();
    await seedLog(7, events(1, 10));
    expect(
      (await repositories.eventLog.readPage(7, 0, 10, 3)).map((logged) => logged.sequence),
    ).toEqual([1, 2, 3]);
    expect(await repositories.eventLog.readPage(7, 10, 20, 5)).toEqual([]);
    expect(await repositories.eventLog.readPage(7, 4, 4, 5)).toEqual([]);
    expect(await repositories.eventLog.readPage(9, 0, 10, 5)).toEqual([]);
  });

  it("reads frames with the same bounds, kinds and payload bytes as pages", async () => {
    const { repositories, seedLog } = engine();
    await seedLog(7, events(1, 8));
    const frames = await repositories.eventLog.readFrames(7, 2, 7, 4);
    expect(
      frames.map((frame) => ({
        sequence: frame.sequence,
        kind: frame.kind,
        payload: frameBytes(frame),
      })),
    ).toEqual(
      [3, 4, 5, 6].map((sequence) => ({
        sequence,
        kind: kindNames[event(sequence).kind - 1],
        payload: hex(event(sequence).payload),
      })),
    );
    expect(await repositories.eventLog.readFrames(7, 8, 8, 4)).toEqual([]);
  });

  it("paging with any limits returns every event of the window exactly once, in order (property)", async () => {
    const { repositories, seedLog } = engine();
    await seedLog(7, events(3, 60), 3);
    await fc.assert(
      fc.asyncProperty(
        fc.integer({ min: 0, max: 62 }),
        fc.integer({ min: 0, max: 62 }),
        fc.array(fc.integer({ min: 1, max: 9 }), { minLength: 1, maxLength: 8 }),
        fc.boolean(),
        async (after, upTo, limits, framesOnly) => {
          const seen: number[] = [];
          let cursor = after;
          for (let call = 0; call < 200; call += 1) {
            const limit = limits[call % limits.length] ?? 1;
            const sequences = framesOnly
              ? (await repositories.eventLog.readFrames(7, cursor, upTo, limit)).map(
                  (frame) => frame.sequence,
                )
              : (await repositories.eventLog.readPage(7, cursor, upTo, limit)).map(
                  (logged) => logged.sequence,
                );
            expect(sequences.length).toBeLessThanOrEqual(limit);
            seen.push(...sequences);
            const last = sequences.at(-1);
            if (last === undefined) break;
            cursor = last;
          }
          const expected: number[] = [];
          for (
            let sequence = Math.max(after + 1, 3);
            sequence <= Math.min(upTo, 60);
            sequence += 1
          ) {
            expected.push(sequence);
          }
          expect(seen).toEqual(expected);
        },
      ),
      { numRuns: 40 },
    );
  });

  it("expires the prefix recorded before the cutoff and keeps the window contiguous", async () => {
    const { repositories, seedLog, write } = engine();
    // Sequence 4 was recorded late, so 5 (recorded before the cutoff) must stay after it.
    await seedLog(7, [
      event(1, 100),
      event(2, 200),
      event(3, 300),
      event(4, 900),
      event(5, 400),
      event(6, 1_000),
    ]);
    expect(await write((r) => r.eventLog.expireBefore(500))).toBe(3);
    expect(await repositories.eventLog.readState(7)).toEqual({ headSequence: 6, retainedFrom: 4 });
    expect(
      (await repositories.eventLog.readPage(7, 0, 6, 100)).map((logged) => logged.sequence),
    ).toEqual([4, 5, 6]);
  });

  it("expires a whole log without touching its head, and every account's log in one call", async () => {
    const { repositories, seedLog, write } = engine();
    await seedLog(7, events(1, 3));
    await seedLog(8, events(1, 5));
    expect(await write((r) => r.eventLog.expireBefore(3_500))).toBe(6);
    expect(await repositories.eventLog.readState(7)).toEqual({ headSequence: 3, retainedFrom: 4 });
    expect(await repositories.eventLog.readState(8)).toEqual({ headSequence: 5, retainedFrom: 4 });
    expect(await repositories.eventLog.readPage(7, 0, 3, 100)).toEqual([]);
    expect(
      (await repositories.eventLog.readPage(8, 0, 5, 100)).map((logged) => logged.sequence),
    ).toEqual([4, 5]);
    expect(await write((r) => r.eventLog.expireBefore(3_500))).toBe(0);
  });

  it("never moves the retention window backwards and deletes nothing when nothing is old", async () => {
    const { repositories, seedLog, write } = engine();
    await seedLog(7, events(5, 8), 5);
    expect(await write((r) => r.eventLog.expireBefore(0))).toBe(0);
    expect(await repositories.eventLog.readState(7)).toEqual({ headSequence: 8, retainedFrom: 5 });
    await seedLog(9, [], 1);
    expect(await write((r) => r.eventLog.expireBefore(1_000_000))).toBe(4);
    expect(await repositories.eventLog.readState(7)).toEqual({ headSequence: 8, retainedFrom: 9 });
    expect(await repositories.eventLog.readState(9)).toEqual({ headSequence: 0, retainedFrom: 1 });
  });

  it("a rolled-back expiry deletes nothing", async () => {
    const { repositories, seedLog, write } = engine();
    await seedLog(7, events(1, 4));
    await expect(
      write(async (r) => {
        await r.eventLog.expireBefore(10_000);
        throw new Error("the write fails after expiring");
      }),
    ).rejects.toThrow("the write fails after expiring");
    expect(await repositories.eventLog.readState(7)).toEqual({ headSequence: 4, retainedFrom: 1 });
    expect(await repositories.eventLog.readPage(7, 0, 4, 100)).toHaveLength(4);
  });

  it("expiry keeps exactly each log from its first event recorded at or after the cutoff (property)", async () => {
    const { repositories, seedLog, write } = engine();
    // The model of every account seeded so far: its events' times and its window start.
    const model = new Map<number, { times: number[]; retainedFrom: number }>();
    let account = 100;
    await fc.assert(
      fc.asyncProperty(
        fc.array(fc.integer({ min: 0, max: 50 }), { minLength: 0, maxLength: 12 }),
        fc.integer({ min: 0, max: 55 }),
        async (times, cutoff) => {
          account += 1;
          await seedLog(
            account,
            times.map((recordedAt, index) => event(index + 1, recordedAt)),
          );
          model.set(account, { times, retainedFrom: 1 });
          let expectedDeleted = 0;
          for (const state of model.values()) {
            const head = state.times.length;
            let keepFrom = head + 1;
            for (let sequence = state.retainedFrom; sequence <= head; sequence += 1) {
              if ((state.times[sequence - 1] ?? 0) >= cutoff) {
                keepFrom = sequence;
                break;
              }
            }
            if (keepFrom > state.retainedFrom) {
              expectedDeleted += keepFrom - state.retainedFrom;
              state.retainedFrom = keepFrom;
            }
          }
          expect(await write((r) => r.eventLog.expireBefore(cutoff))).toBe(expectedDeleted);
          for (const [accountId, state] of model) {
            expect(await repositories.eventLog.readState(accountId)).toEqual({
              headSequence: state.times.length,
              retainedFrom: state.retainedFrom,
            });
          }
          expect(
            (await repositories.eventLog.readPage(account, 0, times.length, 100)).map(
              (logged) => logged.sequence,
            ),
          ).toEqual(
            times
              .map((_, index) => index + 1)
              .filter((sequence) => sequence >= (model.get(account)?.retainedFrom ?? 1)),
          );
        },
      ),
      { numRuns: 40 },
    );
  });
});
