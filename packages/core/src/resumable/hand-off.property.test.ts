import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { createHandOff } from "./hand-off.js";

/**
 * One connection of the model: a log 1..total, a consumer cursor, the catch-up head
 * (captured after every live stream registered at `registeredAt`), and the order in
 * which live and catch-up frames reach the client.
 */
const connection = fc
  .record({
    total: fc.integer({ min: 0, max: 40 }),
    cursorShare: fc.double({ min: 0, max: 1, noNaN: true }),
    registeredShare: fc.double({ min: 0, max: 1, noNaN: true }),
    headShare: fc.double({ min: 0, max: 1, noNaN: true }),
    seed: fc.array(fc.integer({ min: 0, max: 1_000_000 }), { minLength: 200, maxLength: 200 }),
  })
  .map(({ total, cursorShare, registeredShare, headShare, seed }) => {
    const cursor = Math.floor(cursorShare * total);
    // Registration happens at or before the head capture; the head is at or after the cursor.
    const head = cursor + Math.floor(headShare * (total - cursor));
    const registeredAt = Math.floor(registeredShare * head);
    return { total, cursor, head, registeredAt, seed };
  });

type Arrival =
  | { from: "catch-up"; sequence: number }
  | { from: "complete" }
  | { from: "live"; sequence: number };

/** Interleaves the in-order catch-up (then its complete frame) with live frames in any order. */
function arrivals(model: {
  total: number;
  cursor: number;
  head: number;
  registeredAt: number;
  seed: number[];
}): Arrival[] {
  const catchUp: Arrival[] = [];
  for (let sequence = model.cursor + 1; sequence <= model.head; sequence++) {
    catchUp.push({ from: "catch-up", sequence });
  }
  catchUp.push({ from: "complete" });
  // Live frames of several streams: each stream is in order, the merge is not.
  const live: Arrival[] = [];
  for (let sequence = model.registeredAt + 1; sequence <= model.total; sequence++) {
    live.push({ from: "live", sequence });
  }
  let index = 0;
  const next = () => model.seed[index++ % model.seed.length] ?? 0;
  for (let position = live.length - 1; position > 0; position--) {
    const other = next() % (position + 1);
    const a = live[position];
    const b = live[other];
    if (a !== undefined && b !== undefined) {
      live[position] = b;
      live[other] = a;
    }
  }
  const merged: Arrival[] = [];
  while (catchUp.length > 0 || live.length > 0) {
    const takeLive = live.length > 0 && (catchUp.length === 0 || next() % 2 === 0);
    const item = takeLive ? live.shift() : catchUp.shift();
    if (item !== undefined) merged.push(item);
  }
  return merged;
}

function run(model: Parameters<typeof arrivals>[0]) {
  const handOff = createHandOff<number>({ floor: model.cursor, catchingUp: true });
  const delivered: number[] = [];
  const fromCatchUp: number[] = [];
  const released: number[] = [];
  for (const arrival of arrivals(model)) {
    if (arrival.from === "catch-up") {
      if (handOff.catchUp(arrival.sequence)) {
        delivered.push(arrival.sequence);
        fromCatchUp.push(arrival.sequence);
      }
    } else if (arrival.from === "live") {
      if (handOff.live(arrival.sequence, arrival.sequence)) delivered.push(arrival.sequence);
    } else {
      const held = handOff.caughtUp(model.head);
      released.push(...held);
      delivered.push(...held);
    }
  }
  return { handOff, delivered, fromCatchUp, released };
}

describe("the catch-up / live hand-off", () => {
  it("delivers every sequence after the cursor exactly once, whatever the interleaving", () => {
    fc.assert(
      fc.property(connection, (model) => {
        const { delivered } = run(model);
        const expected = Array.from(
          { length: model.total - model.cursor },
          (_, i) => model.cursor + 1 + i,
        );
        expect([...delivered].sort((a, b) => a - b)).toEqual(expected);
        expect(new Set(delivered).size).toBe(delivered.length);
      }),
      { numRuns: 500 },
    );
  });

  it("drops exactly the overlap of the live streams with the catch-up as duplicates", () => {
    fc.assert(
      fc.property(connection, (model) => {
        const { handOff } = run(model);
        expect(handOff.dropped).toBe(model.head - model.registeredAt);
        expect(handOff.holding).toBe(0);
        expect(handOff.catchingUp).toBe(false);
      }),
      { numRuns: 300 },
    );
  });

  it("catch-up frames pass in order, then held live frames are released in sequence order", () => {
    fc.assert(
      fc.property(connection, (model) => {
        const { fromCatchUp, released, handOff } = run(model);
        expect(fromCatchUp).toEqual([...fromCatchUp].sort((a, b) => a - b));
        expect(released).toEqual([...released].sort((a, b) => a - b));
        expect(released.every((sequence) => sequence > model.head)).toBe(true);
        // The next connection's duplicates start at the head: everything up to it was delivered.
        expect(handOff.floor).toBe(model.head);
      }),
      { numRuns: 300 },
    );
  });

  it("a stream that replays from the cursor passes each sequence once, in order, even when it repeats", () => {
    fc.assert(
      fc.property(
        fc.integer({ min: 0, max: 20 }),
        fc.array(fc.integer({ min: 0, max: 40 }), { maxLength: 60 }),
        (cursor, frames) => {
          const handOff = createHandOff<number>({ floor: cursor, catchingUp: false });
          const passed = frames.filter((sequence) => handOff.live(sequence, sequence));
          // Passing means strictly above everything passed before and above the cursor.
          let bound = cursor;
          const expected: number[] = [];
          for (const sequence of frames) {
            if (sequence > bound) {
              expected.push(sequence);
              bound = sequence;
            }
          }
          expect(passed).toEqual(expected);
          expect(handOff.dropped).toBe(frames.length - expected.length);
          expect(handOff.floor).toBe(bound);
        },
      ),
      { numRuns: 300 },
    );
  });

  it("with no cursor, the first catch-up frame is accepted as the start (a trimmed log)", () => {
    const handOff = createHandOff<number>({ floor: undefined, catchingUp: true });
    expect(handOff.catchUp(7)).toBe(true);
    expect(handOff.catchUp(7)).toBe(false);
    expect(handOff.live(9, 9)).toBe(false);
    expect(handOff.caughtUp(8)).toEqual([9]);
    expect(handOff.live(8, 8)).toBe(false);
    expect(handOff.live(10, 10)).toBe(true);
  });
});
