/**
 * Benchmarks of @threadline/recovery. Short by default; THREADLINE_BENCH_FULL=1 runs
 * the full sizes from the issue (1M events from the server, 10M through the heap test).
 * Every figure is the median of repeated runs, printed side by side in one table.
 *
 *   pnpm --filter @threadline/recovery bench
 *   THREADLINE_BENCH_FULL=1 pnpm --filter @threadline/recovery bench
 *   THREADLINE_BENCH_FULL=1 pnpm --filter @threadline/recovery bench -- --server
 */
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { createClient } from "@threadline/core";
import { startSeededServerProcess } from "@threadline/server/testing";
import { createCheckpointQueue } from "../src/checkpoint-queue.js";
import type { CheckpointStore } from "../src/checkpoint-store.js";
import { createMemoryCheckpointStore } from "../src/memory-checkpoint-store.js";
import { recover } from "../src/recover.js";
import { createSqliteCheckpointStore } from "../src/sqlite-checkpoint-store.js";

const full = process.env.THREADLINE_BENCH_FULL === "1";
const sizes = {
  throughputEvents: 1_000_000,
  throughputRuns: full ? 7 : 5,
  heapEvents: full ? 10_000_000 : 2_000_000,
  serverEvents: full ? 1_000_000 : 100_000,
  serverRuns: 3,
};

interface Row {
  readonly name: string;
  readonly measured: string;
  readonly target: string;
  readonly pass: boolean | undefined;
}

const rows: Row[] = [];
const gc: (() => void) | undefined =
  typeof globalThis.gc === "function" ? globalThis.gc.bind(globalThis) : undefined;

function median(values: readonly number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  const middle = Math.floor(sorted.length / 2);
  return sorted.length % 2 === 1
    ? (sorted[middle] ?? 0)
    : ((sorted[middle - 1] ?? 0) + (sorted[middle] ?? 0)) / 2;
}

function countingStore(): CheckpointStore & { writes: number } {
  const inner = createMemoryCheckpointStore();
  const store = {
    writes: 0,
    load: (key: string) => inner.load(key),
    save: (key: string, sequence: number) => {
      store.writes++;
      return inner.save(key, sequence);
    },
  };
  return store;
}

interface QueueRun {
  readonly eventsPerSecond: number;
  readonly writes: number;
}

async function queueRun(
  events: number,
  concurrency: number,
  handler: () => void | Promise<void>,
): Promise<QueueRun> {
  const store = countingStore();
  const queue = await createCheckpointQueue<{ sequence: number }>({
    store,
    key: "bench",
    concurrency,
    handler,
  });
  const started = performance.now();
  for (let sequence = 1; sequence <= events; sequence++) await queue.push({ sequence });
  await queue.close();
  const seconds = (performance.now() - started) / 1000;
  if (queue.checkpoint !== events) throw new Error(`checkpoint ${queue.checkpoint} != ${events}`);
  return { eventsPerSecond: events / seconds, writes: store.writes };
}

async function throughput(): Promise<void> {
  const variants: { name: string; concurrency: number; handler: () => void | Promise<void> }[] = [
    { name: "sync no-op, concurrency 1", concurrency: 1, handler: () => undefined },
    { name: "async no-op, concurrency 16", concurrency: 16, handler: async () => undefined },
  ];
  for (const variant of variants) {
    await queueRun(100_000, variant.concurrency, variant.handler);
    const runs: QueueRun[] = [];
    for (let run = 0; run < sizes.throughputRuns; run++) {
      runs.push(await queueRun(sizes.throughputEvents, variant.concurrency, variant.handler));
    }
    const rate = median(runs.map((run) => run.eventsPerSecond));
    rows.push({
      name: `queue throughput, ${variant.name}, memory store`,
      measured: `${(rate / 1e6).toFixed(2)} M events/s`,
      target: ">= 1 M events/s",
      pass: rate >= 1e6,
    });
    const writes = median(runs.map((run) => run.writes));
    rows.push({
      name: `store writes per 1M events, ${variant.name}`,
      measured: `${writes}`,
      target: "<= 1,000",
      pass: writes <= 1000,
    });
  }
}

async function heapGrowth(): Promise<void> {
  if (gc === undefined) {
    rows.push({
      name: "heap growth",
      measured: "skipped: run node with --expose-gc",
      target: "<= 32 MB",
      pass: undefined,
    });
    return;
  }
  const events = sizes.heapEvents;
  gc();
  const baseline = process.memoryUsage().heapUsed;
  let peak = Number.NEGATIVE_INFINITY;
  const queue = await createCheckpointQueue<{ sequence: number; payload: string }>({
    store: createMemoryCheckpointStore(),
    key: "heap",
    concurrency: 16,
    handler: async () => undefined,
  });
  for (let sequence = 1; sequence <= events; sequence++) {
    // Every event carries a fresh payload so a leak of events would show at once.
    await queue.push({ sequence, payload: `event ${sequence}` });
    if (sequence % 1_000_000 === 0) {
      gc();
      peak = Math.max(peak, process.memoryUsage().heapUsed);
    }
  }
  gc();
  peak = Math.max(peak, process.memoryUsage().heapUsed);
  await queue.close();
  const growth = (peak - baseline) / (1024 * 1024);
  rows.push({
    name: `heap growth across ${(events / 1e6).toFixed(0)}M events (peak after GC - baseline)`,
    measured: `${growth >= 0 ? "+" : ""}${growth.toFixed(2)} MB (baseline ${(baseline / 1048576).toFixed(1)} MB)`,
    target: "<= 32 MB",
    pass: growth <= 32,
  });
}

