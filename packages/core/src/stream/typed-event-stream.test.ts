import { execFile } from "node:child_process";
import { fileURLToPath } from "node:url";
import { promisify } from "node:util";
import fc from "fast-check";
import { describe, expect, it } from "vitest";
import type { EventSource } from "./event-source.js";
import { createPushSource } from "./push-source.js";
import { TypedEventStream } from "./typed-event-stream.js";

/** A source that records what the stream asked of it. */
function recordingSource<T>(
  batches: readonly (readonly T[])[],
  options: { endless?: boolean } = {},
) {
  const record = { pulls: 0, cancels: 0 };
  let position = 0;
  let parked: ((value: readonly T[] | undefined) => void) | undefined;
  const source: EventSource<T> = {
    pull() {
      record.pulls += 1;
      const batch = batches[position++];
      if (batch !== undefined) return Promise.resolve(batch);
      if (options.endless === true) {
        return new Promise((resolve) => {
          parked = resolve;
        });
      }
      return undefined;
    },
    cancel() {
      record.cancels += 1;
      // Deliberately never settles a parked pull: the stream must not wait for it.
      parked = undefined;
    },
  };
  void parked;
  return { source, record };
}

async function collect<T>(stream: AsyncIterable<T>): Promise<T[]> {
  const values: T[] = [];
  for await (const value of stream) values.push(value);
  return values;
}

