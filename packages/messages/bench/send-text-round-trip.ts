/**
 * `pnpm --filter @threadline/messages bench` (`-- --full` for longer runs).
 *
 * A sendText round trip with 64 calls in flight, from this process to a server in
 * another process: `im.messages.sendText` beside hand-written SendTextMessage calls on a
 * bare grpc-js client, interleaved run by run so both see the same server and machine.
 * The raw peer is shown twice: as the SDK calls (an `x-idempotency-key` and a 30 s
 * deadline per call, so client and server do the same work) and bare (neither).
 *
 * Figures: per run, the median round trip of its calls and the calls per second; the
 * table shows the median over runs, after one warm-up run of each. The headline
 * overhead is the median of the per-round ratios (each SDK run against the raw run of the
 * same round), which cancels most of the drift a shared machine adds between rounds.
 */
import { randomUUID } from "node:crypto";
import { credentials, Client as GrpcClient, Metadata } from "@grpc/grpc-js";
import { chats } from "@threadline/chats";
import { type ClientContext, createClient, defaultChannelOptions } from "@threadline/core";
import { MessageServiceDefinition, type photon } from "@threadline/protocol";
import { startSeededServerProcess } from "@threadline/server/testing";
import { messages } from "../src/index.js";

/**
 * The resource's own CPU per sendText (argument checks, request building, decoding and
 * mapping the response), in process: a context whose unary call answers at once with a
 * response the server sent, so nothing of the network or the transport runs.
 */
async function resourceMicros(context: ClientContext, chatGuid: string): Promise<number> {
  const method = MessageServiceDefinition.sendTextMessage;
  const answer = method.responseSerialize(
    await context.unary(method, { chatGuid, text: "bench" }, { mutating: true }),
  );
  const answering: ClientContext = {
    ...context,
    unary: (called) => Promise.resolve(called.responseDeserialize(answer)),
  };
  const resource = messages(answering);
  const calls = 200_000;
  for (let index = 0; index < 20_000; index++) await resource.sendText(chatGuid, "bench");
  const started = performance.now();
  for (let index = 0; index < calls; index++) await resource.sendText(chatGuid, "bench");
  return ((performance.now() - started) * 1000) / calls;
}

const full = process.argv.includes("--full");
const inFlight = 64;
const callsPerRun = full ? 6_000 : 2_000;
const runs = full ? 15 : 9;

interface RunResult {
  readonly medianMs: number;
  readonly callsPerSecond: number;
  /** CPU time of this (client) process per call, user + system, in microseconds. */
  readonly clientCpuMicros: number;
}

function median(values: readonly number[]): number {
  const sorted = [...values].sort((left, right) => left - right);
  return sorted[Math.floor(sorted.length / 2)] ?? Number.NaN;
}

/** Runs `callsPerRun` calls of `send`, `inFlight` at a time; times every round trip. */
async function measure(send: (index: number) => Promise<unknown>): Promise<RunResult> {
  const latencies = new Float64Array(callsPerRun);
  let next = 0;
  const cpuBefore = process.cpuUsage();
  const started = performance.now();
  await Promise.all(
    Array.from({ length: inFlight }, async () => {
      while (next < callsPerRun) {
        const index = next++;
        const callStarted = performance.now();
        await send(index);
        latencies[index] = performance.now() - callStarted;
      }
    }),
  );
  const seconds = (performance.now() - started) / 1000;
  const cpu = process.cpuUsage(cpuBefore);
  return {
    medianMs: median(Array.from(latencies)),
    callsPerSecond: callsPerRun / seconds,
    clientCpuMicros: (cpu.user + cpu.system) / callsPerRun,
  };
}

function rawSender(address: string, token: string, chatGuid: string, likeTheSdk: boolean) {
  const client = new GrpcClient(address, credentials.createInsecure(), {
    ...defaultChannelOptions,
    "bench.peer": likeTheSdk ? "raw-like-sdk" : "raw",
  });
  const method = MessageServiceDefinition.sendTextMessage;
  const send = (index: number) =>
    new Promise<photon.imessage.v1.MessageResponse>((resolve, reject) => {
      const metadata = new Metadata();
      metadata.set("authorization", `Bearer ${token}`);
      if (likeTheSdk) metadata.set("x-idempotency-key", randomUUID());
      client.makeUnaryRequest(
        method.path,
        method.requestSerialize,
        method.responseDeserialize,
        { chatGuid, text: `bench ${index}` },
        metadata,
        likeTheSdk ? { deadline: new Date(Date.now() + 30_000) } : {},
        (error, response) => {
          if (error !== null || response === undefined) reject(error ?? new Error("no response"));
          else if (response.message === null || response.message === undefined)
            reject(new Error("SendTextMessage answered without a message"));
          else resolve(response);
        },
      );
    });
  return { send, close: () => client.close() };
}

