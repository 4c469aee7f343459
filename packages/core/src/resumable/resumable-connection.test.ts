import fc from "fast-check";
import { describe, expect, it } from "vitest";
import {
  AuthenticationError,
  ConnectionError,
  CursorAheadOfHeadError,
  SequenceNotRetainedError,
  ServerError,
  ValidationError,
} from "../errors/error-classes.js";
import type { ThreadlineError } from "../errors/threadline-error.js";
import { createBackoffPolicy } from "../reconnect/backoff-policy.js";
import { createPushSource, type PushSource } from "../stream/push-source.js";
import { canHeal } from "./failure-classification.js";
import { createResumableConnection, type ResumableStream } from "./resumable-connection.js";

type Frame = { readonly sequence: number } | { readonly head: number };

interface Opened {
  readonly cursor: number | undefined;
  readonly live: PushSource<Frame>;
  readonly catchUp: PushSource<Frame>;
  readonly registered: () => void;
}

function stream(source: PushSource<Frame>, ready: Promise<void>): ResumableStream<Frame> {
  return { events: source, ready, close: () => source.cancel() };
}

/** An engine over in-memory streams; each connection's streams are handed to the test. */
function harness(options: { maxAttempts?: number; deliver?: (frame: Frame) => void } = {}) {
  const delivered: number[] = [];
  const connections: Opened[] = [];
  const waiters: ((opened: Opened) => void)[] = [];
  const reconnects: number[] = [];
  let cursor: number | undefined;
  const engine = createResumableConnection<Frame>({
    operation: "test",
    policy: createBackoffPolicy({
      initialDelay: 1,
      maxDelay: 2,
      maxAttempts: options.maxAttempts ?? 5,
    }),
    cursor: () => cursor,
    connect(from) {
      const live = createPushSource<Frame>();
      const catchUp = createPushSource<Frame>();
      let registered: () => void = () => undefined;
      const ready = new Promise<void>((resolve) => {
        registered = resolve;
      });
      const opened = { cursor: from, live, catchUp, registered };
      connections.push(opened);
      for (const wake of waiters.splice(0)) wake(opened);
      return {
        live: [stream(live, ready)],
        catchUp: () => stream(catchUp, Promise.resolve()),
      };
    },
    sequenceOf: (frame) => ("sequence" in frame ? frame.sequence : undefined),
    caughtUpHead: (frame) => ("head" in frame ? frame.head : undefined),
    deliver(frame) {
      options.deliver?.(frame);
      if ("sequence" in frame) {
        delivered.push(frame.sequence);
        cursor = frame.sequence;
      }
    },
    onReconnect: (attempt) => {
      reconnects.push(attempt);
      throw new Error("a throwing observer is ignored");
    },
  });
  const nextConnection = (count: number) =>
    connections.length >= count
      ? Promise.resolve(connections[count - 1] as Opened)
      : new Promise<Opened>((resolve) => {
          waiters.push(function wait() {
            if (connections.length >= count) resolve(connections[count - 1] as Opened);
            else waiters.push(wait);
          });
        });
  return { engine, delivered, connections, reconnects, nextConnection };
}

const settle = () => new Promise((resolve) => setTimeout(resolve, 5));

