import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { ConnectionError } from "../errors/error-classes.js";
import { createBackoffPolicy } from "../reconnect/backoff-policy.js";
import { createPushSource, type PushSource } from "../stream/push-source.js";
import { createResumableConnection } from "./resumable-connection.js";

type Frame = { readonly sequence: number } | { readonly head: number };

interface Connection {
  readonly cursor: number | undefined;
  readonly live: PushSource<Frame>;
  readonly catchUp: PushSource<Frame>;
  registered(): void;
}

const tick = () => new Promise((resolve) => setImmediate(resolve));

/** One connection of the model, as shares of what is left of a log of `total` events. */
const connectionShape = fc.record({
  registeredShare: fc.double({ min: 0, max: 1, noNaN: true }),
  headShare: fc.double({ min: 0, max: 1, noNaN: true }),
  cutShare: fc.double({ min: 0, max: 1, noNaN: true }),
  order: fc.array(fc.boolean(), { minLength: 80, maxLength: 80 }),
});

describe("the resumable-connection engine across reconnects", () => {
  it("delivers every sequence exactly once, whatever the registration points, heads, interleavings and cut-off connections", async () => {
    await fc.assert(
      fc.asyncProperty(
        fc.integer({ min: 0, max: 15 }),
        fc.array(connectionShape, { minLength: 1, maxLength: 4 }),
        async (total, shapes) => {
          const delivered: number[] = [];
          const connections: Connection[] = [];
          let wake: (() => void) | undefined;
          const engine = createResumableConnection<Frame>({
            operation: "model",
            policy: createBackoffPolicy({ initialDelay: 0, maxDelay: 0 }),
            cursor: () => delivered.at(-1),
            connect(cursor) {
              const live = createPushSource<Frame>();
              const catchUp = createPushSource<Frame>();
              let registered: () => void = () => undefined;
              const ready = new Promise<void>((resolve) => {
                registered = resolve;
              });
              connections.push({ cursor, live, catchUp, registered });
              wake?.();
              return {
                live: [{ events: live, ready, close: () => live.cancel() }],
                catchUp: () => ({
                  events: catchUp,
                  ready: Promise.resolve(),
                  close: () => catchUp.cancel(),
                }),
              };
            },
            sequenceOf: (frame) => ("sequence" in frame ? frame.sequence : undefined),
            caughtUpHead: (frame) => ("head" in frame ? frame.head : undefined),
            deliver(frame) {
              if ("sequence" in frame) delivered.push(frame.sequence);
            },
          });
          engine.start();
          const opened = async (count: number): Promise<Connection> => {
            while (connections.length < count) {
              await new Promise<void>((resolve) => {
                wake = resolve;
              });
            }
            const connection = connections[count - 1];
            if (connection === undefined) throw new Error("no connection");
            return connection;
          };
          for (let index = 0; index < shapes.length; index++) {
            const shape = shapes[index];
            if (shape === undefined) continue;
            const last = index === shapes.length - 1;
            const connection = await opened(index + 1);
            const cursor = connection.cursor ?? 0;
            // Registration happens before the catch-up captures its head.
            const registeredAt = cursor + Math.floor(shape.registeredShare * (total - cursor));
            const head = registeredAt + Math.floor(shape.headShare * (total - registeredAt));
            const catchUp: Frame[] = [];
            for (let sequence = cursor + 1; sequence <= head; sequence++)
              catchUp.push({ sequence });
            catchUp.push({ head });
            const live: Frame[] = [];
            for (let sequence = registeredAt + 1; sequence <= total; sequence++)
              live.push({ sequence });
            const arrivals: [PushSource<Frame>, Frame][] = [];
            let step = 0;
            while (catchUp.length > 0 || live.length > 0) {
              const takeLive =
                live.length > 0 && (catchUp.length === 0 || shape.order[step++ % 80] === true);
              const frame = takeLive ? live.shift() : catchUp.shift();
              if (frame !== undefined)
                arrivals.push([takeLive ? connection.live : connection.catchUp, frame]);
            }
            // Every connection but the last dies part-way (possibly before its catch-up ends).
            const cut = last ? arrivals.length : Math.floor(shape.cutShare * arrivals.length);
            connection.registered();
            await tick();
            for (const [source, frame] of arrivals.slice(0, cut)) {
              source.push(frame);
              await tick();
            }
            if (!last) connection.live.fail(new ConnectionError("lost", { retryable: true }));
          }
          await tick();
          engine.stop();
          await engine.done;
          const expected = Array.from({ length: total }, (_, index) => index + 1);
          expect(delivered).toEqual(expected);
        },
      ),
      { numRuns: 60 },
    );
  });
});
