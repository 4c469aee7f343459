import { describe, expect, it } from "vitest";
import { ConnectionError } from "../errors/error-classes.js";
import { createPushSource } from "../stream/push-source.js";
import { createStreamWatchdog } from "./stream-watchdog.js";

const heartbeatIntervalMs = 50;
const pause = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

function watched(onStall?: () => void) {
  const watchdog = createStreamWatchdog({
    heartbeatIntervalMs,
    operation: "Test.Stream",
    ...(onStall === undefined ? {} : { onStall }),
  });
  let registered: () => void = () => undefined;
  const headers = new Promise<void>((resolve) => {
    registered = resolve;
  });
  const inner = createPushSource<number>();
  const connection = watchdog.watch({ source: inner, ready: headers });
  return { watchdog, inner, connection, registered };
}

describe("the stream watchdog", () => {
  it("a reader waiting with no frame gets a retryable STREAM_STALLED; headers that never came reject ready", async () => {
    let stalls = 0;
    const { connection } = watched(() => {
      stalls += 1;
    });
    const failure = await Promise.resolve(connection.source.pull()).then(
      () => undefined,
      (error: unknown) => error,
    );
    expect(failure).toBeInstanceOf(ConnectionError);
    expect(failure).toMatchObject({ code: "STREAM_STALLED", retryable: true });
    await expect(connection.ready).rejects.toBe(failure);
    expect(stalls).toBe(1);
    // The failure stays: a later pull reports it too.
    expect(() => connection.source.pull()).toThrow(ConnectionError);
  });

  it("heartbeats keep a quiet stream alive", async () => {
    const { watchdog, inner, connection, registered } = watched();
    registered();
    await connection.ready;
    const pending = connection.source.pull();
    const heartbeats = setInterval(() => watchdog.frame(), heartbeatIntervalMs / 5);
    await pause(heartbeatIntervalMs * 6);
    clearInterval(heartbeats);
    watchdog.frame();
    inner.push(7);
    await expect(Promise.resolve(pending)).resolves.toEqual([7]);
    connection.source.cancel();
  });

  it("a stream whose frames stop after a busy stretch is still declared dead", async () => {
    const { watchdog, connection, registered } = watched();
    registered();
    await connection.ready;
    const pending = Promise.resolve(connection.source.pull()).then(
      () => undefined,
      (error: unknown) => error,
    );
    // Frames for several stall windows (the reader waits throughout), then silence.
    const frames = setInterval(() => watchdog.frame(), heartbeatIntervalMs / 10);
    await pause(heartbeatIntervalMs * 5);
    clearInterval(frames);
    const failure = await pending;
    expect(failure).toBeInstanceOf(ConnectionError);
    expect(failure).toMatchObject({ code: "STREAM_STALLED", retryable: true });
  });

  it("waits that follow each other still stall once frames stop", async () => {
    const { watchdog, inner, connection, registered } = watched();
    registered();
    await connection.ready;
    // Many short waits, each ended by a frame and an event, as on a busy live stream.
    for (let event = 0; event < 20; event++) {
      const pending = connection.source.pull();
      watchdog.frame();
      inner.push(event);
      await expect(Promise.resolve(pending)).resolves.toEqual([event]);
    }
    const failure = await Promise.resolve(connection.source.pull()).then(
      () => undefined,
      (error: unknown) => error,
    );
    expect(failure).toMatchObject({ code: "STREAM_STALLED" });
  });

  it("does not count the silence while the reader is busy elsewhere (no pull pending)", async () => {
    const { watchdog, inner, connection, registered } = watched();
    registered();
    inner.push(1);
    watchdog.frame();
    // The reader takes its batch and then works for many intervals without pulling.
    expect(connection.source.pull()).toEqual([1]);
    await pause(heartbeatIntervalMs * 6);
    inner.push(2);
    expect(connection.source.pull()).toEqual([2]);
    connection.source.cancel();
    expect(connection.source.finished).toBe(true);
  });

  it("after cancel() the watchdog never fires", async () => {
    let stalls = 0;
    const { connection } = watched(() => {
      stalls += 1;
    });
    const pending = connection.source.pull();
    connection.source.cancel();
    await expect(Promise.resolve(pending)).resolves.toBeUndefined();
    await pause(heartbeatIntervalMs * 4);
    expect(stalls).toBe(0);
  });
});
