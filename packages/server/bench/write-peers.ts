import { type ChildProcess, spawn } from "node:child_process";
import { randomUUID } from "node:crypto";
import { mkdtemp, rm } from "node:fs/promises";
import { createServer } from "node:net";
import { availableParallelism, loadavg, tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath, pathToFileURL } from "node:url";
import { type Client, credentials, Metadata, makeGenericClientConstructor } from "@grpc/grpc-js";
import { ChatServiceDefinition, MessageServiceDefinition } from "@threadline/protocol";
import { Redis } from "ioredis";
import pg from "pg";
import { type BenchServer, median, run, startBenchServer } from "./bench-support.js";
import { measureCluster, type PostgresCluster, startCluster } from "./postgres-processes.js";
import {
  closedLoop,
  commitCounters,
  processCpuMicros,
  sample,
  unaryCall,
  type WriteSample,
} from "./write-load.js";

const cliPath = fileURLToPath(new URL("../bin/threadline-server.js", import.meta.url));

/**
 * Acknowledged writes per second at a fixed number in flight, for Threadline's
 * SendTextMessage (server in its own process) on SQLite and on PostgreSQL with 1 and
 * with 3 server processes sharing one database (the load spread over them) and, in the
 * same run and interleaved with them, the two peers a user would compare it with:
 * single-row PostgreSQL INSERT commits (pool of 16, synchronous_commit on) and Redis
 * XADD with appendfsync always (a redis-server of our own, stopped afterwards).
 */

/** A Threadline server in its own process with a sender, a recipient and one chat. */
export interface ThreadlineTarget {
  readonly server: BenchServer;
  readonly metricsUrl: string;
  readonly metadata: Metadata;
  readonly chatGuid: string;
  readonly clients: readonly Client[];
  close(): Promise<void>;
}

/** `cli` may name another build of `threadline-server` (to compare two builds). */
export async function startThreadlineTarget(
  directory: string,
  cli = cliPath,
): Promise<ThreadlineTarget> {
  const path = join(
    directory,
    `write-peers-${Date.now()}-${Math.random().toString(36).slice(2)}.db`,
  );
  // Through the built CLI, like the server itself: the file's schema is the server's.
  const senderToken = (
    await run(process.execPath, [cli, "accounts", "add", "sender@example.com", "--data", path])
  ).trim();
  await run(process.execPath, [cli, "accounts", "add", "recipient@example.com", "--data", path]);
  const server = await startBenchServer(path, ["--http-port", "0"], cli);
  if (server.webhookUrl === undefined) throw new Error("the server printed no HTTP address");
  const metadata = new Metadata();
  metadata.set("authorization", `Bearer ${senderToken}`);
  const Chats = makeGenericClientConstructor(ChatServiceDefinition, "Chats");
  const Messages = makeGenericClientConstructor(MessageServiceDefinition, "Messages");
  const chats = new Chats(server.address, credentials.createInsecure());
  const created = (await unaryCall(
    chats,
    "createChat",
    { addresses: ["recipient@example.com"] },
    metadata,
  )) as { chat: { guid: string } };
  chats.close();
  // A few channels, as a real client pool would have; calls spread over them.
  const clients = Array.from(
    { length: 4 },
    (_, index) =>
      new Messages(server.address, credentials.createInsecure(), { "bench.channel": index }),
  );
  return {
    server,
    metricsUrl: new URL("/metrics", server.webhookUrl).href,
    metadata,
    chatGuid: created.chat.guid,
    clients,
    async close() {
      for (const client of clients) client.close();
      await server.stop();
    },
  };
}

/**
 * Acknowledged SendTextMessage calls per second (each appends 2 events) and server CPU
 * per call. `keyed` sends a fresh `x-idempotency-key` with every call, as the SDK does.
 */