describe("the resumable-connection engine", () => {
  it("catches up only after every live stream registered, then hands off without gaps or duplicates", async () => {
    const { engine, delivered, nextConnection } = harness();
    engine.start();
    const first = await nextConnection(1);
    first.live.push({ sequence: 3 });
    await settle();
    // Not registered yet: no catch-up has been asked for, nothing delivered.
    expect(delivered).toEqual([]);
    first.registered();
    await settle();
    first.catchUp.push({ sequence: 1 });
    first.catchUp.push({ sequence: 2 });
    first.catchUp.push({ sequence: 3 });
    first.live.push({ sequence: 4 });
    first.catchUp.push({ head: 3 });
    await settle();
    first.live.push({ sequence: 5 });
    await settle();
    expect(delivered).toEqual([1, 2, 3, 4, 5]);
    expect(engine.stats()).toMatchObject({ status: "live", duplicatesDropped: 1, headSequence: 5 });
    engine.stop();
    await engine.done;
    expect(engine.stats().status).toBe("stopped");
  });

  it("a failure that heals reconnects from the consumer's cursor; a throwing onReconnect is ignored", async () => {
    const { engine, delivered, nextConnection, reconnects } = harness();
    engine.start();
    const first = await nextConnection(1);
    first.registered();
    await settle();
    first.catchUp.push({ sequence: 1 });
    first.catchUp.push({ head: 1 });
    await settle();
    first.live.fail(new ConnectionError("lost", { retryable: true }));
    const second = await nextConnection(2);
    expect(second.cursor).toBe(1);
    second.registered();
    await settle();
    second.catchUp.push({ sequence: 1 });
    second.catchUp.push({ sequence: 2 });
    second.catchUp.push({ head: 2 });
    await settle();
    expect(delivered).toEqual([1, 2]);
    expect(reconnects).toEqual([1]);
    expect(engine.stats()).toMatchObject({ connections: 2, reconnects: 1 });
    engine.stop();
    await engine.done;
  });

  it("a live stream that ends is a lost connection, not the end", async () => {
    const { engine, nextConnection } = harness();
    engine.start();
    const first = await nextConnection(1);
    first.registered();
    await settle();
    first.live.end();
    const second = await nextConnection(2);
    expect(second).toBeDefined();
    engine.stop();
    await engine.done;
  });

  it.each([
    ["authentication", new AuthenticationError("bad token")],
    ["validation", new ValidationError("bad request")],
    ["cursor ahead of the head", new CursorAheadOfHeadError("ahead", { cursor: 9, head: 2 })],
    ["sequence not retained", new SequenceNotRetainedError("gone")],
  ])(
    "a failure that cannot heal (%s) stops the engine with it, without reconnecting",
    async (_name, error) => {
      const { engine, nextConnection, connections } = harness();
      engine.start();
      const first = await nextConnection(1);
      first.registered();
      await settle();
      first.catchUp.fail(error);
      await expect(engine.done).rejects.toBe(error);
      expect(connections).toHaveLength(1);
      expect(engine.stats().status).toBe("failed");
    },
  );

  it("gives up with the last failure once maxAttempts is spent", async () => {
    const { engine, nextConnection } = harness({ maxAttempts: 2 });
    engine.start();
    for (let count = 1; count <= 3; count++) {
      const opened = await nextConnection(count);
      opened.live.fail(new ConnectionError(`lost ${count}`, { retryable: true }));
    }
    await expect(engine.done).rejects.toThrow("lost 3");
  });

  it("refill() opens the next connection at once without spending an attempt", async () => {
    const { engine, nextConnection, reconnects } = harness({ maxAttempts: 0 });
    engine.start();
    const first = await nextConnection(1);
    first.registered();
    await settle();
    engine.refill("hole");
    const second = await nextConnection(2);
    expect(second).toBeDefined();
    expect(reconnects).toEqual([]);
    engine.stop();
    await engine.done;
  });

  it("a consumer that throws stops the engine with its error (it is not a connection failure)", async () => {
    const boom = new Error("handler broke");
    const { engine, nextConnection, connections } = harness({
      deliver: () => {
        throw boom;
      },
    });
    engine.start();
    const first = await nextConnection(1);
    first.registered();
    await settle();
    first.catchUp.push({ sequence: 1 });
    await expect(engine.done).rejects.toBe(boom);
    expect(connections).toHaveLength(1);
  });
});

describe("the one classification of failures", () => {
  it("heals lost, stalled and internal failures and nothing that repeats on retry", () => {
    const heals: ThreadlineError[] = [
      new ConnectionError("lost"),
      new ConnectionError("stalled", { code: "STREAM_STALLED", retryable: true }),
      new ServerError("internal"),
    ];
    for (const error of heals) expect(canHeal(error)).toBe(true);
    fc.assert(
      fc.property(fc.string(), (message) => {
        expect(canHeal(new CursorAheadOfHeadError(message))).toBe(false);
        expect(canHeal(new AuthenticationError(message))).toBe(false);
        expect(canHeal(new ValidationError(message))).toBe(false);
      }),
      { numRuns: 50 },
    );
  });
});
