/**
 * Live delivery at scale (issue 16): a writer process, a `threadline-server` process and
 * the subscribers spread over four client processes, for 1, 100 and 1,000 subscribers.
 * Latency runs from the start of a write to its receipt, on the host's one monotonic
 * clock (see live-bench-messages.ts). Beside Threadline, in the same run and with the
 * same subscriber counts and rates, NATS core publish -> subscribe on 127.0.0.1:4222.
 * Then the server's RSS with 10,000 idle live subscribers.
 *
 * Systems are interleaved within every round, so a burst of load on the shared machine
 * falls on all of them alike. Each figure is the median over rounds.
 *
 * Settings (environment; turbo passes THREADLINE_BENCH_*):
 * - THREADLINE_BENCH_RUNS            rounds per cell (default 3)
 * - THREADLINE_BENCH_LIVE_SECONDS    seconds of writing per round and system (default 5)
 * - THREADLINE_BENCH_LIVE_CELLS      subscribers@events/s list (default "1@1000,100@1000,1000@100"; "none" skips)
 * - THREADLINE_BENCH_LIVE_SYSTEMS    systems to compare (default "threadline-subscribe,threadline-live,nats";
 *                                    "published-live" adds the published client)
 * - THREADLINE_BENCH_IDLE_SUBSCRIBERS idle live subscribers for the RSS figure (default 10000; 0 skips)
 * - THREADLINE_BENCH_NATS            NATS server (default 127.0.0.1:4222)
 * - THREADLINE_BENCH_PROFILE_DIR     when set, the server and client processes write --cpu-prof profiles there
 * - THREADLINE_BENCH_SERVER_CLI      path of the threadline-server bin to run (default: the workspace build)
 */
import { type ChildProcess, execFile, fork, spawn } from "node:child_process";
import { mkdtemp, readdir, readFile, rm } from "node:fs/promises";
import { createRequire } from "node:module";
import { loadavg, tmpdir } from "node:os";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";
import { credentials, Metadata, makeGenericClientConstructor } from "@grpc/grpc-js";
import { ChatServiceDefinition } from "@threadline/protocol";
import {
  type LiveSystem,
  type LiveTarget,
  liveSystems,
  type SubscriberCommand,
  type SubscriberReport,
  type WriterCommand,
  type WriterReport,
} from "./live-bench-messages.js";
import { captureMessageEvents, liveFrames, measureClientPath } from "./live-client-path.js";

/** One subscriber count at one write rate. */
export interface LiveCell {
  readonly subscribers: number;
  readonly eventsPerSecond: number;
}

/** What {@link runLiveBenchmarks} measures. */
export interface LiveBenchConfig {
  readonly runs: number;
  readonly durationMs: number;
  readonly cells: readonly LiveCell[];
  readonly systems: readonly LiveSystem[];
  readonly idleSubscribers: number;
  readonly clientProcesses: number;
  readonly natsServer: string;
  readonly profileDirectory: string | undefined;
}

function parseCells(raw: string): LiveCell[] {
  if (raw.trim() === "none") return [];
  return raw.split(",").map((cell) => {
    const [subscribers, rate] = cell.trim().split("@").map(Number);
    if (!Number.isSafeInteger(subscribers) || !Number.isSafeInteger(rate))
      throw new Error(
        `THREADLINE_BENCH_LIVE_CELLS must look like "1@1000,100@1000"; received ${raw}`,
      );
    return { subscribers: subscribers ?? 1, eventsPerSecond: rate ?? 1 };
  });
}

function parseSystems(raw: string): LiveSystem[] {
  return raw.split(",").map((name) => {
    const system = liveSystems.find((known) => known === name.trim());
    if (system === undefined)
      throw new Error(
        `THREADLINE_BENCH_LIVE_SYSTEMS accepts ${liveSystems.join(", ")}; received ${name}`,
      );
    return system;
  });
}

