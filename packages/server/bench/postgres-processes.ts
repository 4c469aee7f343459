import { randomBytes } from "node:crypto";
import { mkdtemp, rm } from "node:fs/promises";
import { loadavg, tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath, pathToFileURL } from "node:url";
import { type Client, credentials, Metadata, makeGenericClientConstructor } from "@grpc/grpc-js";
import { ChatServiceDefinition, MessageServiceDefinition } from "@threadline/protocol";
import pg from "pg";
import { type BenchServer, median, run, startBenchServer } from "./bench-support.js";
import {
  closedLoop,
  commitCounters,
  cpuMicrosBetween,
  databaseBackendsCpuMicros,
  processCpuMicros,
  sample,
  unaryCall,
  type WriteSample,
} from "./write-load.js";

const cliPath = fileURLToPath(new URL("../bin/threadline-server.js", import.meta.url));

/**
 * Acknowledged SendTextMessage/s with the server on PostgreSQL: one server process,
 * and several processes sharing one database, calls spread round-robin over the
 * processes and over `chats` sender/recipient pairs (per-account head locks serialise
 * the commits of one account, so one chat alone cannot use more processes).
 */

/** Server processes on one fresh database, with `chats` chats ready to send to. */
export interface PostgresCluster {
  readonly processes: readonly BenchServer[];
  /** Each process's /metrics. */
  readonly metricsUrls: readonly string[];
  /** The database's name, to find its backends. */
  readonly databaseName: string;
  /** An admin connection for reading pg_stat_activity. */
  readonly admin: pg.Client;
  /** One Messages client per process and chat sender. */
  readonly senders: readonly {
    readonly client: Client;
    readonly metadata: Metadata;
    readonly chatGuid: string;
  }[];
  close(): Promise<void>;
}

/**
 * Creates a database, adds `chats` sender/recipient account pairs through the CLI, and
 * starts `processCount` `threadline-server start --database` processes on it.
 */
export async function startCluster(
  adminUrl: string,
  processCount: number,
  chats: number,
  poolSize: number,
): Promise<PostgresCluster> {
  const name = `threadline_bench_${randomBytes(5).toString("hex")}`;
  const admin = new pg.Client({ connectionString: adminUrl });
  await admin.connect();
  await admin.query(`CREATE DATABASE ${name}`);
  await admin.end();
  const url = new URL(adminUrl);
  url.pathname = `/${name}`;
  const database = url.toString();
  const directory = await mkdtemp(join(tmpdir(), "threadline-bench-pg-"));
  const processes: BenchServer[] = [];
  const clients: Client[] = [];
  try {
    const tokens: string[] = [];
    for (let index = 0; index < chats; index += 1) {
      tokens.push(
        (
          await run(process.execPath, [
            cliPath,
            "accounts",
            "add",
            `sender${index}@example.com`,
            "--database",
            database,
          ])
        ).trim(),
      );
      await run(process.execPath, [
        cliPath,
        "accounts",
        "add",
        `recipient${index}@example.com`,
        "--database",
        database,
      ]);
    }
    for (let index = 0; index < processCount; index += 1) {
      processes.push(
        await startBenchServer(join(directory, `process-${index}`), [
          "--database",
          database,
          "--database-pool-size",
          String(poolSize),
          "--http-port",
          "0",
        ]),
      );
    }
    const Chats = makeGenericClientConstructor(ChatServiceDefinition, "Chats");
    const Messages = makeGenericClientConstructor(MessageServiceDefinition, "Messages");
    const first = processes[0];
    if (first === undefined) throw new Error("no server process started");
    const chatGuids: { metadata: Metadata; chatGuid: string }[] = [];
    const chatClient = new Chats(first.address, credentials.createInsecure());
    for (const [index, token] of tokens.entries()) {
      const metadata = new Metadata();
      metadata.set("authorization", `Bearer ${token}`);
      const created = (await unaryCall(
        chatClient,
        "createChat",
        { addresses: [`recipient${index}@example.com`] },
        metadata,
      )) as { chat: { guid: string } };
      chatGuids.push({ metadata, chatGuid: created.chat.guid });
    }
    chatClient.close();
    const senders = processes.flatMap((server) => {
      const client = new Messages(server.address, credentials.createInsecure());
      clients.push(client);
      return chatGuids.map((chat) => ({ client, ...chat }));
    });
    const metricsUrls = processes.map((server) => {
      if (server.webhookUrl === undefined) throw new Error("a server printed no HTTP address");
      return new URL("/metrics", server.webhookUrl).href;
    });
    const watcher = new pg.Client({ connectionString: adminUrl });
    await watcher.connect();
    return {
      processes,
      metricsUrls,
      databaseName: name,
      admin: watcher,
      senders,
      async close() {
        await watcher.end();
        for (const client of clients) client.close();
        for (const server of processes) await server.stop();
        const dropper = new pg.Client({ connectionString: adminUrl });
        await dropper.connect();
        await dropper.query(`DROP DATABASE IF EXISTS ${name} WITH (FORCE)`);
        await dropper.end();
        await rm(directory, { recursive: true, force: true });
      },
    };
  } catch (error) {
    for (const client of clients) client.close();
    for (const server of processes) await server.stop();
    await rm(directory, { recursive: true, force: true });
    throw error;
  }
}