describe("TypedEventStream", () => {
  it("delivers every event of an array, an async generator and a batched source in order", async () => {
    expect(await collect(new TypedEventStream([1, 2, 3]))).toEqual([1, 2, 3]);
    async function* generate() {
      yield "a";
      yield "b";
    }
    expect(await collect(new TypedEventStream(generate()))).toEqual(["a", "b"]);
    const { source } = recordingSource([[1, 2], [3], [4, 5, 6]]);
    expect(await collect(new TypedEventStream(source))).toEqual([1, 2, 3, 4, 5, 6]);
  });

  it("a second for-await on the same stream throws a clear error", async () => {
    const stream = new TypedEventStream([1, 2]);
    stream[Symbol.asyncIterator]();
    expect(() => stream[Symbol.asyncIterator]()).toThrow(/already has a consumer/);
    expect(() => stream.on(() => undefined)).toThrow(/already has a consumer/);
  });

  it(".on after .on, and deriving after consuming, both throw", () => {
    const stream = new TypedEventStream([1]);
    const stop = stream.on(() => undefined);
    expect(() => stream.on(() => undefined)).toThrow(TypeError);
    expect(() => stream.filter(() => true)).toThrow(/derive every branch/);
    void stop();
  });

  it("deriving claims the parent against direct reading, not against more branches", () => {
    const stream = new TypedEventStream([1, 2]);
    stream.map((value) => value * 2);
    expect(() => stream[Symbol.asyncIterator]()).toThrow(/already has a consumer/);
    expect(() => stream.on(() => undefined)).toThrow(/read the branches/);
    expect(() => stream.take(1)).not.toThrow();
  });

  it("filter, map and take compose in order", async () => {
    const stream = new TypedEventStream([1, 2, 3, 4, 5, 6, 7, 8]);
    const result = await collect(
      stream
        .filter((value) => value % 2 === 0)
        .map((value) => value * 10)
        .take(3),
    );
    expect(result).toEqual([20, 40, 60]);
  });

  it("filter with a type guard narrows the element type", async () => {
    type Shape = { kind: "a"; a: number } | { kind: "b"; b: string };
    const stream = new TypedEventStream<Shape>([
      { kind: "a", a: 1 },
      { kind: "b", b: "x" },
    ]);
    const onlyB = stream.filter(
      (shape): shape is Extract<Shape, { kind: "b" }> => shape.kind === "b",
    );
    expect((await collect(onlyB)).map((shape) => shape.b)).toEqual(["x"]);
  });

  it("take(n) closes the parent right after the n-th event, even on an endless source", async () => {
    const { source, record } = recordingSource([[1, 2, 3]], { endless: true });
    const parent = new TypedEventStream(source);
    const firstTwo = parent.take(2);
    expect(await collect(firstTwo)).toEqual([1, 2]);
    expect(parent.closed).toBe(true);
    expect(record.cancels).toBe(1);
  });

  it("take(0) pulls nothing from the parent", async () => {
    const { source, record } = recordingSource([[1, 2, 3]]);
    const none = new TypedEventStream(source).take(0);
    expect(await collect(none)).toEqual([]);
    expect(record.pulls).toBe(0);
    expect(record.cancels).toBe(1);
  });

  it("take rejects a count that is not a non-negative integer", () => {
    expect(() => new TypedEventStream([1]).take(-1)).toThrow(
      /non-negative integer count; received -1/,
    );
    expect(() => new TypedEventStream([1]).take(1.5)).toThrow(RangeError);
    expect(() => new TypedEventStream([1]).take(Number.NaN)).toThrow(RangeError);
  });

  it("close() is idempotent and returns the same promise", async () => {
    const { source, record } = recordingSource([[1]], { endless: true });
    const stream = new TypedEventStream(source);
    const first = stream.close();
    const second = stream.close();
    expect(second).toBe(first);
    await first;
    expect(record.cancels).toBe(1);
    expect(stream.closed).toBe(true);
  });

  it("close() during a pending read ends the read without a rejection, even if the source never settles", async () => {
    const { source, record } = recordingSource<number>([], { endless: true });
    const stream = new TypedEventStream(source);
    const iterator = stream[Symbol.asyncIterator]();
    const pending = iterator.next();
    await stream.close();
    await expect(pending).resolves.toEqual({ value: undefined, done: true });
    expect(record.cancels).toBe(1);
  });

  it("a source failing after close() causes no unhandled rejection", async () => {
    let reject: ((error: unknown) => void) | undefined;
    const source: EventSource<number> = {
      pull: () =>
        new Promise((_resolve, rejectPull) => {
          reject = rejectPull;
        }),
      cancel: () => undefined,
    };
    const stream = new TypedEventStream(source);
    const pending = stream[Symbol.asyncIterator]().next();
    const closed = stream.close();
    reject?.(new Error("connection reset after cancel"));
    await closed;
    await expect(pending).resolves.toMatchObject({ done: true });
  });

  it("break in for-await closes the stream and cancels the source once", async () => {
    const { source, record } = recordingSource([[1, 2, 3]], { endless: true });
    const stream = new TypedEventStream(source);
    for await (const value of stream) {
      if (value === 2) break;
    }
    expect(stream.closed).toBe(true);
    expect(record.cancels).toBe(1);
  });

  it("await using closes the stream on scope exit", async () => {
    const { source, record } = recordingSource([[1]], { endless: true });
    {
      await using stream = new TypedEventStream(source);
      expect(stream.closed).toBe(false);
    }
    expect(record.cancels).toBe(1);
  });

  it("a source failure reaches for-await once, after the events before it", async () => {
    const push = createPushSource<number>();
    push.push(1);
    push.push(2);
    push.fail(new Error("boom"));
    const stream = new TypedEventStream(push);
    const seen: number[] = [];
    await expect(
      (async () => {
        for await (const value of stream) seen.push(value);
      })(),
    ).rejects.toThrow("boom");
    expect(seen).toEqual([1, 2]);
    expect(stream.closed).toBe(true);
  });

  it("a throwing predicate rejects the read and releases the source", async () => {
    const { source, record } = recordingSource([[1, 2]], { endless: true });
    const stream = new TypedEventStream(source).filter((value) => {
      if (value === 2) throw new Error("bad predicate");
      return true;
    });
    const iterator = stream[Symbol.asyncIterator]();
    await expect(iterator.next()).resolves.toEqual({ value: 1, done: false });
    await expect(iterator.next()).rejects.toThrow("bad predicate");
    await expect(iterator.next()).resolves.toMatchObject({ done: true });
    expect(record.cancels).toBe(1);
  });

  it(".on awaits an async callback before delivering the next event", async () => {
    const stream = new TypedEventStream([1, 2, 3]);
    const log: string[] = [];
    await new Promise<void>((resolve) => {
      stream.on(async (value) => {
        log.push(`start ${value}`);
        await new Promise((done) => setTimeout(done, 1));
        log.push(`end ${value}`);
        if (value === 3) resolve();
      });
    });
    expect(log).toEqual(["start 1", "end 1", "start 2", "end 2", "start 3", "end 3"]);
  });

  it(".on stop() closes the stream and no further events are delivered", async () => {
    const push = createPushSource<number>();
    const stream = new TypedEventStream(push);
    const seen: number[] = [];
    const stop = stream.on((value) => {
      seen.push(value);
    });
    push.push(1);
    await new Promise((resolve) => setTimeout(resolve, 0));
    await stop();
    push.push(2);
    await new Promise((resolve) => setTimeout(resolve, 0));
    expect(seen).toEqual([1]);
    expect(stream.closed).toBe(true);
    expect(push.finished).toBe(true);
  });

  it(".on passes stream and callback failures to onError", async () => {
    const push = createPushSource<number>();
    const failure = new Error("stream broke");
    const sourceError = await new Promise<unknown>((resolve) => {
      new TypedEventStream(push).on(() => undefined, resolve);
      push.fail(failure);
    });
    expect(sourceError).toBe(failure);

    const callbackError = await new Promise<unknown>((resolve) => {
      new TypedEventStream([1]).on(() => {
        throw new Error("handler broke");
      }, resolve);
    });
    expect(callbackError).toBeInstanceOf(Error);
    expect((callbackError as Error).message).toBe("handler broke");
  });

  it(".on without onError rethrows asynchronously (an uncaught exception)", async () => {
    const moduleUrl = new URL("./typed-event-stream.ts", import.meta.url).href;
    const script = `
      import { TypedEventStream } from ${JSON.stringify(moduleUrl)};
      process.on("uncaughtException", (error) => { console.log("uncaught:" + error.message); process.exit(0); });
      try {
        new TypedEventStream((async function* () { yield 1; throw new Error("late failure"); })()).on(() => {});
        console.log("on returned");
      } catch { console.log("caught synchronously"); }
    `;
    const tsx = fileURLToPath(new URL("../../../../node_modules/.bin/tsx", import.meta.url));
    const { stdout } = await promisify(execFile)(tsx, ["--input-type=module", "-e", script], {
      timeout: 20_000,
    });
    expect(stdout.trim().split("\n")).toEqual(["on returned", "uncaught:late failure"]);
  });
});