/** The settings from THREADLINE_BENCH_* (see the file comment). */
export function liveBenchConfigFromEnvironment(
  environment: NodeJS.ProcessEnv = process.env,
): LiveBenchConfig {
  return {
    runs: Number(environment.THREADLINE_BENCH_RUNS ?? 3),
    durationMs: Number(environment.THREADLINE_BENCH_LIVE_SECONDS ?? 5) * 1000,
    cells: parseCells(environment.THREADLINE_BENCH_LIVE_CELLS ?? "1@1000,100@1000,1000@100"),
    systems: parseSystems(
      environment.THREADLINE_BENCH_LIVE_SYSTEMS ?? "threadline-subscribe,threadline-live,nats",
    ),
    idleSubscribers: Number(environment.THREADLINE_BENCH_IDLE_SUBSCRIBERS ?? 10_000),
    clientProcesses: 4,
    natsServer: environment.THREADLINE_BENCH_NATS ?? "127.0.0.1:4222",
    profileDirectory: environment.THREADLINE_BENCH_PROFILE_DIR,
  };
}

const here = dirname(fileURLToPath(import.meta.url));
const serverPackage = createRequire(import.meta.url).resolve("@threadline/server/package.json");
// THREADLINE_BENCH_SERVER_CLI runs another build of the server (an earlier commit's, say).
const serverCli =
  process.env.THREADLINE_BENCH_SERVER_CLI ??
  join(dirname(serverPackage), "bin", "threadline-server.js");

function run(command: string, args: readonly string[]): Promise<string> {
  return new Promise((resolve, reject) => {
    execFile(command, args, (error, stdout, stderr) =>
      error ? reject(new Error(`${error.message}\n${stderr}`)) : resolve(stdout),
    );
  });
}

let profiles = 0;

// Node names each profile after the process and thread (a tsx process has a loader
// thread too), so every process gets a directory of its own.
function profileArguments(config: LiveBenchConfig, name: string): string[] {
  if (config.profileDirectory === undefined) return [];
  profiles++;
  return ["--cpu-prof", `--cpu-prof-dir=${join(config.profileDirectory, `${name}-${profiles}`)}`];
}

/** A server process and what the benchmark needs of it. */
interface ServerProcess {
  readonly address: string;
  readonly pid: number;
  stop(): Promise<void>;
}

async function startServer(
  config: LiveBenchConfig,
  dataPath: string,
  profileName: string,
): Promise<ServerProcess> {
  const child = spawn(
    process.execPath,
    [
      ...profileArguments(config, profileName),
      serverCli,
      "start",
      "--data",
      dataPath,
      "--port",
      "0",
    ],
    { stdio: ["ignore", "ignore", "pipe"] },
  );
  const exited = new Promise<void>((resolve) => child.once("exit", () => resolve()));
  let stderr = "";
  const address = await new Promise<string>((resolve, reject) => {
    child.stderr?.on("data", (chunk: Buffer) => {
      stderr += chunk.toString();
      const match = /listening on (\S+)/.exec(stderr);
      if (match?.[1] !== undefined) resolve(match[1]);
    });
    exited.then(() => reject(new Error(`server exited before listening:\n${stderr}`)));
  });
  return {
    address,
    pid: child.pid ?? 0,
    async stop() {
      child.kill("SIGTERM");
      await exited;
    },
  };
}

async function addAccount(dataPath: string, address: string): Promise<string> {
  return (
    await run(process.execPath, [serverCli, "accounts", "add", address, "--data", dataPath])
  ).trim();
}

async function createChat(address: string, token: string, recipient: string): Promise<string> {
  const Chats = makeGenericClientConstructor(ChatServiceDefinition, "Chats");
  const client = new Chats(address, credentials.createInsecure());
  const metadata = new Metadata();
  metadata.set("authorization", `Bearer ${token}`);
  try {
    return await new Promise<string>((resolve, reject) => {
      const invoke: unknown = Reflect.get(client, "createChat");
      if (typeof invoke !== "function") throw new Error("no createChat method");
      Reflect.apply(invoke, client, [
        { addresses: [recipient] },
        metadata,
        (error: Error | null, response: { chat?: { guid?: string } }) => {
          const guid = response?.chat?.guid;
          if (error !== null || guid === undefined) reject(error ?? new Error("no chat guid"));
          else resolve(guid);
        },
      ]);
    });
  } finally {
    client.close();
  }
}