async function main(): Promise<void> {
  const server = await startSeededServerProcess(0);
  const im = createClient({
    address: server.address,
    token: server.token,
    tls: false,
    resources: { chats, messages },
  });
  try {
    const { chat } = await im.chats.create(["peer@example.com"]);
    const peers = {
      "im.messages.sendText": (index: number) => im.messages.sendText(chat.guid, `bench ${index}`),
      // The same call one layer down: core's transport without the resource's checks
      // and mapping, to show where an overhead comes from.
      "core context.unary": (index: number) =>
        im.context.unary(
          MessageServiceDefinition.sendTextMessage,
          { chatGuid: chat.guid, text: `bench ${index}` },
          { mutating: true },
        ),
      ...(() => {
        const keyed = rawSender(server.address, server.token, chat.guid, true);
        const bare = rawSender(server.address, server.token, chat.guid, false);
        closers.push(keyed.close, bare.close);
        return {
          "raw SendTextMessage, key + deadline": keyed.send,
          "raw SendTextMessage, no key": bare.send,
        };
      })(),
    };
    const names = Object.keys(peers) as (keyof typeof peers)[];
    for (const name of names) await measure(peers[name]); // warm-up
    const results = new Map<string, RunResult[]>(names.map((name) => [name, []]));
    for (let run = 0; run < runs; run++) {
      // Rotate the order so no peer always runs right after the same other one.
      for (let offset = 0; offset < names.length; offset++) {
        const name = names[(run + offset) % names.length];
        if (name === undefined) continue;
        results.get(name)?.push(await measure(peers[name]));
      }
    }
    const rows = names.map((name) => {
      const list = results.get(name) ?? [];
      return {
        name,
        medianMs: median(list.map((result) => result.medianMs)),
        callsPerSecond: median(list.map((result) => result.callsPerSecond)),
        clientCpuMicros: median(list.map((result) => result.clientCpuMicros)),
        perRun: list.map((result) => result.medianMs.toFixed(2)).join(" "),
      };
    });
    const reference = rows.find((row) => row.name.includes("key + deadline"));
    console.log(
      `sendText round trip, ${inFlight} in flight, ${callsPerRun} calls per run, median of ${runs} runs (server in another process)`,
    );
    console.log("");
    const header = [
      "peer",
      "median round trip",
      "calls/s",
      "vs raw, key + deadline",
      "client CPU/call",
      "per-run medians (ms)",
    ];
    const lines = rows.map((row) => [
      row.name,
      `${row.medianMs.toFixed(2)} ms`,
      row.callsPerSecond.toFixed(0),
      reference === undefined
        ? ""
        : `${(((row.medianMs - reference.medianMs) / reference.medianMs) * 100).toFixed(1)} %`,
      `${row.clientCpuMicros.toFixed(0)} µs`,
      row.perRun,
    ]);
    const widths = header.map((title, column) =>
      Math.max(title.length, ...lines.map((line) => (line[column] ?? "").length)),
    );
    const format = (cells: readonly string[]) =>
      `| ${cells.map((cell, column) => cell.padEnd(widths[column] ?? 0)).join(" | ")} |`;
    console.log(format(header));
    console.log(`|${widths.map((width) => "-".repeat(width + 2)).join("|")}|`);
    for (const line of lines) console.log(format(line));
    const sdkRuns = results.get("im.messages.sendText") ?? [];
    const rawRuns = results.get("raw SendTextMessage, key + deadline") ?? [];
    const ratios = sdkRuns.flatMap((run, index) => {
      const raw = rawRuns[index];
      return raw === undefined ? [] : [run.medianMs / raw.medianMs];
    });
    const paired = (median(ratios) - 1) * 100;
    const sdk = rows.find((row) => row.name === "im.messages.sendText");
    console.log("");
    console.log(
      `im.messages.sendText's own work per call (checks, request, decoding and mapping; in process): ${(await resourceMicros(im.context, chat.guid)).toFixed(1)} µs`,
    );
    if (sdk !== undefined && reference !== undefined) {
      const overhead = ((sdk.medianMs - reference.medianMs) / reference.medianMs) * 100;
      console.log(
        `SDK over the raw RPC with the same key and deadline: ${overhead.toFixed(1)} % (medians of runs), ${paired.toFixed(1)} % (median of per-round ratios); target <= 10 %`,
      );
    }
  } finally {
    for (const close of closers) close();
    await im.close();
    await server.stop();
  }
}

const closers: (() => void)[] = [];
await main();