// A reference model of an operator chain over a finite array.
type Step =
  | { kind: "filter"; modulus: number }
  | { kind: "map"; add: number }
  | { kind: "take"; count: number };

function applyModel(values: readonly number[], steps: readonly Step[]): number[] {
  let result = [...values];
  for (const step of steps) {
    if (step.kind === "filter") result = result.filter((value) => value % step.modulus !== 0);
    else if (step.kind === "map") result = result.map((value) => value + step.add);
    else result = result.slice(0, step.count);
  }
  return result;
}

function applyStream(
  stream: TypedEventStream<number>,
  steps: readonly Step[],
): TypedEventStream<number> {
  let current = stream;
  for (const step of steps) {
    if (step.kind === "filter") current = current.filter((value) => value % step.modulus !== 0);
    else if (step.kind === "map") current = current.map((value) => value + step.add);
    else current = current.take(step.count);
  }
  return current;
}

const stepArbitrary: fc.Arbitrary<Step> = fc.oneof(
  fc.record({ kind: fc.constant("filter" as const), modulus: fc.integer({ min: 2, max: 5 }) }),
  fc.record({ kind: fc.constant("map" as const), add: fc.integer({ min: -3, max: 3 }) }),
  fc.record({ kind: fc.constant("take" as const), count: fc.integer({ min: 0, max: 12 }) }),
);

const batchesArbitrary = fc.array(
  fc.array(fc.integer({ min: -50, max: 50 }), { minLength: 1, maxLength: 6 }),
  {
    maxLength: 8,
  },
);

describe("TypedEventStream properties", () => {
  it("any operator chain yields what the array model yields, and the source is released once", async () => {
    await fc.assert(
      fc.asyncProperty(
        batchesArbitrary,
        fc.array(stepArbitrary, { maxLength: 5 }),
        async (batches, steps) => {
          const { source, record } = recordingSource(batches);
          const result = await collect(applyStream(new TypedEventStream(source), steps));
          expect(result).toEqual(applyModel(batches.flat(), steps));
          expect(record.cancels).toBe(1);
          if (steps.some((step) => step.kind === "take" && step.count === 0))
            expect(record.pulls).toBe(0);
        },
      ),
      { numRuns: 300 },
    );
  });

  it("closing or stopping at any point delivers exactly a prefix and never an event after close", async () => {
    await fc.assert(
      fc.asyncProperty(
        batchesArbitrary,
        fc.array(stepArbitrary, { maxLength: 3 }),
        fc.nat({ max: 20 }),
        fc.boolean(),
        async (batches, steps, stopAfter, useOn) => {
          const { source, record } = recordingSource(batches, { endless: true });
          const stream = applyStream(new TypedEventStream(source), steps);
          const expected = applyModel(batches.flat(), steps);
          const seen: number[] = [];
          if (useOn) {
            await new Promise<void>((resolve, reject) => {
              let stop: (() => Promise<void>) | undefined;
              const finish = () => {
                void stop?.().then(resolve, reject);
              };
              stop = stream.on((value) => {
                seen.push(value);
                if (seen.length >= stopAfter) finish();
              }, reject);
              if (stopAfter === 0) finish();
              // An endless source with fewer events than stopAfter: stop once drained.
              setTimeout(finish, 5);
            });
          } else {
            const iterator = stream[Symbol.asyncIterator]();
            for (let index = 0; index < stopAfter; index++) {
              const next = await Promise.race([
                iterator.next(),
                new Promise<"idle">((resolve) => setTimeout(() => resolve("idle"), 5)),
              ]);
              if (next === "idle" || next.done === true) break;
              seen.push(next.value);
            }
            await stream.close();
            expect(await iterator.next()).toEqual({ value: undefined, done: true });
          }
          expect(seen).toEqual(expected.slice(0, seen.length));
          expect(seen.length).toBeLessThanOrEqual(Math.max(stopAfter, 0));
          expect(stream.closed).toBe(true);
          expect(record.cancels).toBe(1);
        },
      ),
      { numRuns: 150 },
    );
  });
});