/** A child process that answers each command with one report. */
class Worker<Command, Report extends { type: string }> {
  private readonly child: ChildProcess;
  private readonly waiting: {
    resolve(report: Report): void;
    reject(error: Error): void;
  }[] = [];
  private readonly exited: Promise<void>;

  constructor(script: string, execArgv: readonly string[]) {
    this.child = fork(join(here, script), [], {
      execArgv: ["--import", "tsx", ...execArgv],
      serialization: "advanced",
      stdio: ["ignore", "inherit", "inherit", "ipc"],
    });
    this.exited = new Promise((resolve) => this.child.once("exit", () => resolve()));
    this.child.on("message", (report: Report) => this.waiting.shift()?.resolve(report));
    // A process that dies fails every waiting command instead of leaving it unanswered.
    this.child.once("exit", (code, signal) => {
      for (const waiter of this.waiting.splice(0))
        waiter.reject(new Error(`${script} exited (${signal ?? code})`));
    });
  }

  /** Sends `command` and resolves with the process's answer; rejects on a `failed` answer. */
  async ask(command: Command): Promise<Report> {
    const answer = new Promise<Report>((resolve, reject) => this.waiting.push({ resolve, reject }));
    this.child.send(command as object);
    const report = await answer;
    if (report.type === "failed") throw new Error(`${String(Reflect.get(report, "error"))}`);
    return report;
  }

  /** Asks the process to exit; kills it when it has not after 10 s (a command still running). */
  async exit(command: Command): Promise<void> {
    if (this.child.exitCode !== null || this.child.signalCode !== null) return;
    this.child.send(command as object);
    const timer = setTimeout(() => this.child.kill("SIGKILL"), 10_000);
    await this.exited;
    clearTimeout(timer);
  }
}

type SubscriberWorker = Worker<SubscriberCommand, SubscriberReport>;
type WriterWorker = Worker<WriterCommand, WriterReport>;

function ticksPerSecond(): Promise<number> {
  return run("getconf", ["CLK_TCK"]).then(
    (out) => Number(out.trim()) || 100,
    () => 100,
  );
}

/** User + system CPU time of process `pid` in seconds, or undefined when unreadable. */
async function cpuSeconds(pid: number | undefined, ticks: number): Promise<number | undefined> {
  if (pid === undefined) return undefined;
  try {
    const stat = await readFile(`/proc/${pid}/stat`, "utf8");
    // Fields after the command name (which may contain spaces) start at state.
    const fields = stat.slice(stat.lastIndexOf(")") + 2).split(" ");
    return (Number(fields[11]) + Number(fields[12])) / ticks;
  } catch {
    return undefined;
  }
}

async function rssBytes(pid: number): Promise<number> {
  const status = await readFile(`/proc/${pid}/status`, "utf8");
  return Number(/VmRSS:\s+(\d+) kB/.exec(status)?.[1] ?? 0) * 1024;
}

/** The pid of a local nats-server, if this host runs one we can see. */
async function findNatsServerPid(): Promise<number | undefined> {
  for (const entry of await readdir("/proc")) {
    if (!/^\d+$/.test(entry)) continue;
    try {
      if ((await readFile(`/proc/${entry}/comm`, "utf8")).trim() === "nats-server")
        return Number(entry);
    } catch {
      // The process ended while we looked.
    }
  }
  return undefined;
}

/** Splits `total` as evenly as possible over `parts`. */
function spread(total: number, parts: number): number[] {
  return Array.from(
    { length: parts },
    (_, index) => Math.floor(total / parts) + (index < total % parts ? 1 : 0),
  );
}

function percentile(sorted: Float64Array, fraction: number): number {
  if (sorted.length === 0) return Number.NaN;
  return sorted[Math.min(sorted.length - 1, Math.floor(fraction * sorted.length))] ?? Number.NaN;
}

function median(values: readonly number[]): number {
  const finite = values.filter((value) => Number.isFinite(value)).sort((a, b) => a - b);
  if (finite.length === 0) return Number.NaN;
  const middle = Math.floor(finite.length / 2);
  return finite.length % 2 === 1
    ? (finite[middle] ?? Number.NaN)
    : ((finite[middle - 1] ?? 0) + (finite[middle] ?? 0)) / 2;
}

