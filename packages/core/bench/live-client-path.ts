/**
 * The client's share of live delivery, without the network or the server's pace: real
 * `SubscribeEvents` frames (message events captured once from a server, re-sequenced,
 * one event per frame as live delivery sends them when nothing is waiting) replayed
 * through `events.subscribe()`'s own source (decode, mapping, ordering, cursors,
 * watchdog) and read with `for await`, as an application reads them.
 * Reports events per second and the client's CPU time per event.
 */
import { Client, credentials, Metadata } from "@grpc/grpc-js";
import {
  ChatServiceDefinition,
  EventLogServiceDefinition,
  MessageServiceDefinition,
  threadline,
} from "@threadline/protocol";
import { startTestServer } from "@threadline/server/testing";
import { capability, type ServerCapabilities } from "../src/client/server-capabilities.js";
import { createSubscribeSource } from "../src/events/subscribe.js";
import { createClient, type SubscribedEvent, TypedEventStream } from "../src/index.js";
import { createPushSource } from "../src/stream/push-source.js";
import type { SourceCallOptions, Transport } from "../src/transport/grpc-transport.js";

type BatchElement = NonNullable<threadline.v1.IEventBatch["events"]>[number];

/** `count` real message.received events of one account's log, as the server encodes them. */
export async function captureMessageEvents(count: number): Promise<BatchElement[]> {
  const server = await startTestServer();
  try {
    const writer = await server.accounts.create(["writer@example.com"]);
    const reader = await server.accounts.create(["reader@example.com"]);
    const client = createClient({ address: server.address, token: writer.token });
    try {
      const created = await client.context.unary(ChatServiceDefinition.createChat, {
        addresses: ["reader@example.com"],
      });
      const chatGuid = created.chat?.guid ?? "";
      for (let index = 0; index < count; index++) {
        await client.context.unary(MessageServiceDefinition.sendTextMessage, {
          chatGuid,
          text: `live-bench ${index} ${(1e6 + index).toFixed(4)}`,
        });
      }
    } finally {
      await client.close();
    }
    const raw = new Client(server.address, credentials.createInsecure());
    const metadata = new Metadata();
    metadata.set("authorization", `Bearer ${reader.token}`);
    try {
      return await new Promise<BatchElement[]>((resolve, reject) => {
        const events: BatchElement[] = [];
        const call = raw.makeServerStreamRequest(
          EventLogServiceDefinition.subscribeEvents.path,
          (value: Buffer) => value,
          (bytes: Buffer) => bytes,
          Buffer.alloc(0),
          metadata,
          {},
        );
        call.on("data", (bytes: Buffer) => {
          const frame = threadline.v1.SubscribeEventsResponse.decode(bytes);
          for (const event of frame.batch?.events ?? []) events.push(event);
          if (frame.live !== null && frame.live !== undefined) {
            call.cancel();
            resolve(events);
          }
        });
        call.on("error", (error: { code?: number }) => {
          if (error.code !== 1) reject(error);
        });
      });
    } finally {
      raw.close();
    }
  } finally {
    await server.close();
  }
}

/** `count` live frames cycling through `events`, with sequences 1..count, `perFrame` events each. */
export function liveFrames(events: readonly BatchElement[], count: number, perFrame = 1): Buffer[] {
  const frames: Buffer[] = [];
  for (let start = 0; start < count; start += perFrame) {
    const batch: BatchElement[] = [];
    for (let index = start; index < Math.min(count, start + perFrame); index++) {
      const event = events[index % events.length];
      batch.push({ ...event, sequence: index + 1 });
    }
    frames.push(
      Buffer.from(
        threadline.v1.SubscribeEventsResponse.encode({ batch: { events: batch } }).finish(),
      ),
    );
  }
  return frames;
}

const liveMarker = Buffer.from(
  threadline.v1.SubscribeEventsResponse.encode({ live: { headSequence: 0 } }).finish(),
);

const capabilities: ServerCapabilities = {
  serverName: "bench",
  serverVersion: "0",
  capabilities: new Set([capability.subscribeEvents]),
  heartbeatIntervalMs: 15_000,
  maxBatchSize: 256,
};

/**
 * A transport whose one stream replays `frames` after the live marker, `framesPerTick`
 * per macrotask (what a busy connection hands over between two reads of the consumer).
 */
function replayTransport(frames: readonly Buffer[], framesPerTick: number): Transport {
  const unsupported = () => {
    throw new Error("not part of the replay");
  };
  return {
    unary: unsupported,
    stream: unsupported,
    resetStreamChannel: () => undefined,
    register: () => () => undefined,
    closed: false,
    close: async () => undefined,
    openSource<RequestProperties, Event>(
      _method: unknown,
      _request: RequestProperties,
      expand: (bytes: Buffer, emit: (event: Event) => void) => void,
      options: SourceCallOptions,
    ) {
      let cancelled = false;
      const source = createPushSource<Event>({
        ...(options.highWaterMark === undefined ? {} : { highWaterMark: options.highWaterMark }),
        cancel: () => {
          cancelled = true;
        },
      });
      const emit = (event: Event) => source.push(event);
      let next = 0;
      const feed = () => {
        if (cancelled) return;
        if (next === 0) {
          options.onFrame?.();
          expand(liveMarker, emit);
        }
        const end = Math.min(frames.length, next + framesPerTick);
        for (; next < end; next++) {
          options.onFrame?.();
          expand(frames[next] as Buffer, emit);
        }
        if (next < frames.length) setImmediate(feed);
      };
      setImmediate(feed);
      return { source, ready: Promise.resolve() };
    },
  };
}

/** Reads `frames` through subscribe(); resolves the client CPU microseconds per event. */
export async function measureClientPath(
  frames: readonly Buffer[],
  events: number,
  framesPerTick = 16,
): Promise<{ eventsPerSecond: number; cpuMicrosPerEvent: number }> {
  const stream = new TypedEventStream<SubscribedEvent>(
    createSubscribeSource(
      { transport: replayTransport(frames, framesPerTick), capabilities: async () => capabilities },
      { cursor: "v1:0" },
    ),
  );
  const cpu = process.cpuUsage();
  const started = performance.now();
  let received = 0;
  let characters = 0;
  for await (const event of stream) {
    if (event.type === "message.received") characters += event.message.content.text?.length ?? 0;
    if (++received === events) break;
  }
  const seconds = (performance.now() - started) / 1000;
  const used = process.cpuUsage(cpu);
  if (received !== events || characters === 0)
    throw new Error(`read ${received} of ${events} events`);
  return {
    eventsPerSecond: events / seconds,
    cpuMicrosPerEvent: (used.user + used.system) / events,
  };
}
