import fc from "fast-check";
import { describe, expect, it } from "vitest";
import type { EventSource } from "./event-source.js";
import { createPushSource } from "./push-source.js";
import { TypedEventStream } from "./typed-event-stream.js";

type End = "end" | "error" | "endless";

/** A batched source that records its pulls and cancels, and ends, fails or parks. */
function recordingSource(
  batches: readonly (readonly number[])[],
  end: End = "end",
  onPull: (pulled: number) => void = () => undefined,
) {
  const record = { pulls: 0, cancels: 0, error: new Error("source broke") };
  let position = 0;
  const source: EventSource<number> = {
    pull() {
      onPull(position);
      record.pulls += 1;
      const batch = batches[position++];
      if (batch !== undefined) return Promise.resolve(batch);
      if (end === "error") return Promise.reject(record.error);
      if (end === "endless") return new Promise<readonly number[] | undefined>(() => undefined);
      return undefined;
    },
    cancel() {
      record.cancels += 1;
    },
  };
  return { source, record };
}

async function collect<T>(stream: AsyncIterable<T>): Promise<T[]> {
  const values: T[] = [];
  for await (const value of stream) values.push(value);
  return values;
}

// setImmediate runs after every pending microtask, so every promise chain has settled.
const settle = () => new Promise<void>((resolve) => setImmediate(resolve));