/** One system's figures in one round of one cell. */
interface RoundResult {
  readonly p50Ms: number;
  readonly p99Ms: number;
  readonly maxMs: number;
  /** Distinct events received over events expected (acknowledged writes x subscribers). */
  readonly deliveredShare: number;
  readonly cuts: number;
  readonly misordered: number;
  /** Server CPU microseconds per delivered event; NaN when the server's CPU is unreadable. */
  readonly cpuMicrosPerEvent: number;
  /** CPU microseconds of the client processes per delivered event. */
  readonly clientCpuMicrosPerEvent: number;
  readonly ackP50Ms: number;
  readonly ackP99Ms: number;
  readonly firstError: string | undefined;
}

interface Context {
  readonly config: LiveBenchConfig;
  readonly target: LiveTarget;
  readonly subscribers: readonly SubscriberWorker[];
  readonly writer: WriterWorker;
  readonly serverPid: number;
  readonly natsPid: number | undefined;
  readonly ticks: number;
  nextIndex: number;
  runNumber: number;
}

async function waitForDelivery(busy: readonly SubscriberWorker[], expected: number) {
  const deadline = Date.now() + 15_000;
  let last = -1;
  let lastChange = Date.now();
  for (;;) {
    const reports = await Promise.all(busy.map((worker) => worker.ask({ type: "progress" })));
    let delivered = 0;
    for (const report of reports) if (report.type === "progress") delivered += report.delivered;
    if (delivered >= expected) return;
    if (delivered !== last) {
      last = delivered;
      lastChange = Date.now();
    }
    // Nothing new for 2 s: what has not arrived by now is not coming.
    if (Date.now() - lastChange > 2000 || Date.now() > deadline) return;
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
}

async function measureRound(
  context: Context,
  system: LiveSystem,
  cell: LiveCell,
  durationMs: number,
): Promise<RoundResult> {
  const subject = `live-bench.${process.pid}.${context.runNumber++}`;
  const shares = spread(cell.subscribers, context.subscribers.length);
  const busy = context.subscribers.filter((_, index) => (shares[index] ?? 0) > 0);
  await Promise.all(
    busy.map((worker, index) =>
      worker.ask({
        type: "open",
        system,
        target: context.target,
        subscriptions: shares[index] ?? 0,
        subject,
        idle: false,
      }),
    ),
  );
  const serverPid = system === "nats" ? context.natsPid : context.serverPid;
  const cpuBefore = await cpuSeconds(serverPid, context.ticks);
  const firstIndex = context.nextIndex;
  const eventsPerRound = Math.round((cell.eventsPerSecond * durationMs) / 1000);
  context.nextIndex += eventsPerRound;
  const written = await context.writer.ask({
    type: "write",
    system,
    target: context.target,
    subject,
    eventsPerSecond: cell.eventsPerSecond,
    durationMs,
    firstIndex,
  });
  if (written.type !== "written") throw new Error("writer did not write");
  const expected = written.acknowledged * cell.subscribers;
  await waitForDelivery(busy, expected);
  const cpuAfter = await cpuSeconds(serverPid, context.ticks);
  const collected = await Promise.all(busy.map((worker) => worker.ask({ type: "collect" })));
  await Promise.all(busy.map((worker) => worker.ask({ type: "close" })));
  let delivered = 0;
  let cuts = 0;
  let misordered = 0;
  let firstError = written.firstError;
  let count = 0;
  let clientCpuMicros = 0;
  for (const report of collected) {
    if (report.type !== "collected") continue;
    count += report.latencies.length;
    clientCpuMicros += report.cpuMicros;
  }
  const latencies = new Float64Array(count);
  let offset = 0;
  for (const report of collected) {
    if (report.type !== "collected") continue;
    latencies.set(report.latencies, offset);
    offset += report.latencies.length;
    delivered += report.delivered;
    cuts += report.cuts;
    misordered += report.misordered;
    firstError ??= report.firstError;
  }
  latencies.sort();
  const cpu =
    cpuBefore === undefined || cpuAfter === undefined || delivered === 0
      ? Number.NaN
      : ((cpuAfter - cpuBefore) * 1e6) / delivered;
  return {
    p50Ms: percentile(latencies, 0.5),
    p99Ms: percentile(latencies, 0.99),
    maxMs: latencies.length === 0 ? Number.NaN : (latencies[latencies.length - 1] ?? Number.NaN),
    deliveredShare: expected === 0 ? 0 : delivered / expected,
    cuts,
    misordered,
    cpuMicrosPerEvent: cpu,
    clientCpuMicrosPerEvent: delivered === 0 ? Number.NaN : clientCpuMicros / delivered,
    ackP50Ms: written.ackP50Ms,
    ackP99Ms: written.ackP99Ms,
    firstError,
  };
}

/** The median of every figure over a cell's rounds for one system. */
interface CellSummary {
  readonly cell: LiveCell;
  readonly system: LiveSystem;
  readonly rounds: readonly RoundResult[];
}

const systemNames: Record<LiveSystem, string> = {
  "threadline-subscribe": "Threadline subscribe()",
  "threadline-live": 'Threadline live("message")',
  "published-live": "published client subscribeEvents()",
  nats: "NATS core",
};

const ms = (value: number) =>
  Number.isNaN(value) ? "n/a" : value < 10 ? value.toFixed(2) : value.toFixed(0);

function summaryRow(summary: CellSummary): string[] {
  const pick = (key: keyof RoundResult) =>
    median(summary.rounds.map((round) => Number(round[key])));
  const share = pick("deliveredShare");
  const cuts = summary.rounds.map((round) => round.cuts);
  const cpu = pick("cpuMicrosPerEvent");
  return [
    `${summary.cell.subscribers} @ ${summary.cell.eventsPerSecond}/s`,
    systemNames[summary.system],
    ms(pick("p50Ms")),
    ms(pick("p99Ms")),
    ms(pick("maxMs")),
    `${(share * 100).toFixed(share >= 0.9995 ? 0 : 1)} %`,
    cuts.join("/"),
    Number.isNaN(cpu) ? "n/a" : cpu.toFixed(1),
    ms(pick("clientCpuMicrosPerEvent")),
    summary.system === "nats" ? "-" : `${ms(pick("ackP50Ms"))} / ${ms(pick("ackP99Ms"))}`,
  ];
}

function printTable(headers: readonly string[], rows: readonly (readonly string[])[]): void {
  const widths = headers.map((header, column) =>
    Math.max(header.length, ...rows.map((row) => (row[column] ?? "").length)),
  );
  const line = (cells: readonly string[]) =>
    `| ${cells.map((cell, column) => cell.padEnd(widths[column] ?? 0)).join(" | ")} |`;
  console.log(line(headers));
  console.log(`|${widths.map((width) => "-".repeat(width + 2)).join("|")}|`);
  for (const row of rows) console.log(line(row));
}

function targetRows(summaries: readonly CellSummary[], idle: IdleResult | undefined): string[][] {
  const find = (subscribers: number, system: LiveSystem) =>
    summaries.find(
      (summary) => summary.cell.subscribers === subscribers && summary.system === system,
    );
  const pick = (summary: CellSummary | undefined, key: keyof RoundResult) =>
    summary === undefined ? Number.NaN : median(summary.rounds.map((round) => Number(round[key])));
  const maxCuts = (summary: CellSummary | undefined) =>
    summary === undefined ? Number.NaN : Math.max(...summary.rounds.map((round) => round.cuts));
  const verdict = (met: boolean | undefined) =>
    met === undefined ? "n/a" : met ? "met" : "MISSED";
  const rows: string[][] = [];
  for (const system of summaries
    .map((summary) => summary.system)
    .filter((system, index, all) => system !== "nats" && all.indexOf(system) === index)) {
    const name = systemNames[system];
    const one = find(1, system);
    const hundred = find(100, system);
    const thousand = find(1000, system);
    const nats = (subscribers: number) => find(subscribers, "nats");
    if (one !== undefined) {
      rows.push([
        name,
        "1 subscriber: p50 <= 2 ms, p99 <= 20 ms",
        `${ms(pick(one, "p50Ms"))} / ${ms(pick(one, "p99Ms"))} ms`,
        verdict(pick(one, "p50Ms") <= 2 && pick(one, "p99Ms") <= 20),
        `${ms(pick(nats(1), "p50Ms"))} / ${ms(pick(nats(1), "p99Ms"))} ms`,
      ]);
    }
    if (hundred !== undefined) {
      rows.push([
        name,
        "100 subscribers: 0 cut, 100 % delivered, p99 <= 100 ms",
        `${maxCuts(hundred)} cut, ${(pick(hundred, "deliveredShare") * 100).toFixed(1)} %, p99 ${ms(pick(hundred, "p99Ms"))} ms`,
        verdict(
          maxCuts(hundred) === 0 &&
            Math.min(...hundred.rounds.map((round) => round.deliveredShare)) >= 1 &&
            pick(hundred, "p99Ms") <= 100,
        ),
        `${(pick(nats(100), "deliveredShare") * 100).toFixed(1)} %, p99 ${ms(pick(nats(100), "p99Ms"))} ms`,
      ]);
    }
    if (thousand !== undefined) {
      rows.push([
        name,
        "1,000 subscribers at 100 events/s: 0 cut",
        `${maxCuts(thousand)} cut, ${(pick(thousand, "deliveredShare") * 100).toFixed(1)} %`,
        verdict(maxCuts(thousand) === 0),
        `${(pick(nats(1000), "deliveredShare") * 100).toFixed(1)} %, p99 ${ms(pick(nats(1000), "p99Ms"))} ms`,
      ]);
    }
    const cpu = [one, hundred, thousand].map((summary) => pick(summary, "cpuMicrosPerEvent"));
    const worst = Math.max(...cpu.filter((value) => Number.isFinite(value)));
    rows.push([
      name,
      "server CPU per delivered event <= 5 us (worst cell)",
      `${cpu.map((value) => (Number.isNaN(value) ? "n/a" : value.toFixed(1))).join(" / ")} us`,
      verdict(Number.isFinite(worst) ? worst <= 5 : undefined),
      `nats-server ${[1, 100, 1000]
        .map((subscribers) => {
          const value = pick(nats(subscribers), "cpuMicrosPerEvent");
          return Number.isNaN(value) ? "n/a" : value.toFixed(1);
        })
        .join(" / ")} us`,
    ]);
  }
  if (idle !== undefined) {
    rows.push([
      systemNames["threadline-live"],
      `${idle.subscribers.toLocaleString("en-US")} idle live subscribers: server RSS <= 400 MB`,
      `${mebibytes(idle.withSubscribersBytes)} (idle server ${mebibytes(idle.baselineBytes)})`,
      verdict(idle.withSubscribersBytes <= 400 * 1024 * 1024),
      "-",
    ]);
  }
  return rows;
}

const mebibytes = (bytes: number) => `${(bytes / 1024 / 1024).toFixed(0)} MiB`;

interface IdleResult {
  readonly subscribers: number;
  readonly baselineBytes: number;
  readonly withSubscribersBytes: number;
  readonly runs: readonly number[];
}

/** A fresh server's RSS before and with `count` idle live("message") streams spread over the clients. */
async function measureIdle(
  config: LiveBenchConfig,
  directory: string,
  subscribers: readonly SubscriberWorker[],
  round: number,
): Promise<{ baselineBytes: number; withSubscribersBytes: number }> {
  const dataPath = join(directory, `idle-${round}.db`);
  // The server allows 1,000 live streams per account: 10,000 subscribers are ten
  // accounts' worth, each account read by two connections of 500 streams.
  const perClient = 500;
  const perAccount = 1000;
  const tokens: string[] = [];
  for (let index = 0; index < Math.ceil(config.idleSubscribers / perAccount); index++)
    tokens.push(await addAccount(dataPath, `idle-${index}@example.com`));
  const token = tokens[0] ?? "";
  const server = await startServer(config, dataPath, "server-idle");
  try {
    await new Promise((resolve) => setTimeout(resolve, 300));
    const baselineBytes = await rssBytes(server.pid);
    const target: LiveTarget = {
      address: server.address,
      subscriberToken: token,
      writerToken: token,
      chatGuid: "",
      natsServer: config.natsServer,
    };
    const shares = spread(config.idleSubscribers, subscribers.length);
    // Connection k overall reads account floor(k * perClient / perAccount).
    let connection = 0;
    const clientTokens = shares.map((share) =>
      Array.from(
        { length: Math.ceil(share / perClient) },
        () => tokens[Math.floor((connection++ * perClient) / perAccount)] ?? token,
      ),
    );
    const opened = Promise.all(
      subscribers.map((worker, index) =>
        worker.ask({
          type: "open",
          system: "threadline-live",
          target,
          subscriptions: shares[index] ?? 0,
          subject: "",
          idle: true,
          // Many applications' connections, not one: 500 streams per connection.
          perClient,
          clientTokens: clientTokens[index] ?? [],
        }),
      ),
    );
    let timer: NodeJS.Timeout | undefined;
    await Promise.race([
      opened,
      new Promise((_, reject) => {
        timer = setTimeout(
          () => reject(new Error(`${config.idleSubscribers} subscriptions not live after 180 s`)),
          180_000,
        );
      }),
    ]).finally(() => clearTimeout(timer));
    await new Promise((resolve) => setTimeout(resolve, 1000));
    const withSubscribersBytes = await rssBytes(server.pid);
    await Promise.all(subscribers.map((worker) => worker.ask({ type: "collect" })));
    await Promise.all(subscribers.map((worker) => worker.ask({ type: "close" })));
    return { baselineBytes, withSubscribersBytes };
  } finally {
    await server.stop();
  }
}

/** The client's CPU per event of subscribe() on replayed one-event frames: median of 5 after a warm-up. */
async function measureClientShare(): Promise<number[]> {
  const events = 50_000;
  const frames = liveFrames(await captureMessageEvents(32), events);
  await measureClientPath(frames, events);
  const runs: number[] = [];
  for (let run = 0; run < 5; run++)
    runs.push((await measureClientPath(frames, events)).cpuMicrosPerEvent);
  return runs;
}

/** Runs every cell and the idle figure, and prints the tables. */
export async function runLiveBenchmarks(config: LiveBenchConfig): Promise<void> {
  console.error("live: client share per event (replayed frames, this process)...");
  const clientShare = await measureClientShare();
  const directory = await mkdtemp(join(tmpdir(), "threadline-live-bench-"));
  const dataPath = join(directory, "live.db");
  const writerToken = await addAccount(dataPath, "writer@example.com");
  const subscriberToken = await addAccount(dataPath, "reader@example.com");
  const server = await startServer(config, dataPath, "server");
  const subscribers: SubscriberWorker[] = Array.from(
    { length: config.clientProcesses },
    (_, index) =>
      new Worker<SubscriberCommand, SubscriberReport>(
        "live-subscriber-process.ts",
        profileArguments(config, `client-${index}`),
      ),
  );
  const writer: WriterWorker = new Worker<WriterCommand, WriterReport>(
    "live-writer-process.ts",
    [],
  );
  const load = [loadavg()];
  const summaries: CellSummary[] = [];
  let idle: IdleResult | undefined;
  try {
    const chatGuid = await createChat(server.address, writerToken, "reader@example.com");
    const context: Context = {
      config,
      target: {
        address: server.address,
        subscriberToken,
        writerToken,
        chatGuid,
        natsServer: config.natsServer,
      },
      subscribers,
      writer,
      serverPid: server.pid,
      natsPid: await findNatsServerPid(),
      ticks: await ticksPerSecond(),
      nextIndex: 0,
      runNumber: 0,
    };
    // Warm-up, discarded: JIT, connections, the server's first writes.
    for (const system of config.systems)
      await measureRound(context, system, { subscribers: 4, eventsPerSecond: 500 }, 1000);
    for (const cell of config.cells) {
      const rounds = new Map<LiveSystem, RoundResult[]>(
        config.systems.map((system) => [system, []]),
      );
      for (let round = 0; round < config.runs; round++) {
        for (const system of config.systems) {
          console.error(
            `live: ${cell.subscribers} subscribers @ ${cell.eventsPerSecond}/s, ${systemNames[system]}, round ${round + 1}/${config.runs}`,
          );
          rounds.get(system)?.push(await measureRound(context, system, cell, config.durationMs));
        }
      }
      for (const system of config.systems) {
        const summary = { cell, system, rounds: rounds.get(system) ?? [] };
        summaries.push(summary);
        // As it goes, so a run cut short still shows what it measured.
        console.log(`live so far: | ${summaryRow(summary).join(" | ")} |`);
      }
      load.push(loadavg());
    }
  } finally {
    await server.stop();
  }
  try {
    if (config.idleSubscribers > 0) {
      console.error(`live: ${config.idleSubscribers} idle subscribers...`);
      const runs: { baselineBytes: number; withSubscribersBytes: number }[] = [];
      for (let round = 0; round < Math.max(1, Math.min(config.runs, 3)); round++) {
        const result = await measureIdle(config, directory, subscribers, round).catch(
          (error: unknown) => {
            console.log(`live: idle subscribers failed: ${String(error)}`);
            return undefined;
          },
        );
        if (result === undefined) break;
        console.log(
          `live so far: ${config.idleSubscribers} idle subscribers, server RSS ${mebibytes(result.withSubscribersBytes)} (idle ${mebibytes(result.baselineBytes)})`,
        );
        runs.push(result);
      }
      if (runs.length > 0)
        idle = {
          subscribers: config.idleSubscribers,
          baselineBytes: median(runs.map((result) => result.baselineBytes)),
          withSubscribersBytes: median(runs.map((result) => result.withSubscribersBytes)),
          runs: runs.map((result) => result.withSubscribersBytes),
        };
      load.push(loadavg());
    }
  } finally {
    await Promise.all(subscribers.map((worker) => worker.exit({ type: "exit" })));
    await writer.exit({ type: "exit" });
    await rm(directory, { recursive: true, force: true });
  }

  console.log(
    `\nLive delivery: writer, server and ${config.clientProcesses} client processes apart; latency from the start of a write to receipt (ms), median of ${config.runs} rounds of ${config.durationMs / 1000} s per cell and system, systems interleaved.`,
  );
  printTable(
    [
      "Cell",
      "System",
      "p50",
      "p99",
      "max",
      "delivered",
      "cuts per round",
      "server CPU us/event",
      "client CPU us/event",
      "write ack p50 / p99",
    ],
    summaries.map(summaryRow),
  );
  for (const summary of summaries) {
    const errors = summary.rounds
      .map((round) => round.firstError)
      .filter((error) => error !== undefined);
    const misordered = summary.rounds.reduce((sum, round) => sum + round.misordered, 0);
    if (errors.length > 0 || misordered > 0)
      console.log(
        `  ${summary.cell.subscribers} @ ${summary.cell.eventsPerSecond}/s ${systemNames[summary.system]}: ${misordered} duplicate or out-of-order; first error: ${errors[0] ?? "none"}`,
      );
  }
  if (idle !== undefined)
    console.log(
      `\nServer RSS with ${idle.subscribers.toLocaleString("en-US")} idle live("message") streams (4 client processes, 500 per connection): ${mebibytes(idle.withSubscribersBytes)} (runs ${idle.runs.map(mebibytes).join(", ")}); idle server ${mebibytes(idle.baselineBytes)}.`,
    );
  console.log(
    `\nClient share of live delivery, no network: subscribe() reading replayed one-event SubscribeEvents frames costs ${median(clientShare).toFixed(2)} us CPU per event (runs ${clientShare.map((value) => value.toFixed(2)).join(", ")}).`,
  );
  console.log("\nTargets of issue 16, beside NATS core in the same run:");
  printTable(["System", "Target", "Measured", "Verdict", "NATS core"], targetRows(summaries, idle));
  console.log(
    `\nLoad average (1/5/15 min) at start and after each cell: ${load.map((sample) => sample.map((value) => value.toFixed(2)).join("/")).join(", ")}`,
  );
}

// Run alone: `tsx bench/live-latency.ts`.
if (process.argv[1] !== undefined && fileURLToPath(import.meta.url) === process.argv[1]) {
  await runLiveBenchmarks(liveBenchConfigFromEnvironment());
}