/** CPU of every server process so far, in microseconds. */
async function clusterCpuMicros(cluster: PostgresCluster): Promise<number> {
  let total = 0;
  for (const server of cluster.processes) {
    if (server.child.pid === undefined) throw new Error("a server process has no pid");
    total += await processCpuMicros(server.child.pid);
  }
  return total;
}

async function clusterCommits(
  cluster: PostgresCluster,
): Promise<{ commits: number; writes: number }> {
  let commits = 0;
  let writes = 0;
  for (const url of cluster.metricsUrls) {
    const counters = await commitCounters(url);
    commits += counters.commits;
    writes += counters.writes;
  }
  return { commits, writes };
}

/**
 * SendTextMessage calls kept `concurrency` in flight for `seconds`, spread over the
 * processes and chats; with the server processes' CPU per acknowledged call (all of
 * them), the PostgreSQL backends' CPU per call, and writes per commit.
 */
export async function measureCluster(
  cluster: PostgresCluster,
  concurrency: number,
  seconds: number,
): Promise<WriteSample> {
  const cpuBefore = await clusterCpuMicros(cluster);
  const databaseBefore = await databaseBackendsCpuMicros(cluster.admin, cluster.databaseName);
  const commitsBefore = await clusterCommits(cluster);
  const result = await loadCluster(cluster, concurrency, seconds);
  const cpuAfter = await clusterCpuMicros(cluster);
  const databaseAfter = await databaseBackendsCpuMicros(cluster.admin, cluster.databaseName);
  const commitsAfter = await clusterCommits(cluster);
  return {
    ...sample(result),
    cpuMicrosPerWrite: (cpuAfter - cpuBefore) / result.count,
    databaseCpuMicrosPerWrite: cpuMicrosBetween(databaseBefore, databaseAfter) / result.count,
    writesPerCommit:
      (commitsAfter.writes - commitsBefore.writes) /
      Math.max(1, commitsAfter.commits - commitsBefore.commits),
  };
}

function loadCluster(cluster: PostgresCluster, concurrency: number, seconds: number) {
  const processCount = cluster.processes.length;
  const perProcess = cluster.senders.length / processCount;
  return closedLoop(concurrency, seconds, (index) => {
    // Round-robin over processes first, then over chats within each process.
    const process = index % processCount;
    const chat = Math.floor(index / processCount) % perProcess;
    const sender = cluster.senders[process * perProcess + chat];
    if (sender === undefined) throw new Error("no sender");
    return unaryCall(
      sender.client,
      "sendTextMessage",
      { chatGuid: sender.chatGuid, text: `bench message ${index}` },
      sender.metadata,
    );
  });
}

/** Medians per concurrency, for each process count. */
export interface PostgresProcessesResult {
  readonly concurrency: number;
  /** Samples by process count. */
  readonly samples: ReadonlyMap<number, readonly WriteSample[]>;
}

