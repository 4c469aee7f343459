import { readFile } from "node:fs/promises";
import type { Client, Metadata } from "@grpc/grpc-js";
import type pg from "pg";
import { percentile } from "./bench-support.js";

/**
 * The write benchmarks' common parts: a closed loop that keeps a number of calls in
 * flight, its sample, and what the server processes (and their PostgreSQL backends)
 * spent doing it.
 */

/** One measurement: acknowledged operations per second and their ack latency. */
export interface WriteSample {
  readonly perSecond: number;
  readonly p50Ms: number;
  readonly p99Ms: number;
  /** Server process CPU time per acknowledged write (Threadline only). */
  readonly cpuMicrosPerWrite?: number;
  /** Writes per group commit, mean (Threadline only, from /metrics). */
  readonly writesPerCommit?: number;
  /** Share of the wall time the server's main thread spent inside group commits (Threadline only). */
  readonly commitShare?: number;
  /** CPU time of the PostgreSQL backends serving the server, per acknowledged write (PostgreSQL engine only). */
  readonly databaseCpuMicrosPerWrite?: number;
}

/** Keeps `concurrency` calls of `operation` in flight for `seconds`, timing each ack. */
export async function closedLoop(
  concurrency: number,
  seconds: number,
  operation: (index: number) => Promise<unknown>,
): Promise<{ count: number; seconds: number; latencies: number[] }> {
  const latencies: number[] = [];
  let next = 0;
  const started = performance.now();
  const deadline = started + seconds * 1000;
  await Promise.all(
    Array.from({ length: concurrency }, async () => {
      while (performance.now() < deadline) {
        const index = next++;
        const sent = performance.now();
        await operation(index);
        latencies.push(performance.now() - sent);
      }
    }),
  );
  return { count: latencies.length, seconds: (performance.now() - started) / 1000, latencies };
}

/** Rate and ack latency percentiles of one closed loop. */
export function sample(result: {
  count: number;
  seconds: number;
  latencies: number[];
}): WriteSample {
  return {
    perSecond: result.count / result.seconds,
    p50Ms: percentile(result.latencies, 0.5),
    p99Ms: percentile(result.latencies, 0.99),
  };
}

/** The commit counters of the server's /metrics: commits, writes, seconds inside commits. */
export interface CommitCounters {
  readonly commits: number;
  readonly writes: number;
  readonly seconds: number;
}

export async function commitCounters(metricsUrl: string): Promise<CommitCounters> {
  const text = await (await fetch(metricsUrl)).text();
  const value = (name: string) => {
    const match = new RegExp(`^${name} (\\S+)$`, "m").exec(text);
    if (match?.[1] === undefined) throw new Error(`/metrics has no ${name}`);
    return Number(match[1]);
  };
  return {
    commits: value("threadline_commit_batch_writes_count"),
    writes: value("threadline_commit_batch_writes_sum"),
    seconds: value("threadline_commit_duration_seconds_sum"),
  };
}

/** User + system CPU time of a process so far, in microseconds (from /proc). */
export async function processCpuMicros(pid: number): Promise<number> {
  const stat = await readFile(`/proc/${pid}/stat`, "utf8");
  // Fields after the ")" of the command name: state is field 3, utime 14, stime 15.
  const fields = stat.slice(stat.lastIndexOf(")") + 2).split(" ");
  const ticks = Number(fields[11]) + Number(fields[12]);
  return (ticks * 1_000_000) / clockTicksPerSecond;
}

// Linux reports process times in USER_HZ, 100 on every mainstream architecture.
const clockTicksPerSecond = 100;

/** One unary call on a grpc-js generic client, as a promise. */
export function unaryCall(client: Client, method: string, request: unknown, metadata: Metadata) {
  return new Promise<unknown>((resolve, reject) => {
    const invoke: unknown = Reflect.get(client, method);
    if (typeof invoke !== "function") throw new Error(`no method ${method}`);
    Reflect.apply(invoke, client, [
      request,
      metadata,
      (error: Error | null, response: unknown) => (error ? reject(error) : resolve(response)),
    ]);
  });
}

/**
 * CPU time so far of every PostgreSQL backend connected to `databaseName`, by pid, in
 * microseconds (the database runs on this machine; its /proc entries are readable).
 */
export async function databaseBackendsCpuMicros(
  sql: pg.Client | pg.Pool,
  databaseName: string,
): Promise<Map<number, number>> {
  const { rows } = await sql.query<{ pid: number }>(
    "SELECT pid FROM pg_stat_activity WHERE datname = $1 AND pid <> pg_backend_pid()",
    [databaseName],
  );
  const micros = new Map<number, number>();
  for (const { pid } of rows) {
    // A backend that ended between the query and the read no longer counts.
    const used = await processCpuMicros(pid).catch(() => undefined);
    if (used !== undefined) micros.set(pid, used);
  }
  return micros;
}

/** CPU spent between two {@link databaseBackendsCpuMicros} snapshots (new backends from 0). */
export function cpuMicrosBetween(
  before: ReadonlyMap<number, number>,
  after: ReadonlyMap<number, number>,
): number {
  let spent = 0;
  for (const [pid, used] of after) spent += used - (before.get(pid) ?? 0);
  return spent;
}