export async function measureThreadline(
  target: ThreadlineTarget,
  concurrency: number,
  seconds: number,
  keyed = false,
): Promise<WriteSample> {
  const pid = target.server.child.pid;
  if (pid === undefined) throw new Error("the server process has no pid");
  const cpuBefore = await processCpuMicros(pid);
  const commitsBefore = await commitCounters(target.metricsUrl);
  const result = await closedLoop(concurrency, seconds, (index) => {
    const client = target.clients[index % target.clients.length];
    if (client === undefined) throw new Error("no channel");
    let metadata = target.metadata;
    if (keyed) {
      metadata = target.metadata.clone();
      metadata.set("x-idempotency-key", randomUUID());
    }
    return unaryCall(
      client,
      "sendTextMessage",
      { chatGuid: target.chatGuid, text: `bench message ${index}` },
      metadata,
    );
  });
  const cpuAfter = await processCpuMicros(pid);
  const commitsAfter = await commitCounters(target.metricsUrl);
  return {
    ...sample(result),
    cpuMicrosPerWrite: (cpuAfter - cpuBefore) / result.count,
    writesPerCommit:
      (commitsAfter.writes - commitsBefore.writes) /
      Math.max(1, commitsAfter.commits - commitsBefore.commits),
    commitShare: (commitsAfter.seconds - commitsBefore.seconds) / result.seconds,
  };
}

/** A PostgreSQL pool of 16 with a fresh table for single-row INSERT commits. */
export interface PostgresTarget {
  readonly pool: pg.Pool;
  close(): Promise<void>;
}

const postgresTable = "threadline_bench_write_peers";

export async function startPostgresTarget(url: string): Promise<PostgresTarget> {
  const pool = new pg.Pool({
    connectionString: url,
    max: 16,
    options: "-c synchronous_commit=on",
  });
  await pool.query(`DROP TABLE IF EXISTS ${postgresTable}`);
  await pool.query(
    `CREATE TABLE ${postgresTable} (id bigserial PRIMARY KEY, account_id integer NOT NULL, payload text NOT NULL)`,
  );
  const setting = await pool.query<{ synchronous_commit: string; fsync: string }>(
    "SELECT current_setting('synchronous_commit') AS synchronous_commit, current_setting('fsync') AS fsync",
  );
  const row = setting.rows[0];
  if (row?.synchronous_commit !== "on" || row.fsync !== "on") {
    throw new Error(
      `the PostgreSQL baseline needs synchronous_commit and fsync on; found ${JSON.stringify(row)}`,
    );
  }
  return {
    pool,
    async close() {
      await pool.query(`DROP TABLE IF EXISTS ${postgresTable}`);
      await pool.end();
    },
  };
}

/** Single-row INSERTs, each its own committed transaction, through the pool. */
export async function measurePostgres(
  target: PostgresTarget,
  concurrency: number,
  seconds: number,
): Promise<WriteSample> {
  return sample(
    await closedLoop(concurrency, seconds, (index) =>
      target.pool.query(`INSERT INTO ${postgresTable} (account_id, payload) VALUES ($1, $2)`, [
        1,
        `bench message ${index}, about as long as a short chat line`,
      ]),
    ),
  );
}

function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const probe = createServer();
    probe.once("error", reject);
    probe.listen(0, "127.0.0.1", () => {
      const address = probe.address();
      const port = typeof address === "object" && address !== null ? address.port : 0;
      probe.close(() => resolve(port));
    });
  });
}

/** A redis-server of our own (AOF, fsync before every reply) and a client for it. */
export interface RedisTarget {
  readonly client: Redis;
  close(): Promise<void>;
}