describe("TypedEventStream branches", () => {
  it("two .filter branches of one stream are read concurrently and each sees its events", async () => {
    const { source, record } = recordingSource([
      [1, 2, 3],
      [4, 5],
      [6, 7, 8, 9],
    ]);
    const stream = new TypedEventStream(source);
    const even = stream.filter((value) => value % 2 === 0);
    const odd = stream.filter((value) => value % 2 === 1).map((value) => value * 10);
    const [evens, odds] = await Promise.all([collect(even), collect(odd)]);
    expect(evens).toEqual([2, 4, 6, 8]);
    expect(odds).toEqual([10, 30, 50, 70, 90]);
    expect(record.cancels).toBe(1);
    expect(stream.closed).toBe(true);
  });

  it("the parent is pulled at the pace of the slowest open branch", async () => {
    const { source, record } = recordingSource([[1, 2], [3, 4], [5]], "endless");
    const stream = new TypedEventStream(source);
    const fast = stream.map((value) => value)[Symbol.asyncIterator]();
    const slow = stream.filter(() => true)[Symbol.asyncIterator]();
    // The first pull waits until every open branch asks.
    const fastFirst = fast.next();
    await settle();
    expect(record.pulls).toBe(0);
    const slowFirst = slow.next();
    await settle();
    expect(record.pulls).toBe(1);
    expect(await fastFirst).toEqual({ value: 1, done: false });
    expect(await slowFirst).toEqual({ value: 1, done: false });
    expect(await fast.next()).toEqual({ value: 2, done: false });
    // The fast branch has used up the batch; the slow one has not, so no new pull.
    const fastThird = fast.next();
    await settle();
    expect(record.pulls).toBe(1);
    expect(await slow.next()).toEqual({ value: 2, done: false });
    const slowThird = slow.next();
    await settle();
    expect(record.pulls).toBe(2);
    expect(await fastThird).toEqual({ value: 3, done: false });
    expect(await slowThird).toEqual({ value: 3, done: false });
    await stream.close();
  });

  it("closing one branch leaves the others running; closing the last closes the parent and its call", async () => {
    const { source, record } = recordingSource([[1, 2], [3], [4, 5]], "endless");
    const stream = new TypedEventStream(source);
    const first = stream.filter(() => true);
    const second = stream.map((value) => value * 2);
    const firstReader = first[Symbol.asyncIterator]();
    const secondReader = second[Symbol.asyncIterator]();
    const [a, b] = await Promise.all([firstReader.next(), secondReader.next()]);
    expect([a.value, b.value]).toEqual([1, 2]);
    await first.close();
    expect(first.closed).toBe(true);
    expect(await firstReader.next()).toEqual({ value: undefined, done: true });
    expect(stream.closed).toBe(false);
    expect(record.cancels).toBe(0);
    const rest: number[] = [];
    for (let index = 0; index < 4; index++) {
      const next = await secondReader.next();
      if (next.done !== true) rest.push(next.value);
    }
    expect(rest).toEqual([4, 6, 8, 10]);
    await second.close();
    expect(second.closed).toBe(true);
    expect(stream.closed).toBe(true);
    expect(record.cancels).toBe(1);
  });

  it("a branch closed while the other waits for it lets the other go on", async () => {
    const { source, record } = recordingSource([[1], [2], [3]]);
    const stream = new TypedEventStream(source);
    const reader = stream.filter(() => true)[Symbol.asyncIterator]();
    const idle = stream.filter(() => true);
    const waiting = reader.next();
    await settle();
    expect(record.pulls).toBe(0);
    await idle.close();
    expect(await waiting).toEqual({ value: 1, done: false });
    expect(await collect({ [Symbol.asyncIterator]: () => reader })).toEqual([2, 3]);
    expect(record.cancels).toBe(1);
  });

  it("a source error reaches every branch once, after the events before it", async () => {
    const push = createPushSource<number>();
    const stream = new TypedEventStream(push);
    const branches = [
      stream.filter(() => true),
      stream.map((value) => -value),
      stream.filter((value) => value > 1),
    ];
    const outcomes = branches.map(async (branch) => {
      const seen: number[] = [];
      try {
        for await (const value of branch) seen.push(value);
        return { seen, error: undefined };
      } catch (error) {
        return { seen, error };
      }
    });
    push.push(1);
    push.push(2);
    await settle();
    const failure = new Error("stream broke");
    push.fail(failure);
    expect(await Promise.all(outcomes)).toEqual([
      { seen: [1, 2], error: failure },
      { seen: [-1, -2], error: failure },
      { seen: [2], error: failure },
    ]);
    expect(stream.closed).toBe(true);
  });

  it("take(n) on one branch ends only that branch", async () => {
    const { source, record } = recordingSource([
      [1, 2, 3],
      [4, 5, 6],
    ]);
    const stream = new TypedEventStream(source);
    const [firstTwo, all] = await Promise.all([
      collect(stream.take(2)),
      collect(stream.filter(() => true)),
    ]);
    expect(firstTwo).toEqual([1, 2]);
    expect(all).toEqual([1, 2, 3, 4, 5, 6]);
    expect(record.cancels).toBe(1);
  });

  it("take(0) on a branch pulls nothing for it and does not hold the others back", async () => {
    const { source, record } = recordingSource([[1, 2], [3]]);
    const stream = new TypedEventStream(source);
    const none = stream.take(0);
    const all = stream.map((value) => value + 1);
    expect(await collect(none)).toEqual([]);
    expect(record.pulls).toBe(0);
    expect(await collect(all)).toEqual([2, 3, 4]);
  });

  it("take(0) on the only branches pulls nothing and closes the parent", async () => {
    const { source, record } = recordingSource([[1, 2]]);
    const stream = new TypedEventStream(source);
    const [first, second] = await Promise.all([collect(stream.take(0)), collect(stream.take(0))]);
    expect([first, second]).toEqual([[], []]);
    expect(record.pulls).toBe(0);
    expect(record.cancels).toBe(1);
    expect(stream.closed).toBe(true);
  });

  it("a throwing predicate fails its own branch only", async () => {
    const { source } = recordingSource([[1, 2, 3]]);
    const stream = new TypedEventStream(source);
    const broken = stream.filter((value) => {
      if (value === 2) throw new Error("bad predicate");
      return true;
    });
    const healthy = stream.map((value) => value);
    const [brokenOutcome, healthyValues] = await Promise.all([
      collect(broken).then(
        () => "no error",
        (error: unknown) => (error instanceof Error ? error.message : "?"),
      ),
      collect(healthy),
    ]);
    expect(brokenOutcome).toBe("bad predicate");
    expect(healthyValues).toEqual([1, 2, 3]);
  });

  it("a step of the parent that throws reaches every branch", async () => {
    const { source, record } = recordingSource([[1, 2, 3]], "endless");
    const parent = new TypedEventStream(source).map((value) => {
      if (value === 3) throw new Error("bad transform");
      return value;
    });
    const results = await Promise.all(
      [parent.filter(() => true), parent.filter(() => true)].map((branch) =>
        collect(branch).then(
          () => "no error",
          (error: unknown) => (error instanceof Error ? error.message : "?"),
        ),
      ),
    );
    expect(results).toEqual(["bad transform", "bad transform"]);
    expect(record.cancels).toBe(1);
  });

  it("branches of branches: every leaf sees its events and the source closes once", async () => {
    const { source, record } = recordingSource([
      [1, 2, 3, 4],
      [5, 6, 7, 8],
    ]);
    const root = new TypedEventStream(source);
    const evens = root.filter((value) => value % 2 === 0);
    const odds = root.filter((value) => value % 2 === 1);
    const results = await Promise.all([
      collect(evens.map((value) => value * 10)),
      collect(evens.take(2)),
      collect(odds),
    ]);
    expect(results).toEqual([
      [20, 40, 60, 80],
      [2, 4],
      [1, 3, 5, 7],
    ]);
    expect(record.cancels).toBe(1);
  });

  it(".on works on branches, and stop() releases only its branch", async () => {
    const push = createPushSource<number>();
    const stream = new TypedEventStream(push);
    const seenByOn: number[] = [];
    const stop = stream
      .filter(() => true)
      .on((value) => {
        seenByOn.push(value);
      });
    const reader = stream.map((value) => value)[Symbol.asyncIterator]();
    push.push(1);
    expect(await reader.next()).toEqual({ value: 1, done: false });
    await settle();
    expect(seenByOn).toEqual([1]);
    await stop();
    push.push(2);
    expect(await reader.next()).toEqual({ value: 2, done: false });
    expect(seenByOn).toEqual([1]);
    expect(push.finished).toBe(false);
    await reader.return?.();
    expect(push.finished).toBe(true);
  });

  it("closing the parent closes every branch and ends their pending reads", async () => {
    const { source, record } = recordingSource([], "endless");
    const stream = new TypedEventStream(source);
    const readers = [stream.filter(() => true), stream.filter(() => true)].map((branch) =>
      branch[Symbol.asyncIterator](),
    );
    const pending = readers.map((reader) => reader.next());
    await settle();
    await stream.close();
    expect(await Promise.all(pending)).toEqual([
      { value: undefined, done: true },
      { value: undefined, done: true },
    ]);
    expect(record.cancels).toBe(1);
  });

  it("reading a stream that has branches, or a branch twice, throws a clear error", () => {
    const stream = new TypedEventStream([1, 2]);
    const branch = stream.filter(() => true);
    stream.map((value) => value);
    expect(() => stream[Symbol.asyncIterator]()).toThrow(TypeError);
    expect(() => stream[Symbol.asyncIterator]()).toThrow(/read the branches/);
    expect(() => stream.on(() => undefined)).toThrow(/already has a consumer/);
    branch[Symbol.asyncIterator]();
    expect(() => branch[Symbol.asyncIterator]()).toThrow(/already has a consumer/);
    expect(() => branch.on(() => undefined)).toThrow(/already has a consumer/);
  });

  it("deriving one more branch after a branch is being read throws a clear error", async () => {
    const stream = new TypedEventStream([1, 2]);
    const reading = stream
      .filter(() => true)
      [Symbol.asyncIterator]()
      .next();
    await reading;
    expect(() => stream.filter(() => true)).toThrow(TypeError);
    expect(() => stream.filter(() => true)).toThrow(
      /derive every branch before reading any of them/,
    );
  });
});

