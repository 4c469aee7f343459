/**
 * One client process of the live benchmark: opens its share of the subscriptions with
 * the client it is told to run (one connection per process, as an application would),
 * timestamps every benchmark event on receipt and reports on request. Started by
 * live-latency.ts with an IPC channel; never run by hand.
 */
import { createGrpcClient } from "@photon-ai/advanced-imessage/grpc";
import { connect, type NatsConnection, StringCodec } from "nats";
import {
  createClient,
  RateLimitError,
  type SubscribedEvent,
  type TypedEventStream,
} from "../src/index.js";
import {
  type LiveSystem,
  type LiveTarget,
  monotonicMs,
  readStamp,
  type SubscriberCommand,
  type SubscriberReport,
} from "./live-bench-messages.js";

function send(report: SubscriberReport): void {
  process.send?.(report);
}

/** Every latency of this process, in ms, growing as needed. */
class LatencyLog {
  private values = new Float64Array(1 << 16);
  length = 0;
  add(value: number): void {
    if (this.length === this.values.length) {
      const grown = new Float64Array(this.values.length * 2);
      grown.set(this.values);
      this.values = grown;
    }
    this.values[this.length++] = value;
  }
  take(): Float64Array {
    const taken = this.values.slice(0, this.length);
    this.length = 0;
    return taken;
  }
}

interface Tally {
  delivered: number;
  misordered: number;
  cuts: number;
  firstError: string | undefined;
}

/** What an open set of subscriptions can do. */
interface OpenSet {
  /** Stops counting what arrives from now on (what trickles in after a collect is not the next round's). */
  readonly state: SetState;
  close(): Promise<void>;
}

const latencies = new LatencyLog();
let cpuAtOpen = process.cpuUsage();
const cpuMicrosSince = (start: NodeJS.CpuUsage) => {
  const used = process.cpuUsage(start);
  return used.user + used.system;
};
const tally: Tally = { delivered: 0, misordered: 0, cuts: 0, firstError: undefined };
let open: OpenSet | undefined;

function noteError(error: unknown): void {
  tally.firstError ??= error instanceof Error ? `${error.name}: ${error.message}` : String(error);
}

/**
 * Counts one received event of a subscription. `order` is what grows strictly along one
 * subscription (the log sequence for Threadline; for NATS, undefined: the publish index,
 * since one publisher's messages keep their order); `last` is the subscription's previous value.
 * Returns the new last. Events of a set that was closed are not counted.
 */
function receive(
  set: SetState,
  text: string | undefined,
  order: number | undefined,
  last: number,
): number {
  const received = monotonicMs();
  if (set.idle || set.closed) return last;
  const stamp = readStamp(text);
  if (stamp === undefined) return last;
  latencies.add(received - stamp.startedMs);
  const position = order ?? stamp.index;
  if (position > last) {
    tally.delivered++;
    return position;
  }
  tally.misordered++;
  return last;
}

/** Whether a set of subscriptions still counts what it receives. */
interface SetState {
  readonly idle: boolean;
  closed: boolean;
}

async function openThreadlineSubscribe(
  target: LiveTarget,
  count: number,
  idle: boolean,
  perClient: number,
): Promise<OpenSet> {
  const set: SetState = { idle, closed: false };
  const clients = Array.from({ length: Math.ceil(count / perClient) }, () =>
    createClient({ address: target.address, token: target.subscriberToken }),
  );
  const head = (await clients[0]?.events.getLogInfo())?.headSequence ?? 0;
  const streams: TypedEventStream<SubscribedEvent>[] = [];
  const live: Promise<void>[] = [];
  const consumed: Promise<void>[] = [];
  for (let index = 0; index < count; index++) {
    const client = clients[Math.floor(index / perClient)];
    if (client === undefined) throw new Error("no client for a subscription");
    let markLive: () => void = () => undefined;
    live.push(new Promise<void>((resolve) => (markLive = resolve)));
    let connections = 0;
    const stream = client.events.subscribe({
      cursor: `v1:${head}`,
      // Reconnects are what a cut looks like from here: the SDK catches up by itself.
      reconnect: { initialDelay: 100, maxDelay: 1000 },
      onState(state) {
        if (state.status === "live") markLive();
        if (state.connections > connections) {
          if (connections > 0) tally.cuts += state.connections - connections;
          connections = state.connections;
        }
      },
    });
    streams.push(stream);
    consumed.push(
      (async () => {
        let last = -1;
        try {
          for await (const event of stream) {
            if (event.type === "message.received")
              last = receive(set, event.message.content.text, event.sequence, last);
          }
        } catch (error) {
          noteError(error);
        }
      })(),
    );
  }
  await Promise.all(live);
  return threadlineSet(set, streams, consumed, clients);
}

/** An open set of our SDK's streams: closing ends the streams, waits for their readers, then closes the clients. */
function threadlineSet(
  set: SetState,
  streams: readonly { close(): Promise<void> }[],
  consumed: readonly Promise<void>[],
  clients: readonly { close(): Promise<void> }[],
): OpenSet {
  return {
    state: set,
    async close() {
      set.closed = true;
      await Promise.all(streams.map((stream) => stream.close()));
      await Promise.all(consumed);
      await Promise.all(clients.map((client) => client.close()));
    },
  };
}