export async function startRedisTarget(): Promise<RedisTarget> {
  const directory = await mkdtemp(join(tmpdir(), "threadline-bench-redis-"));
  const port = await freePort();
  const child: ChildProcess = spawn(
    "redis-server",
    [
      "--port",
      String(port),
      "--bind",
      "127.0.0.1",
      "--appendonly",
      "yes",
      "--appendfsync",
      "always",
      "--save",
      "",
      "--dir",
      directory,
    ],
    { stdio: ["ignore", "pipe", "pipe"] },
  );
  const exited = new Promise<void>((resolve) => child.once("exit", () => resolve()));
  await new Promise<void>((resolve, reject) => {
    let output = "";
    child.once("error", (error) =>
      reject(
        new Error(
          `could not start redis-server for the Redis baseline (${error.message}); install it (the bench starts its own on a free port)`,
        ),
      ),
    );
    child.stdout?.on("data", (chunk: Buffer) => {
      output += chunk.toString();
      if (/Ready to accept connections/.test(output)) resolve();
    });
    exited.then(() => reject(new Error(`redis-server exited before it was ready:\n${output}`)));
  });
  const client = new Redis({ port, host: "127.0.0.1", lazyConnect: true });
  await client.connect();
  const fsyncPolicy = (await client.config("GET", "appendfsync")) as string[];
  if (fsyncPolicy[1] !== "always") {
    throw new Error(`redis-server runs with appendfsync ${fsyncPolicy[1]}, not always`);
  }
  return {
    client,
    async close() {
      client.disconnect();
      child.kill("SIGTERM");
      await exited;
      await rm(directory, { recursive: true, force: true });
    },
  };
}

/** XADD of one chat-line-sized entry per call, over one pipelined connection. */
export async function measureRedis(
  target: RedisTarget,
  concurrency: number,
  seconds: number,
): Promise<WriteSample> {
  return sample(
    await closedLoop(concurrency, seconds, (index) =>
      target.client.xadd(
        "bench:account:1",
        "*",
        "payload",
        `bench message ${index}, about as long as a short chat line`,
      ),
    ),
  );
}

/** Medians per system and concurrency over interleaved rounds. */
export interface WritePeersResult {
  readonly concurrency: number;
  readonly threadline: readonly WriteSample[];
  /** The same calls, each with its own idempotency key (as the SDK sends them). */
  readonly threadlineKeyed: readonly WriteSample[];
  readonly postgres: readonly WriteSample[];
  readonly redis: readonly WriteSample[];
  /** Threadline on PostgreSQL, by number of server processes. */
  readonly threadlinePostgres: ReadonlyMap<number, readonly WriteSample[]>;
}

/**
 * Runs `rounds` rounds; each round measures every concurrency for Threadline,
 * PostgreSQL and Redis in turn, so all three see the same machine load.
 */
export async function measureWritePeers(options: {
  readonly directory: string;
  readonly postgresUrl: string;
  readonly rounds: number;
  readonly seconds: number;
  readonly concurrencies: readonly number[];
  /** Server process counts of Threadline on PostgreSQL; default 1 and 3. */
  readonly postgresProcessCounts?: readonly number[];
  /** Sender/recipient pairs the PostgreSQL load is spread over (default 16). */
  readonly postgresChats?: number;
  /** `--database-pool-size` of each PostgreSQL server process (default 4). */
  readonly postgresPoolSize?: number;
  readonly progress?: (line: string) => void;
}): Promise<WritePeersResult[]> {
  let threadline: ThreadlineTarget | undefined;
  const clusters = new Map<number, PostgresCluster>();
  let postgres: PostgresTarget | undefined;
  let redis: RedisTarget | undefined;
  try {
    threadline = await startThreadlineTarget(options.directory);
    postgres = await startPostgresTarget(options.postgresUrl);
    redis = await startRedisTarget();
    for (const count of options.postgresProcessCounts ?? [1, 3]) {
      options.progress?.(`starting ${count} server process(es) on PostgreSQL`);
      clusters.set(
        count,
        await startCluster(
          options.postgresUrl,
          count,
          options.postgresChats ?? 16,
          options.postgresPoolSize ?? 4,
        ),
      );
    }
    // Warm-up (discarded): JIT, statement caches, connections.
    await measureThreadline(threadline, 64, Math.min(1, options.seconds));
    for (const cluster of clusters.values()) {
      await measureCluster(cluster, 64, Math.min(1, options.seconds));
    }
    await measurePostgres(postgres, 16, Math.min(1, options.seconds));
    await measureRedis(redis, 64, Math.min(1, options.seconds));
    const results = options.concurrencies.map((concurrency) => ({
      concurrency,
      threadline: [] as WriteSample[],
      threadlineKeyed: [] as WriteSample[],
      postgres: [] as WriteSample[],
      redis: [] as WriteSample[],
      threadlinePostgres: new Map(
        [...clusters.keys()].map((count) => [count, [] as WriteSample[]]),
      ),
    }));
    for (let round = 0; round < options.rounds; round += 1) {
      for (const result of results) {
        options.progress?.(`round ${round + 1}/${options.rounds}, ${result.concurrency} in flight`);
        result.threadline.push(
          await measureThreadline(threadline, result.concurrency, options.seconds),
        );
        result.threadlineKeyed.push(
          await measureThreadline(threadline, result.concurrency, options.seconds, true),
        );
        for (const [count, cluster] of clusters) {
          result.threadlinePostgres
            .get(count)
            ?.push(await measureCluster(cluster, result.concurrency, options.seconds));
        }
        result.postgres.push(await measurePostgres(postgres, result.concurrency, options.seconds));
        result.redis.push(await measureRedis(redis, result.concurrency, options.seconds));
      }
    }
    return results;
  } finally {
    for (const cluster of clusters.values()) await cluster.close();
    await threadline?.close();
    await postgres?.close();
    await redis?.close();
  }
}

