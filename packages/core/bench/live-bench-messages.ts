/**
 * What the live benchmark's processes tell each other over their IPC channels, and the
 * one clock they share. The writer stamps every message with {@link monotonicMs} right
 * before it starts the write; a subscriber subtracts that stamp from its own reading on
 * receipt. `process.hrtime` reads CLOCK_MONOTONIC, which on Linux is one clock for every
 * process of the host, so the difference is the latency across processes.
 */

/** Which client a subscriber process runs. */
export type LiveSystem =
  /** `@threadline/core` `events.subscribe()` (the `threadline.v1` SubscribeEvents stream). */
  | "threadline-subscribe"
  /** `@threadline/core` `events.live("message")` (the published SubscribeMessageEvents). */
  | "threadline-live"
  /** The published `@photon-ai/advanced-imessage` client, `messages.subscribeEvents()`. */
  | "published-live"
  /** NATS core publish -> subscribe on 127.0.0.1:4222, the `nats` npm client. */
  | "nats";

export const liveSystems: readonly LiveSystem[] = [
  "threadline-subscribe",
  "threadline-live",
  "published-live",
  "nats",
];

/** Milliseconds on the host's monotonic clock, comparable between processes. */
export function monotonicMs(): number {
  const [seconds, nanoseconds] = process.hrtime();
  return seconds * 1000 + nanoseconds / 1e6;
}

/** The text of one benchmark message: its index and the moment its write started. */
export function stampText(index: number, startedMs: number): string {
  return `live-bench ${index} ${startedMs.toFixed(4)}`;
}

/** Reads {@link stampText} back; undefined for any other text. */
export function readStamp(
  text: string | undefined,
): { index: number; startedMs: number } | undefined {
  if (text === undefined || !text.startsWith("live-bench ")) return undefined;
  const space = text.indexOf(" ", 11);
  if (space < 0) return undefined;
  const index = Number(text.slice(11, space));
  const startedMs = Number(text.slice(space + 1));
  if (!Number.isSafeInteger(index) || !Number.isFinite(startedMs)) return undefined;
  return { index, startedMs };
}

/** Where the subscribers and the writer connect. */
export interface LiveTarget {
  /** Threadline server `host:port`. */
  readonly address: string;
  /** Token of the account the subscribers read (the recipient of the writer's messages). */
  readonly subscriberToken: string;
  /** Token of the writing account. */
  readonly writerToken: string;
  /** The writer's chat with the recipient. */
  readonly chatGuid: string;
  /** NATS server, `host:port`. */
  readonly natsServer: string;
}

/** Orchestrator -> subscriber process. */
export type SubscriberCommand =
  | {
      readonly type: "open";
      readonly system: LiveSystem;
      readonly target: LiveTarget;
      readonly subscriptions: number;
      /** NATS subject of this run. */
      readonly subject: string;
      /** True to count nothing (idle subscribers for the memory figure). */
      readonly idle: boolean;
      /** Subscriptions per client (connection); all on one when undefined. */
      readonly perClient?: number;
      /** A token per client, when the clients read different accounts (the server caps live streams per account). */
      readonly clientTokens?: readonly string[];
    }
  | { readonly type: "progress" }
  | { readonly type: "collect" }
  | { readonly type: "close" }
  | { readonly type: "exit" };

/** Subscriber process -> orchestrator. */
export type SubscriberReport =
  | { readonly type: "opened"; readonly subscriptions: number }
  | { readonly type: "progress"; readonly delivered: number; readonly cuts: number }
  | {
      readonly type: "collected";
      /** Latency of every event received, in ms. */
      readonly latencies: Float64Array;
      /** Distinct benchmark events received, summed over subscriptions. */
      readonly delivered: number;
      /** Events received twice or out of order, summed over subscriptions. */
      readonly misordered: number;
      /** Subscriptions the server cut (a reconnect, or a live stream that ended with an error). */
      readonly cuts: number;
      /** The first error text seen, if any. */
      readonly firstError: string | undefined;
      /** CPU time this process used (user + system) since its subscriptions were open, in µs. */
      readonly cpuMicros: number;
    }
  | { readonly type: "closed" }
  | { readonly type: "failed"; readonly error: string };

/** Orchestrator -> writer process. */
export type WriterCommand =
  | {
      readonly type: "write";
      readonly system: LiveSystem;
      readonly target: LiveTarget;
      readonly subject: string;
      readonly eventsPerSecond: number;
      readonly durationMs: number;
      /** First message index of this run (indexes keep growing across runs). */
      readonly firstIndex: number;
    }
  | { readonly type: "exit" };

/** Writer process -> orchestrator. */
export type WriterReport =
  | {
      readonly type: "written";
      /** Writes acknowledged (for NATS: published). */
      readonly acknowledged: number;
      readonly failed: number;
      /** Write acknowledgement latency, p50 and p99 in ms (0 for NATS). */
      readonly ackP50Ms: number;
      readonly ackP99Ms: number;
      readonly firstError: string | undefined;
    }
  | { readonly type: "failed"; readonly error: string };