// ---- properties -------------------------------------------------------------------

type Step =
  | { kind: "filter"; modulus: number }
  | { kind: "map"; add: number }
  | { kind: "take"; count: number };

/** The array model of a chain: its output, and whether a take ran out (ending it early). */
function model(values: readonly number[], steps: readonly Step[]) {
  let result = [...values];
  let exhausted = false;
  for (const step of steps) {
    if (step.kind === "filter") result = result.filter((value) => value % step.modulus !== 0);
    else if (step.kind === "map") result = result.map((value) => value + step.add);
    else {
      if (result.length >= step.count) exhausted = true;
      result = result.slice(0, step.count);
    }
  }
  return { output: result, exhausted };
}

function chain(stream: TypedEventStream<number>, steps: readonly Step[]): TypedEventStream<number> {
  let current = stream;
  for (const step of steps) {
    if (step.kind === "filter") current = current.filter((value) => value % step.modulus !== 0);
    else if (step.kind === "map") current = current.map((value) => value + step.add);
    else current = current.take(step.count);
  }
  return current;
}

const stepArbitrary: fc.Arbitrary<Step> = fc.oneof(
  fc.record({ kind: fc.constant("filter" as const), modulus: fc.integer({ min: 2, max: 4 }) }),
  fc.record({ kind: fc.constant("map" as const), add: fc.integer({ min: -3, max: 3 }) }),
  fc.record({ kind: fc.constant("take" as const), count: fc.integer({ min: 0, max: 10 }) }),
);

const scenarioArbitrary = fc.record({
  batches: fc.array(fc.array(fc.integer({ min: -20, max: 20 }), { minLength: 1, maxLength: 5 }), {
    maxLength: 7,
  }),
  end: fc.constantFrom<End>("end", "error", "endless"),
  parentSteps: fc.array(stepArbitrary, { maxLength: 2 }),
  branchSteps: fc.array(fc.array(stepArbitrary, { maxLength: 3 }), { minLength: 2, maxLength: 4 }),
  actions: fc.array(
    fc.record({
      kind: fc.constantFrom("pull", "pull", "pull", "close"),
      branch: fc.nat({ max: 3 }),
    }),
    { maxLength: 40 },
  ),
});