const format = (value: number) => Math.round(value).toLocaleString("en-US");
const formatMs = (value: number) => value.toFixed(1);

/** The comparison as one markdown table of medians, then issue 15's targets, met or not. */
export function writePeersTable(results: readonly WritePeersResult[]): string {
  const medianOf = (samples: readonly WriteSample[], pick: (sample: WriteSample) => number) =>
    median(samples.map(pick));
  const header = [
    "In flight",
    "Threadline msg/s",
    "p50 ms",
    "p99 ms",
    "CPU µs/msg",
    "msg/commit",
    "in commit",
    "keyed msg/s",
    "p99 ms",
    "CPU µs/msg",
    "PG INSERT/s",
    "p50 ms",
    "p99 ms",
    "Redis XADD/s",
    "p50 ms",
    "p99 ms",
    "Threadline ÷ PG",
    "Threadline ÷ Redis",
    "Threadline runs (msg/s)",
  ];
  const lines = results.map((result) => {
    const threadline = medianOf(result.threadline, (sample) => sample.perSecond);
    const postgres = medianOf(result.postgres, (sample) => sample.perSecond);
    const redis = medianOf(result.redis, (sample) => sample.perSecond);
    return [
      String(result.concurrency),
      format(threadline),
      formatMs(medianOf(result.threadline, (sample) => sample.p50Ms)),
      formatMs(medianOf(result.threadline, (sample) => sample.p99Ms)),
      format(medianOf(result.threadline, (sample) => sample.cpuMicrosPerWrite ?? 0)),
      medianOf(result.threadline, (sample) => sample.writesPerCommit ?? 0).toFixed(1),
      `${Math.round(100 * medianOf(result.threadline, (sample) => sample.commitShare ?? 0))}%`,
      format(medianOf(result.threadlineKeyed, (sample) => sample.perSecond)),
      formatMs(medianOf(result.threadlineKeyed, (sample) => sample.p99Ms)),
      format(medianOf(result.threadlineKeyed, (sample) => sample.cpuMicrosPerWrite ?? 0)),
      format(postgres),
      formatMs(medianOf(result.postgres, (sample) => sample.p50Ms)),
      formatMs(medianOf(result.postgres, (sample) => sample.p99Ms)),
      format(redis),
      formatMs(medianOf(result.redis, (sample) => sample.p50Ms)),
      formatMs(medianOf(result.redis, (sample) => sample.p99Ms)),
      `${(threadline / postgres).toFixed(2)}×`,
      `${(threadline / redis).toFixed(2)}×`,
      result.threadline.map((sample) => format(sample.perSecond)).join(", "),
    ];
  });
  const all = [header, ...lines];
  const widths = header.map((_, column) =>
    Math.max(...all.map((cells) => (cells[column] ?? "").length)),
  );
  const row = (cells: readonly string[]) =>
    `| ${cells.map((cell, column) => cell.padStart(widths[column] ?? 0)).join(" | ")} |`;
  const rule = `|${widths.map((width) => "-".repeat(width + 2)).join("|")}|`;
  return [
    row(header),
    rule,
    ...lines.map(row),
    "",
    systemsTable(results),
    "",
    ...targetLines(results),
  ].join("\n");
}

