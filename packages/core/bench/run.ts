/**
 * `pnpm --filter @threadline/core bench` (add `-- --full` for longer runs, `-- --catch-up`
 * for the catch-up rows alone, `-- --streams` for the stream rows alone, `-- --live` for
 * the live delivery tables alone).
 *
 * 1. TypedEventStream, plain, filter->map and two concurrent branches, side by side with a
 *    bare async generator and the published client's TypedEventStream, all in this process.
 * 2. Catch-up into the client from a server in a separate process: the batched RPC vs
 *    the standard one.
 * 3. Live delivery across processes beside NATS core, and 10,000 idle subscribers
 *    (live-latency.ts; its THREADLINE_BENCH_* settings are listed there).
 *
 * Every figure is the median of repeated runs after one warm-up run, in events per
 * second; the catch-up rows also list every run, since a shared machine makes them noisy.
 */
import { TypedEventStream as PublishedStream } from "@photon-ai/advanced-imessage";
import { threadline } from "@threadline/protocol";
import { startSeededServerProcess } from "@threadline/server/testing";
import { createClient, type EventSource, eventFromFrame, TypedEventStream } from "../src/index.js";
import { liveBenchConfigFromEnvironment, runLiveBenchmarks } from "./live-latency.js";

const full = process.argv.includes("--full");
const catchUpOnly = process.argv.includes("--catch-up");
const streamsOnly = process.argv.includes("--streams");
const liveOnly = process.argv.includes("--live");
const streamEvents = full ? 2_000_000 : 400_000;
const streamRepeats = full ? 9 : 5;
// A catch-up run over the network should last long enough (about a second) that
// scheduling noise from the other process does not decide the median.
const catchUpEvents = full ? 400_000 : 100_000;
const catchUpRepeats = full ? 7 : 5;

interface BenchEvent {
  readonly type: "message.received" | "chat.markedRead";
  readonly sequence: number;
}

const template: BenchEvent[] = Array.from({ length: 1024 }, (_, index) => ({
  type: index % 4 === 0 ? "chat.markedRead" : "message.received",
  sequence: index + 1,
}));

async function* generator(count: number): AsyncGenerator<BenchEvent> {
  for (let index = 0; index < count; index++) yield template[index & 1023] as BenchEvent;
}

// What the gRPC transport hands a stream: whatever frames arrived since the last pull.
// 64 events per pull is conservative next to a batched catch-up frame.
function batchedSource(count: number, batchSize = 64): EventSource<BenchEvent> {
  let delivered = 0;
  return {
    pull() {
      if (delivered >= count) return undefined;
      const size = Math.min(batchSize, count - delivered);
      const start = delivered & 1023;
      const batch =
        start + size <= 1024
          ? template.slice(start, start + size)
          : Array.from(
              { length: size },
              (_, index) => template[(delivered + index) & 1023] as BenchEvent,
            );
      delivered += size;
      return Promise.resolve(batch);
    },
    cancel() {
      delivered = count;
    },
  };
}

const keep = (event: BenchEvent) => event.type === "message.received";
const project = (event: BenchEvent) => event.sequence;

async function drain(iterable: AsyncIterable<unknown>): Promise<number> {
  let count = 0;
  for await (const _event of iterable) count++;
  return count;
}

function median(values: number[]): number {
  const sorted = [...values].sort((left, right) => left - right);
  return sorted[Math.floor(sorted.length / 2)] ?? Number.NaN;
}

/** Every run's rate in events per second, after one warm-up run. */
async function measureRuns(
  events: number,
  repeats: number,
  run: () => Promise<number>,
): Promise<number[]> {
  await run(); // warm-up
  const rates: number[] = [];
  for (let repeat = 0; repeat < repeats; repeat++) {
    const started = performance.now();
    const counted = await run();
    const seconds = (performance.now() - started) / 1000;
    if (counted <= 0) throw new Error("benchmark consumed nothing");
    rates.push(events / seconds);
  }
  return rates;
}