interface BranchState {
  readonly reader: AsyncIterator<number>;
  readonly stream: TypedEventStream<number>;
  readonly values: number[];
  readonly errors: unknown[];
  pending: boolean;
  done: boolean;
  closedByTest: boolean;
}

describe("TypedEventStream branch properties", () => {
  it("over any interleaving of pulls, closes and a source end or error: prefixes, pace of the slowest open branch, the error on every branch, one cancel", async () => {
    await fc.assert(
      fc.asyncProperty(scenarioArbitrary, async (scenario) => {
        const { batches, end, parentSteps, branchSteps, actions } = scenario;
        const violations: string[] = [];
        const seenByBranch: number[] = branchSteps.map(() => 0);
        const branchStreams: TypedEventStream<number>[] = [];
        const { source, record } = recordingSource(batches, end, (pulled) => {
          // Pace of the slowest open branch: a new batch is pulled only once every open
          // branch has read everything the parent produced from the earlier batches.
          const expected = model(batches.slice(0, pulled).flat(), parentSteps).output.length;
          branchStreams.forEach((branch, index) => {
            if (!branch.closed && seenByBranch[index] !== expected) {
              violations.push(
                `pull ${pulled + 1} while branch ${index} had read ${seenByBranch[index]} of ${expected}`,
              );
            }
          });
        });
        const root = new TypedEventStream(source);
        const parent = chain(root, parentSteps);
        const states: BranchState[] = branchSteps.map((steps, index) => {
          // The counting step runs first in the branch, on every event it reads.
          const counted = parent.map((value) => {
            seenByBranch[index] = (seenByBranch[index] ?? 0) + 1;
            return value;
          });
          const stream = chain(counted, steps);
          branchStreams.push(counted);
          return {
            reader: stream[Symbol.asyncIterator](),
            stream,
            values: [],
            errors: [],
            pending: false,
            done: false,
            closedByTest: false,
          };
        });
        const pull = (state: BranchState) => {
          if (state.pending || state.done) return;
          state.pending = true;
          state.reader.next().then(
            (result) => {
              state.pending = false;
              if (result.done === true) state.done = true;
              else state.values.push(result.value);
            },
            (error: unknown) => {
              state.pending = false;
              state.done = true;
              state.errors.push(error);
            },
          );
        };
        for (const action of actions) {
          const state = states[action.branch % states.length];
          if (state === undefined) continue;
          if (action.kind === "pull") pull(state);
          else if (!state.done && !state.closedByTest) {
            state.closedByTest = true;
            void state.stream.close();
          }
          await settle();
        }
        // Drain: every branch keeps reading until it is done; an endless source is
        // closed once nothing more can arrive.
        for (let round = 0; round < 500 && states.some((state) => !state.done); round++) {
          for (const state of states) pull(state);
          await settle();
          if (end === "endless" && states.every((state) => state.done || state.pending)) {
            for (const state of states) {
              if (!state.done) {
                state.closedByTest = true;
                await state.stream.close();
              }
            }
            await settle();
          }
        }
        expect(violations).toEqual([]);
        expect(states.every((state) => state.done)).toBe(true);
        const parentOutput = model(batches.flat(), parentSteps);
        states.forEach((state, index) => {
          const expected = model(parentOutput.output, branchSteps[index] ?? []);
          const full = expected.output;
          expect(state.values).toEqual(full.slice(0, state.values.length));
          expect(state.errors.length).toBeLessThanOrEqual(1);
          if (state.errors.length === 1) {
            expect(state.errors[0]).toBe(record.error);
            expect(state.values).toEqual(full);
          }
          if (state.closedByTest) return;
          if (end === "end") {
            expect(state.values).toEqual(full);
            expect(state.errors).toEqual([]);
          }
          if (end === "error") {
            expect(state.values).toEqual(full);
            // The error reaches every branch that had not ended by a take first.
            const endedEarly = expected.exhausted || parentOutput.exhausted;
            if (!endedEarly) expect(state.errors).toEqual([record.error]);
          }
          if (end === "endless" && !expected.exhausted && !parentOutput.exhausted) {
            expect(state.values).toEqual(full);
          }
        });
        for (const state of states) {
          expect(await state.reader.next()).toEqual({ value: undefined, done: true });
        }
        expect(record.cancels).toBe(1);
        expect(root.closed).toBe(true);
      }),
      { numRuns: 300 },
    );
  });
});