/**
 * Every system in one table, a row per system and number in flight: SQLite and
 * PostgreSQL Threadline beside the PostgreSQL INSERT and Redis baselines.
 */
function systemsTable(results: readonly WritePeersResult[]): string {
  const header = [
    "System",
    "In flight",
    "msg/s",
    "p50 ms",
    "p99 ms",
    "server CPU µs/msg",
    "PG backend CPU µs/msg",
    "msg/commit",
    "runs (msg/s)",
  ];
  const optional = (
    samples: readonly WriteSample[],
    pick: (sample: WriteSample) => number | undefined,
    digits: number,
  ) => {
    const values = samples.flatMap((sample) => {
      const value = pick(sample);
      return value === undefined ? [] : [value];
    });
    return values.length === 0 ? "–" : median(values).toFixed(digits);
  };
  const lines: string[][] = [];
  const systems: [string, (result: WritePeersResult) => readonly WriteSample[]][] = [
    ["Threadline, SQLite", (result) => result.threadline],
    ...[...(results[0]?.threadlinePostgres.keys() ?? [])].map(
      (count): [string, (result: WritePeersResult) => readonly WriteSample[]] => [
        `Threadline, PostgreSQL, ${count} process${count === 1 ? "" : "es"}`,
        (result) => result.threadlinePostgres.get(count) ?? [],
      ],
    ),
    ["PostgreSQL INSERT baseline", (result) => result.postgres],
    ["Redis XADD appendfsync always", (result) => result.redis],
  ];
  for (const [name, samplesOf] of systems) {
    for (const result of results) {
      const samples = samplesOf(result);
      lines.push([
        name,
        String(result.concurrency),
        format(median(samples.map((sample) => sample.perSecond))),
        formatMs(median(samples.map((sample) => sample.p50Ms))),
        formatMs(median(samples.map((sample) => sample.p99Ms))),
        optional(samples, (sample) => sample.cpuMicrosPerWrite, 0),
        optional(samples, (sample) => sample.databaseCpuMicrosPerWrite, 0),
        optional(samples, (sample) => sample.writesPerCommit, 1),
        samples.map((sample) => format(sample.perSecond)).join(", "),
      ]);
    }
  }
  const all = [header, ...lines];
  const widths = header.map((_, column) =>
    Math.max(...all.map((cells) => (cells[column] ?? "").length)),
  );
  const row = (cells: readonly string[]) =>
    `| ${cells.map((cell, column) => (column === 0 ? cell.padEnd(widths[column] ?? 0) : cell.padStart(widths[column] ?? 0))).join(" | ")} |`;
  const rule = `|${widths.map((width) => "-".repeat(width + 2)).join("|")}|`;
  return [row(header), rule, ...lines.map(row)].join("\n");
}