async function serverRecovery(): Promise<void> {
  const events = sizes.serverEvents;
  const seedStarted = performance.now();
  const server = await startSeededServerProcess(events);
  const seedSeconds = (performance.now() - seedStarted) / 1000;
  const directory = mkdtempSync(join(tmpdir(), "threadline-recovery-bench-client-"));
  try {
    // Baseline: the same catch-up read by core alone, without the queue or a store.
    const rawRates: number[] = [];
    // Run 0 warms up the connection, codecs and JIT for both measurements; it is not counted.
    for (let run = 0; run <= sizes.serverRuns; run++) {
      const client = createClient({ address: server.address, token: server.token });
      const started = performance.now();
      let count = 0;
      for await (const event of client.events.catchUp(0)) {
        if (event.type !== "catchup.complete") count++;
      }
      if (run > 0) rawRates.push(count / ((performance.now() - started) / 1000));
      await client.close();
    }
    rows.push({
      name: `baseline: core catchUp() alone over the same ${(events / 1000).toFixed(0)}k events`,
      measured: `${(median(rawRates) / 1000).toFixed(0)}k events/s`,
      target: "(reference)",
      pass: undefined,
    });
    const rates: number[] = [];
    const writes: number[] = [];
    for (let run = 0; run < sizes.serverRuns; run++) {
      const client = createClient({ address: server.address, token: server.token });
      const store = createSqliteCheckpointStore({ database: join(directory, `run-${run}.db`) });
      let saves = 0;
      const counted: CheckpointStore = {
        load: (key) => store.load(key),
        save: (key, sequence) => {
          saves++;
          return store.save(key, sequence);
        },
      };
      const started = performance.now();
      const recovery = await recover({
        client,
        store: counted,
        key: "bench",
        concurrency: 16,
        handler: async () => undefined,
      });
      const head = await recovery.caughtUp;
      const seconds = (performance.now() - started) / 1000;
      await recovery.close();
      await client.close();
      await store.close();
      if (head !== events) throw new Error(`caught up to ${head}, expected ${events}`);
      rates.push(events / seconds);
      writes.push(saves);
    }
    const rate = median(rates);
    rows.push({
      name: `recovery of ${(events / 1000).toFixed(0)}k events from the server (separate process), SQLite checkpoint, concurrency 16`,
      measured: `${(rate / 1000).toFixed(0)}k events/s (seeded in ${seedSeconds.toFixed(1)} s)`,
      target: ">= 150k events/s",
      pass: rate >= 150_000,
    });
    const perMillion = (median(writes) * 1_000_000) / events;
    rows.push({
      name: "SQLite checkpoint writes per 1M events during that recovery",
      measured: `${perMillion.toFixed(0)}`,
      target: "<= 1,000",
      pass: perMillion <= 1000,
    });
  } finally {
    await server.stop();
    rmSync(directory, { recursive: true, force: true });
  }
}

async function section(name: string, task: () => Promise<void>): Promise<void> {
  try {
    await task();
  } catch (error) {
    rows.push({
      name,
      measured: `failed: ${error instanceof Error ? error.message : String(error)}`,
      target: "",
      pass: false,
    });
  }
}

// `--server` runs only the recovery-from-the-server rows (with their catchUp baseline).
const serverOnly = process.argv.includes("--server");
if (!serverOnly) {
  await section("queue throughput", throughput);
  await section("heap growth", heapGrowth);
}
await section("recovery from the server", serverRecovery);

const headers = ["benchmark", "measured (median)", "target", "ok"] as const;
const table = rows.map((row) => [
  row.name,
  row.measured,
  row.target,
  row.pass === undefined ? "-" : row.pass ? "yes" : "NO",
]);
const widths = headers.map((header, column) =>
  Math.max(header.length, ...table.map((cells) => (cells[column] ?? "").length)),
);
const line = (cells: readonly string[]): string =>
  `| ${cells.map((cell, column) => cell.padEnd(widths[column] ?? 0)).join(" | ")} |`;
console.log(
  `\n@threadline/recovery benchmarks (${full ? "full" : "short; THREADLINE_BENCH_FULL=1 for full sizes"}, Node ${process.version})\n`,
);
console.log(line(headers));
console.log(line(widths.map((width) => "-".repeat(width))));
for (const cells of table) console.log(line(cells));