async function measure(
  events: number,
  repeats: number,
  run: () => Promise<number>,
): Promise<number> {
  return median(await measureRuns(events, repeats, run));
}

const rows: {
  name: string;
  rate: number;
  target?: number;
  note?: string;
  runs?: readonly number[];
}[] = [];
const show = (rate: number) =>
  rate >= 1e6 ? `${(rate / 1e6).toFixed(2)} M/s` : `${Math.round(rate / 1000)} k/s`;

async function streamBenchmarks(): Promise<void> {
  const n = streamEvents;
  rows.push({
    name: "raw async generator, plain",
    rate: await measure(n, streamRepeats, () => drain(generator(n))),
  });
  rows.push({
    name: "raw async generator, filter->map (hand-written)",
    rate: await measure(n, streamRepeats, async () => {
      let count = 0;
      for await (const event of generator(n)) if (keep(event)) count += project(event) > 0 ? 1 : 1;
      return count;
    }),
  });
  rows.push({
    name: "TypedEventStream (batched source), plain",
    rate: await measure(n, streamRepeats, () => drain(new TypedEventStream(batchedSource(n)))),
    target: 1.5e6,
  });
  rows.push({
    name: "TypedEventStream (batched source), filter->map",
    rate: await measure(n, streamRepeats, () =>
      drain(new TypedEventStream(batchedSource(n)).filter(keep).map(project)),
    ),
    target: 1.2e6,
  });
  rows.push({
    name: "TypedEventStream (batched source), .on plain",
    rate: await measure(
      n,
      streamRepeats,
      () =>
        new Promise<number>((resolve, reject) => {
          let count = 0;
          const stream = new TypedEventStream(batchedSource(n), () => resolve(count));
          stream.on(() => {
            count++;
          }, reject);
        }),
    ),
  });
  // Two branches of one stream read concurrently: each sees every event of the source,
  // so the rate of each branch is the source's events over the time both take.
  rows.push({
    name: "TypedEventStream (batched source), two branches (filter | filter->map), per branch",
    rate: await measure(n, streamRepeats, async () => {
      const stream = new TypedEventStream(batchedSource(n));
      const [kept, projected] = await Promise.all([
        drain(stream.filter(keep)),
        drain(stream.filter(keep).map(project)),
      ]);
      return Math.min(kept, projected);
    }),
    target: 1e6,
    note: "the parent moves at the pace of the slower branch",
  });
  rows.push({
    name: "TypedEventStream (async generator source), plain",
    rate: await measure(n, streamRepeats, () => drain(new TypedEventStream(generator(n)))),
    note: "one event per promise upstream",
  });
  rows.push({
    name: "TypedEventStream (async generator source), filter->map",
    rate: await measure(n, streamRepeats, () =>
      drain(new TypedEventStream(generator(n)).filter(keep).map(project)),
    ),
    note: "one event per promise upstream",
  });
  rows.push({
    name: "published TypedEventStream (async generator), plain",
    rate: await measure(n, streamRepeats, () => drain(new PublishedStream(generator(n)))),
  });
  rows.push({
    name: "published TypedEventStream (async generator), filter->map",
    rate: await measure(n, streamRepeats, () =>
      drain(new PublishedStream(generator(n)).filter(keep).map(project)),
    ),
  });
}