/** Issue 15's targets for the write path, each with the measured medians and met or not. */
function targetLines(results: readonly WritePeersResult[]): string[] {
  const at = (concurrency: number) => results.find((result) => result.concurrency === concurrency);
  const perSecond = (samples: readonly WriteSample[]) =>
    median(samples.map((sample) => sample.perSecond));
  const verdict = (met: boolean) => (met ? "met" : "NOT met");
  const lines: string[] = [];
  const at64 = at(64);
  if (at64 !== undefined) {
    const ratio = perSecond(at64.threadline) / perSecond(at64.postgres);
    lines.push(
      `Target Threadline >= 2x PG INSERT at 64 in flight: ${ratio.toFixed(2)}x, ${verdict(ratio >= 2)}`,
    );
    const p99 = median(at64.threadline.map((sample) => sample.p99Ms));
    lines.push(
      `Target ack p99 <= 20 ms at 64 in flight: ${p99.toFixed(1)} ms, ${verdict(p99 <= 20)}`,
    );
  }
  const at256 = at(256);
  if (at256 !== undefined) {
    const ratio = perSecond(at256.threadline) / perSecond(at256.redis);
    lines.push(
      `Target Threadline >= Redis XADD at 256 in flight: ${ratio.toFixed(2)}x, ${verdict(ratio >= 1)}`,
    );
  }
  for (const result of results) {
    const one = result.threadlinePostgres.get(1);
    const three = result.threadlinePostgres.get(3);
    if (one === undefined || three === undefined) continue;
    const ratio = perSecond(three) / perSecond(one);
    lines.push(
      `Target PostgreSQL with 3 processes >= 1.5x with 1, at ${result.concurrency} in flight: ${ratio.toFixed(2)}x, ${verdict(ratio >= 1.5)} (this machine has ${availableParallelism()} cores, shared by the load generator, every server process and PostgreSQL)`,
    );
  }
  const cpu = results.map((result) => ({
    concurrency: result.concurrency,
    micros: median(result.threadline.map((sample) => sample.cpuMicrosPerWrite ?? 0)),
  }));
  const busiest = cpu.filter((entry) => entry.concurrency >= 64);
  if (busiest.length > 0) {
    const worst = Math.max(...busiest.map((entry) => entry.micros));
    lines.push(
      `Target server CPU <= 50 µs per message (64+ in flight): ${busiest.map((entry) => `${Math.round(entry.micros)} µs at ${entry.concurrency}`).join(", ")}, ${verdict(worst <= 50)}`,
    );
  }
  return lines;
}

/** Settings from THREADLINE_BENCH_* (short by default: the machine is shared). */
export function writePeersSettings(environment: NodeJS.ProcessEnv = process.env) {
  return {
    postgresUrl: environment.THREADLINE_TEST_PG_URL ?? "postgres://postgres@127.0.0.1:5432/test",
    rounds: Math.max(3, Number(environment.THREADLINE_BENCH_WRITE_ROUNDS ?? 3)),
    seconds: Number(environment.THREADLINE_BENCH_WRITE_SECONDS ?? 2),
    concurrencies: (environment.THREADLINE_BENCH_WRITE_IN_FLIGHT ?? "1,64,256")
      .split(",")
      .map(Number),
    postgresChats: Number(environment.THREADLINE_BENCH_PG_CHATS ?? 16),
    postgresPoolSize: Number(environment.THREADLINE_BENCH_PG_POOL ?? 4),
  };
}

/** `tsx bench/write-peers.ts`: this comparison alone, with the load average. */
async function main(): Promise<void> {
  const directory = await mkdtemp(join(tmpdir(), "threadline-bench-write-peers-"));
  try {
    const before = loadavg();
    const results = await measureWritePeers({
      directory,
      ...writePeersSettings(),
      progress: (line) => console.error(line),
    });
    console.log(writePeersTable(results));
    const after = loadavg();
    console.log(
      `load average before ${before.map((value) => value.toFixed(2)).join(" ")}, after ${after.map((value) => value.toFixed(2)).join(" ")}`,
    );
  } finally {
    await rm(directory, { recursive: true, force: true });
  }
}

if (process.argv[1] !== undefined && import.meta.url === pathToFileURL(process.argv[1]).href) {
  main().catch((error: unknown) => {
    console.error(error);
    process.exit(1);
  });
}
