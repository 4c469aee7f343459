import { join } from "node:path";
import { runWrite } from "../src/domain/write-operations.js";
import {
  benchEvent,
  createBenchAccount,
  median,
  openBenchStore,
  percentile,
} from "./bench-support.js";

/** Result of one durable-append run. */
export interface AppendResult {
  readonly eventsPerSecond: number;
}

/**
 * `writers` concurrent loops, each awaiting one durable single-event write at a time,
 * until `events` writes are committed. Every write resolves only after its COMMIT.
 */
export async function measureConcurrentAppends(
  directory: string,
  run: number,
  writers: number,
  events: number,
): Promise<AppendResult> {
  const store = openBenchStore(join(directory, `append-${writers}-${run}.db`));
  try {
    const accounts = await Promise.all(
      Array.from({ length: 8 }, (_, index) =>
        createBenchAccount(store, `writer${index}@example.com`),
      ),
    );
    let next = 0;
    const started = performance.now();
    await Promise.all(
      Array.from({ length: writers }, async () => {
        while (next < events) {
          const index = next++;
          const account = accounts[index % accounts.length];
          if (account === undefined) throw new Error("no account");
          await runWrite(store, "log.appendEvents", {
            events: [{ accountId: account.id, event: benchEvent(index) }],
          });
        }
      }),
    );
    const seconds = (performance.now() - started) / 1000;
    return { eventsPerSecond: events / seconds };
  } finally {
    await store.close();
  }
}

/** Latency of single durable writes issued one after another (no batching possible). */
export async function measureSingleWriteLatency(
  directory: string,
  run: number,
  writes: number,
): Promise<{ p50Ms: number; p99Ms: number; eventsPerSecond: number }> {
  const store = openBenchStore(join(directory, `latency-${run}.db`));
  try {
    const account = await createBenchAccount(store, "latency@example.com");
    const latencies: number[] = [];
    const started = performance.now();
    for (let index = 0; index < writes; index += 1) {
      const started = performance.now();
      await runWrite(store, "log.appendEvents", {
        events: [{ accountId: account.id, event: benchEvent(index) }],
      });
      latencies.push(performance.now() - started);
    }
    const seconds = (performance.now() - started) / 1000;
    return {
      p50Ms: median(latencies),
      p99Ms: percentile(latencies, 0.99),
      eventsPerSecond: writes / seconds,
    };
  } finally {
    await store.close();
  }
}
