import { defaultHeartbeatIntervalMs } from "../client/server-capabilities.js";
import { ConnectionError } from "../errors/error-classes.js";
import type { PushSource } from "../stream/push-source.js";

/** An open stream as the watchdog sees it: its events and the promise of its headers. */
export interface WatchedConnection<Event> {
  readonly source: PushSource<Event>;
  readonly ready: Promise<void>;
}

/** Options of {@link createStreamWatchdog}. */
export interface StreamWatchdogOptions {
  /**
   * The server's heartbeat interval in ms (or a promise of it, e.g. from GetServerInfo).
   * A stream whose reader waits twice this long without a frame is dead.
   */
  readonly heartbeatIntervalMs: number | Promise<number>;
  /** Names the call in the error, e.g. `"MessageService.SubscribeMessageEvents"`. */
  readonly operation: string;
  /** Called once when the stream is declared dead (e.g. to move to a fresh connection). */
  readonly onStall?: () => void;
}

/** The watchdog of one stream: feed it every frame, then let it watch the stream. */
export interface StreamWatchdog {
  /** Call on every frame the stream receives, heartbeats included. */
  frame(): void;
  /**
   * Wraps the stream: while its reader waits for events and no frame arrives within
   * twice the heartbeat interval, the stream fails with a retryable `ConnectionError`
   * (code `STREAM_STALLED`), its call is cancelled, and `ready` rejects if the headers
   * had not arrived. While the reader is busy elsewhere the call is paused on purpose,
   * so that silence does not count.
   */
  watch<Event>(connection: WatchedConnection<Event>): WatchedConnection<Event>;
}

/**
 * Creates the watchdog of one long-lived stream. gRPC keepalive notices a half-open
 * TCP connection only after its own (long, user-configurable) timeouts; the server's
 * heartbeats let a reader notice within two intervals instead.
 */
export function createStreamWatchdog(options: StreamWatchdogOptions): StreamWatchdog {
  let stallAfterMs: number | undefined;
  let timer: NodeJS.Timeout | undefined;
  let waiting = false;
  let over = false;
  // When the current quiet stretch began: the last frame, or the start of the wait.
  let quietSince = 0;
  let onDead: (error: ConnectionError) => void = () => undefined;

  // Frames and pulls only move `quietSince`; the one timer checks it when it fires and
  // sleeps again for what is left. Re-arming a timer per frame cost more than decoding
  // the frame on a busy live stream.
  const check = () => {
    timer = undefined;
    if (over || !waiting || stallAfterMs === undefined) return;
    const after = stallAfterMs;
    const quietFor = performance.now() - quietSince;
    if (quietFor < after) {
      schedule(after - quietFor);
      return;
    }
    over = true;
    onDead(
      new ConnectionError(
        `${options.operation}: no frame for ${after} ms (twice the server's heartbeat interval of ${after / 2} ms); the connection is treated as dead`,
        { code: "STREAM_STALLED", retryable: true, context: { operation: options.operation } },
      ),
    );
  };
  const schedule = (delayMs: number) => {
    timer = setTimeout(check, delayMs);
    timer.unref?.();
  };
  // The reader starts waiting: the quiet stretch starts now.
  const arm = () => {
    quietSince = performance.now();
    if (timer !== undefined || over || !waiting || stallAfterMs === undefined) return;
    schedule(stallAfterMs);
  };

  Promise.resolve(options.heartbeatIntervalMs).then(
    (interval) => {
      stallAfterMs = 2 * interval;
      arm();
    },
    () => undefined,
  );

  return {
    frame() {
      quietSince = performance.now();
    },
    watch<Event>(connection: WatchedConnection<Event>): WatchedConnection<Event> {
      const inner = connection.source;
      let headersArrived = false;
      let rejectReady: (error: unknown) => void = () => undefined;
      const ready = new Promise<void>((resolve, reject) => {
        rejectReady = reject;
        connection.ready.then(
          () => {
            headersArrived = true;
            resolve();
          },
          (error: unknown) => {
            headersArrived = true;
            reject(error);
          },
        );
      });
      ready.catch(() => undefined);
      const stop = () => {
        over = true;
        waiting = false;
        clearTimeout(timer);
        timer = undefined;
      };
      onDead = (error) => {
        waiting = false;
        if (!headersArrived) rejectReady(error);
        inner.fail(error);
        inner.cancel();
        options.onStall?.();
      };
      const settled = <T>(value: T): T => {
        waiting = false;
        arm();
        if (inner.finished) stop();
        return value;
      };
      const source: PushSource<Event> = {
        settlesOnCancel: true,
        get finished() {
          return inner.finished;
        },
        get buffered() {
          return inner.buffered;
        },
        push: (event) => inner.push(event),
        end: () => inner.end(),
        fail: (error) => inner.fail(error),
        drained: () => inner.drained(),
        pull() {
          const batch = inner.pull();
          if (!(batch instanceof Promise)) {
            if (batch === undefined) stop();
            return batch;
          }
          waiting = true;
          arm();
          return batch.then(settled, (error: unknown) => {
            settled(undefined);
            stop();
            throw error;
          });
        },
        cancel() {
          stop();
          return inner.cancel();
        },
      };
      return { source, ready };
    },
  };
}

/**
 * A watchdog for a stream of `transport`, fed with the server's heartbeat interval
 * (`capabilities`); a stall moves new streams to a fresh connection, since the
 * silent one may sit on a half-open TCP connection that grpc-js believes healthy.
 *
 * @internal not covered by semver
 */
export function createTransportWatchdog(
  transport: { resetStreamChannel(): void },
  capabilities: () => Promise<{ readonly heartbeatIntervalMs: number }>,
  operation: string,
): StreamWatchdog {
  return createStreamWatchdog({
    heartbeatIntervalMs: capabilities().then(
      (server) => server.heartbeatIntervalMs,
      () => defaultHeartbeatIntervalMs,
    ),
    operation,
    onStall: () => transport.resetStreamChannel(),
  });
}