/** Settings from the environment (the same knobs as the write-peers comparison). */
export function postgresProcessesSettings(environment: NodeJS.ProcessEnv = process.env) {
  return {
    postgresUrl: environment.THREADLINE_TEST_PG_URL ?? "postgres://postgres@127.0.0.1:5432/test",
    rounds: Math.max(1, Number(environment.THREADLINE_BENCH_WRITE_ROUNDS ?? 3)),
    seconds: Number(environment.THREADLINE_BENCH_WRITE_SECONDS ?? 2),
    concurrencies: (environment.THREADLINE_BENCH_WRITE_IN_FLIGHT ?? "1,64,256")
      .split(",")
      .map(Number),
    processCounts: [1, 3],
    chats: Number(environment.THREADLINE_BENCH_PG_CHATS ?? 16),
    poolSize: Number(environment.THREADLINE_BENCH_PG_POOL ?? 4),
  };
}

/**
 * Starts one cluster per process count (each on a database of its own) and measures
 * them interleaved: every round runs every concurrency on every cluster in turn.
 */
export async function measurePostgresProcesses(
  options: ReturnType<typeof postgresProcessesSettings> & {
    readonly progress?: (line: string) => void;
  },
): Promise<PostgresProcessesResult[]> {
  const clusters = new Map<number, PostgresCluster>();
  try {
    for (const count of options.processCounts) {
      clusters.set(
        count,
        await startCluster(options.postgresUrl, count, options.chats, options.poolSize),
      );
    }
    for (const cluster of clusters.values())
      await measureCluster(cluster, 64, Math.min(1, options.seconds));
    const results = options.concurrencies.map((concurrency) => ({
      concurrency,
      samples: new Map(options.processCounts.map((count) => [count, [] as WriteSample[]])),
    }));
    for (let round = 0; round < options.rounds; round += 1) {
      for (const result of results) {
        for (const [count, cluster] of clusters) {
          options.progress?.(
            `round ${round + 1}/${options.rounds}, ${result.concurrency} in flight, ${count} process(es)`,
          );
          result.samples
            .get(count)
            ?.push(await measureCluster(cluster, result.concurrency, options.seconds));
        }
      }
    }
    return results;
  } finally {
    for (const cluster of clusters.values()) await cluster.close();
  }
}

/** The comparison as a Markdown table: msg/s, p50 and p99 per process count, and the ratio. */
export function postgresProcessesTable(results: readonly PostgresProcessesResult[]): string {
  const counts = [...(results[0]?.samples.keys() ?? [])];
  const format = (value: number) => Math.round(value).toLocaleString("en-US");
  const header = [
    "In flight",
    ...counts.flatMap((count) => [
      `${count} process${count === 1 ? "" : "es"} msg/s`,
      "p50 ms",
      "p99 ms",
    ]),
    ...(counts.length === 2 ? [`${counts[1]} ÷ ${counts[0]}`] : []),
  ];
  const lines = results.map((result) => {
    const perSecond = counts.map((count) =>
      median((result.samples.get(count) ?? []).map((sample) => sample.perSecond)),
    );
    return [
      String(result.concurrency),
      ...counts.flatMap((count, index) => {
        const samples = result.samples.get(count) ?? [];
        return [
          format(perSecond[index] ?? 0),
          median(samples.map((sample) => sample.p50Ms)).toFixed(1),
          median(samples.map((sample) => sample.p99Ms)).toFixed(1),
        ];
      }),
      ...(counts.length === 2
        ? [`${((perSecond[1] ?? 0) / Math.max(1, perSecond[0] ?? 0)).toFixed(2)}×`]
        : []),
    ];
  });
  return [header, header.map(() => "---"), ...lines]
    .map((cells) => `| ${cells.join(" | ")} |`)
    .join("\n");
}

/** `tsx bench/postgres-processes.ts`: this comparison alone, with the load average. */
async function main(): Promise<void> {
  const before = loadavg();
  const settings = postgresProcessesSettings();
  const results = await measurePostgresProcesses({
    ...settings,
    progress: (line) => console.error(line),
  });
  console.log(
    `SendTextMessage on PostgreSQL, ${settings.chats} chats round-robin, pool ${settings.poolSize} per process:\n${postgresProcessesTable(results)}`,
  );
  console.log(
    `load average before ${before.map((value) => value.toFixed(2)).join(" ")}, after ${loadavg()
      .map((value) => value.toFixed(2))
      .join(" ")}`,
  );
}

if (process.argv[1] !== undefined && import.meta.url === pathToFileURL(process.argv[1]).href) {
  main().catch((error: unknown) => {
    console.error(error);
    process.exit(1);
  });
}