// The client's share of a batched catch-up, without the network or the server: decode
// EventBatch frames of 256 message events and map each to a domain event.
function clientDecodeBenchmark(): Promise<number[]> {
  const seconds = Math.floor(Date.now() / 1000);
  const events = Array.from({ length: 256 }, (_, index) => ({
    sequence: index + 1,
    messageChanged: {
      chatGuid: "any;-;friend@example.com",
      occurredAt: { seconds, nanos: 0 },
      actor: { address: "friend@example.com", service: 1 },
      messageReceived: {
        message: {
          guid: `bench-${index}`,
          content: { text: `benchmark message number ${index}` },
          dateCreated: { seconds, nanos: 0 },
          sender: { address: "friend@example.com", service: 1 },
          chatGuids: ["any;-;friend@example.com"],
        },
      },
    },
  }));
  const frame = threadline.v1.CatchUpEventBatchesResponse.encode({ batch: { events } }).finish();
  const frames = Math.ceil(catchUpEvents / 256);
  return measureRuns(frames * 256, catchUpRepeats, async () => {
    let count = 0;
    for (let index = 0; index < frames; index++) {
      const decoded = threadline.v1.CatchUpEventBatchesResponse.decode(frame);
      for (const element of decoded.batch?.events ?? [])
        if (eventFromFrame(element) !== undefined) count++;
    }
    return count;
  });
}

async function catchUpBenchmarks(): Promise<void> {
  const clientRuns = await clientDecodeBenchmark();
  rows.push({
    name: "catch-up frames decoded + mapped, client side only (no network)",
    rate: median(clientRuns),
    note: "the client's share of the batched path",
    runs: clientRuns,
  });
  const server = await startSeededServerProcess(catchUpEvents);
  try {
    const batched = createClient({ address: server.address, token: server.token });
    const standard = createClient({
      address: server.address,
      token: server.token,
      useExtensions: false,
    });
    const capabilities = await batched.context.serverCapabilities();
    const run = (client: typeof batched) => async () => {
      let count = 0;
      for await (const event of client.events.catchUp()) {
        if (event.type !== "catchup.complete") count++;
      }
      if (count !== catchUpEvents) throw new Error(`caught up ${count} of ${catchUpEvents} events`);
      return count;
    };
    const batchedRuns = await measureRuns(catchUpEvents, catchUpRepeats, run(batched));
    rows.push({
      name: `catch-up, batched RPC (${catchUpEvents} events, server in another process)`,
      rate: median(batchedRuns),
      runs: batchedRuns,
      target: 150_000,
      note: capabilities.capabilities.has("threadline.catch_up_batches")
        ? "decoded into domain events"
        : "server lacks catch_up_batches: fell back to standard",
    });
    const standardRuns = await measureRuns(catchUpEvents, catchUpRepeats, run(standard));
    rows.push({
      name: `catch-up, standard CatchUpEvents (${catchUpEvents} events)`,
      rate: median(standardRuns),
      runs: standardRuns,
      note: "decoded into domain events",
    });
    await batched.close();
    await standard.close();
  } finally {
    await server.stop();
  }
}

if (!catchUpOnly && !liveOnly) await streamBenchmarks();
if (!streamsOnly && !liveOnly) {
  try {
    await catchUpBenchmarks();
  } catch (error) {
    rows.push({ name: "catch-up benchmarks", rate: Number.NaN, note: `failed: ${String(error)}` });
  }
}

if (rows.length > 0) {
  const width = Math.max(...rows.map((row) => row.name.length));
  console.log(
    `\n${"benchmark".padEnd(width)}  ${"median".padStart(12)}  ${"target".padStart(10)}  note`,
  );
  for (const row of rows) {
    const target =
      row.target === undefined
        ? ""
        : `>= ${show(row.target)}${row.rate >= row.target ? " ok" : " MISS"}`;
    console.log(
      `${row.name.padEnd(width)}  ${(Number.isNaN(row.rate) ? "n/a" : show(row.rate)).padStart(12)}  ${target.padStart(10)}  ${row.note ?? ""}`,
    );
  }
  for (const row of rows) {
    if (row.runs !== undefined) console.log(`${row.name}: runs ${row.runs.map(show).join(", ")}`);
  }
  console.log(
    `\n${catchUpOnly ? "" : `${streamEvents} events x ${streamRepeats} runs per stream row, `}${streamsOnly ? "" : `${catchUpEvents} events x ${catchUpRepeats} runs per catch-up row, `}each after one warm-up run; medians.`,
  );
}
if (!streamsOnly && !catchUpOnly) await runLiveBenchmarks(liveBenchConfigFromEnvironment());