async function openThreadlineLive(
  target: LiveTarget,
  count: number,
  idle: boolean,
  perClient: number,
  clientTokens: readonly string[] | undefined,
): Promise<OpenSet> {
  const set: SetState = { idle, closed: false };
  const clients = Array.from({ length: Math.ceil(count / perClient) }, (_, index) =>
    createClient({
      address: target.address,
      token: clientTokens?.[index] ?? target.subscriberToken,
    }),
  );
  const streams = Array.from({ length: count }, (_, index) => {
    const client = clients[Math.floor(index / perClient)];
    if (client === undefined) throw new Error("no client for a subscription");
    return client.events.live("message");
  });
  const consumed = streams.map(async (stream) => {
    let last = -1;
    try {
      for await (const event of stream) {
        if (event.type === "message.received")
          last = receive(set, event.message.content.text, event.sequence, last);
      }
    } catch (error) {
      if (error instanceof RateLimitError) tally.cuts++;
      noteError(error);
    }
  });
  await Promise.all(streams.map((stream) => stream.ready));
  return threadlineSet(set, streams, consumed, clients);
}

async function openPublishedLive(
  target: LiveTarget,
  count: number,
  idle: boolean,
): Promise<OpenSet> {
  const set: SetState = { idle, closed: false };
  const client = createGrpcClient({
    address: target.address,
    token: target.subscriberToken,
    tls: false,
  });
  const streams = Array.from({ length: count }, () => client.messages.subscribeEvents());
  const consumed = streams.map(async (stream) => {
    let last = -1;
    try {
      for await (const event of stream) {
        if (event.type === "message.received")
          last = receive(set, event.message.content.text, event.sequence, last);
      }
    } catch (error) {
      if (error instanceof Error && /exhausted|too.slow/i.test(error.message)) tally.cuts++;
      noteError(error);
    }
  });
  // The published client has no "registered" signal; give the server time to register.
  await new Promise((resolve) => setTimeout(resolve, 1000 + count * 2));
  return {
    state: set,
    async close() {
      set.closed = true;
      for (const stream of streams) stream.close();
      await Promise.race([
        Promise.all(consumed),
        new Promise((resolve) => setTimeout(resolve, 2000)),
      ]);
      client.close();
    },
  };
}

async function openNats(
  target: LiveTarget,
  subject: string,
  count: number,
  idle: boolean,
): Promise<OpenSet> {
  const set: SetState = { idle, closed: false };
  const connection: NatsConnection = await connect({ servers: target.natsServer });
  const codec = StringCodec();
  const subscriptions = Array.from({ length: count }, () => connection.subscribe(subject));
  const consumed = subscriptions.map(async (subscription) => {
    let last = -1;
    for await (const message of subscription)
      last = receive(set, codec.decode(message.data), undefined, last);
  });
  // A flush round trip means the server has processed every SUB before it.
  await connection.flush();
  return {
    state: set,
    async close() {
      set.closed = true;
      for (const subscription of subscriptions) subscription.unsubscribe();
      await Promise.all(consumed);
      await connection.close();
    },
  };
}

function openSet(command: Extract<SubscriberCommand, { type: "open" }>): Promise<OpenSet> {
  const { target, subscriptions, idle } = command;
  const system: LiveSystem = command.system;
  switch (system) {
    case "threadline-subscribe":
      return openThreadlineSubscribe(
        target,
        subscriptions,
        idle,
        command.perClient ?? Math.max(1, subscriptions),
      );
    case "threadline-live":
      return openThreadlineLive(
        target,
        subscriptions,
        idle,
        command.perClient ?? Math.max(1, subscriptions),
        command.clientTokens,
      );
    case "published-live":
      return openPublishedLive(target, subscriptions, idle);
    case "nats":
      return openNats(target, command.subject, subscriptions, idle);
  }
}

async function handle(command: SubscriberCommand): Promise<void> {
  switch (command.type) {
    case "open":
      open = await openSet(command);
      cpuAtOpen = process.cpuUsage();
      send({ type: "opened", subscriptions: command.subscriptions });
      return;
    case "progress":
      send({ type: "progress", delivered: tally.delivered, cuts: tally.cuts });
      return;
    case "collect":
      if (open !== undefined) open.state.closed = true;
      send({
        type: "collected",
        latencies: latencies.take(),
        delivered: tally.delivered,
        misordered: tally.misordered,
        cuts: tally.cuts,
        firstError: tally.firstError,
        cpuMicros: cpuMicrosSince(cpuAtOpen),
      });
      tally.delivered = 0;
      tally.misordered = 0;
      tally.cuts = 0;
      tally.firstError = undefined;
      return;
    case "close":
      await open?.close();
      open = undefined;
      send({ type: "closed" });
      return;
    case "exit":
      await open?.close();
      process.exit(0);
  }
}

// Commands run one at a time, in the order they arrive.
let queue = Promise.resolve();
process.on("message", (command: SubscriberCommand) => {
  queue = queue
    .then(() => handle(command))
    .catch((error: unknown) =>
      send({
        type: "failed",
        error: error instanceof Error ? (error.stack ?? error.message) : String(error),
      }),
    );
});
process.on("disconnect", () => process.exit(0));
