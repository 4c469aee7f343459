import { mkdtemp, rm } from "node:fs/promises";
import { loadavg, tmpdir } from "node:os";
import { join } from "node:path";
import { measureConcurrentAppends, measureSingleWriteLatency } from "./append-throughput.js";
import { attachmentTransferTable } from "./attachment-transfer.js";
import { createBenchAccount, median, openBenchStore, startBenchServer } from "./bench-support.js";
import { measureCatchUp, prepareCatchUpLog } from "./catch-up-throughput.js";
import { measureIdleSubscribers } from "./idle-subscribers.js";
import { locationFanOutTable } from "./location-fan-out.js";
import {
  type ListVariant,
  measureGetMessages,
  measureListPaging,
  prepareListChat,
} from "./message-list-paging.js";
import { measureRpcWrites } from "./rpc-write-throughput.js";
import {
  measureWebhookIngest,
  measureWebhookToLive,
  prepareWhatsAppDatabase,
} from "./whatsapp-webhooks.js";
import { measureWritePeers, writePeersSettings, writePeersTable } from "./write-peers.js";

// Short by default (the machine is shared); THREADLINE_BENCH_RUNS raises the repetitions.
const runs = Number(process.env.THREADLINE_BENCH_RUNS ?? 3);
const appendEvents = Number(process.env.THREADLINE_BENCH_APPEND_EVENTS ?? 60_000);
const catchUpEvents = Number(process.env.THREADLINE_BENCH_CATCH_UP_EVENTS ?? 200_000);
const rpcMessages = Number(process.env.THREADLINE_BENCH_RPC_MESSAGES ?? 5000);
const subscribers = Number(process.env.THREADLINE_BENCH_SUBSCRIBERS ?? 1000);
const webhookPosts = Number(process.env.THREADLINE_BENCH_WEBHOOKS ?? 5000);
const latencySamples = Number(process.env.THREADLINE_BENCH_LATENCY_SAMPLES ?? 300);
const listMessages = Number(process.env.THREADLINE_BENCH_LIST_MESSAGES ?? 100_000);

interface Row {
  readonly what: string;
  readonly result: string;
  readonly target: string;
  readonly runs: string;
}

const rows: Row[] = [];
/** Tables printed after the main one (each compares systems side by side). */
const extraTables: string[] = [];
const format = (value: number) => Math.round(value).toLocaleString("en-US");
const formatMs = (value: number) => `${value.toFixed(2)} ms`;
const mebibytes = (bytes: number) => `${(bytes / 1024 / 1024).toFixed(1)} MiB`;

/** A row of the main table: the median of `values` as the result, every run beside it. */
function addMedianRow(
  what: string,
  values: readonly number[],
  target: string,
  show: (value: number) => string = format,
): void {
  rows.push({ what, result: show(median(values)), target, runs: values.map(show).join(", ") });
}

function printTable(): void {
  const headers: Row = { what: "What", result: "Median", target: "Target", runs: "Runs" };
  const all = [headers, ...rows];
  const width = (key: keyof Row) => Math.max(...all.map((row) => row[key].length));
  const line = (row: Row) =>
    `| ${row.what.padEnd(width("what"))} | ${row.result.padStart(width("result"))} | ${row.target.padEnd(width("target"))} | ${row.runs.padEnd(width("runs"))} |`;
  console.log(line(headers));
  console.log(
    `|${"-".repeat(width("what") + 2)}|${"-".repeat(width("result") + 2)}|${"-".repeat(width("target") + 2)}|${"-".repeat(width("runs") + 2)}|`,
  );
  for (const row of rows) console.log(line(row));
}

async function main(): Promise<void> {
  const directory = await mkdtemp(join(tmpdir(), "threadline-bench-"));
  try {
    console.error(`durable appends (${appendEvents} events, ${runs} runs)...`);
    for (const writers of [64, 256, 1024]) {
      const results: number[] = [];
      for (let run = 0; run < runs; run += 1) {
        results.push(
          (await measureConcurrentAppends(directory, run, writers, appendEvents)).eventsPerSecond,
        );
      }
      addMedianRow(
        `Durable append, ${writers} concurrent writers, 1 event/write (events/s)`,
        results,
        ">= 50,000",
      );
    }
    const latencies = [];
    for (let run = 0; run < runs; run += 1)
      latencies.push(await measureSingleWriteLatency(directory, run, 500));
    addMedianRow(
      "Durable append, 1 writer, sequential (events/s)",
      latencies.map((latency) => latency.eventsPerSecond),
      "(one fsync per write)",
    );
    addMedianRow(
      "Single durable write latency p50",
      latencies.map((latency) => latency.p50Ms),
      "report",
      formatMs,
    );
    addMedianRow(
      "Single durable write latency p99",
      latencies.map((latency) => latency.p99Ms),
      "report",
      formatMs,
    );

    console.error("durable writes over gRPC (SendTextMessage, server in a separate process)...");
    const rpcPath = join(directory, "rpc.db");
    const rpcStore = openBenchStore(rpcPath);
    const sender = await createBenchAccount(rpcStore, "sender@example.com");
    await createBenchAccount(rpcStore, "recipient@example.com");
    await rpcStore.close();
    const rpcServer = await startBenchServer(rpcPath);
    try {
      await measureRpcWrites(rpcServer, sender.token, "recipient@example.com", 64, 500);
      const results: number[] = [];
      for (let run = 0; run < runs; run += 1) {
        results.push(
          await measureRpcWrites(
            rpcServer,
            sender.token,
            "recipient@example.com",
            256,
            rpcMessages,
          ),
        );
      }
      addMedianRow(
        "Durable writes via SendTextMessage RPC, 256 in flight (events/s, 2 per message)",
        results,
        "report (end to end)",
      );
    } finally {
      await rpcServer.stop();
    }

    console.error(
      "write path beside the peers (SendTextMessage on SQLite and on PostgreSQL with 1 and 3 server processes vs PostgreSQL INSERT vs Redis XADD, interleaved)...",
    );
    const loadBefore = loadavg();
    const writePeers = await measureWritePeers({
      directory,
      ...writePeersSettings(),
      progress: (line) => console.error(`  ${line}`),
    });
    extraTables.push(
      `Acknowledged writes beside the peers (medians of interleaved rounds; load average ${loadBefore.map((value) => value.toFixed(2)).join(" ")} before, ${loadavg()
        .map((value) => value.toFixed(2))
        .join(" ")} after):\n${writePeersTable(writePeers)}`,
    );

    console.error("location fan-out beside durable message fan-out (interleaved rounds)...");
    const locationPath = join(directory, "locations.db");
    const locationStore = openBenchStore(locationPath);
    console.log(
      await locationFanOutTable(runs, {
        createAccount: (address) => createBenchAccount(locationStore, address),
        closeStore: () => locationStore.close(),
        startServer: () => startBenchServer(locationPath),
        median,
      }),
    );

    console.error("WhatsApp webhooks (signed POSTs, server in a separate process)...");
    const whatsappPath = join(directory, "whatsapp.db");
    await prepareWhatsAppDatabase(whatsappPath);
    const whatsappServer = await startBenchServer(whatsappPath, ["--http-port", "0"]);
    try {
      await measureWebhookIngest(whatsappServer, "warm-up", 64, 500);
      const ingest: number[] = [];
      const latencies: { p50Ms: number; p99Ms: number }[] = [];
      for (let run = 0; run < runs; run += 1) {
        ingest.push(await measureWebhookIngest(whatsappServer, `run-${run}`, 64, webhookPosts));
        latencies.push(await measureWebhookToLive(whatsappServer, `run-${run}`, latencySamples));
      }
      addMedianRow(
        "WhatsApp webhook ingest, 64 concurrent senders (signed POSTs/s, 200 after fsync)",
        ingest,
        "report (beside the RPC write row)",
      );
      addMedianRow(
        "WhatsApp webhook POST -> live subscriber latency p50",
        latencies.map((latency) => latency.p50Ms),
        "report",
        formatMs,
      );
      addMedianRow(
        "WhatsApp webhook POST -> live subscriber latency p99",
        latencies.map((latency) => latency.p99Ms),
        "report",
        formatMs,
      );
    } finally {
      await whatsappServer.stop();
    }

    console.error(`catch-up (${catchUpEvents} events, server in a separate process)...`);
    const catchUpPath = join(directory, "catch-up.db");
    const token = await prepareCatchUpLog(catchUpPath, catchUpEvents);
    const server = await startBenchServer(catchUpPath);
    try {
      const batched: number[] = [];
      const single: number[] = [];
      const batchedWideWindow: number[] = [];
      const wideWindowBytes = 4 * 1024 * 1024;
      // Warm-up (discarded), then interleaved so both modes see the same conditions.
      await measureCatchUp(server.address, token, "batched", catchUpEvents);
      await measureCatchUp(server.address, token, "single", catchUpEvents);
      for (let run = 0; run < runs; run += 1) {
        batched.push(await measureCatchUp(server.address, token, "batched", catchUpEvents));
        single.push(await measureCatchUp(server.address, token, "single", catchUpEvents));
      }
      // Separately, so the rows above keep measuring exactly what they always did.
      await measureCatchUp(server.address, token, "batched", catchUpEvents, wideWindowBytes);
      for (let run = 0; run < runs; run += 1) {
        batchedWideWindow.push(
          await measureCatchUp(server.address, token, "batched", catchUpEvents, wideWindowBytes),
        );
      }
      addMedianRow("Catch-up read + send, batched (256/frame) (events/s)", batched, ">= 250,000");
      addMedianRow(
        "Catch-up read + send, batched (256/frame), client window 4 MiB (events/s)",
        batchedWideWindow,
        "report",
      );
      addMedianRow("Catch-up read + send, one event per frame (events/s)", single, ">= 40,000");
    } finally {
      await server.stop();
    }

    console.error(
      `message lists over a chat of ${listMessages} messages (server in a separate process)...`,
    );
    const listPath = join(directory, "message-lists.db");
    const listToken = await prepareListChat(listPath, listMessages);
    const listServer = await startBenchServer(listPath);
    try {
      const variants: ListVariant[] = [
        {
          label: "listInChat, 100/page, to the end",
          method: "listChatMessages",
          pageSize: 100,
          traverse: true,
        },
        {
          label: "listInChat, 50/page (default), to the end",
          method: "listChatMessages",
          pageSize: 50,
          traverse: true,
        },
        {
          label: "listRecent, 100/page, to the end",
          method: "listRecentMessages",
          pageSize: 100,
          traverse: true,
        },
        {
          label: "listInChat, newest 100, repeated",
          method: "listChatMessages",
          pageSize: 100,
          traverse: false,
        },
      ];
      const results = new Map<string, { pagesPerSecond: number; messagesPerSecond: number }[]>();
      const oneByOne: number[] = [];
      // Warm-up (discarded), then the variants and the GetMessage peer interleaved in every run.
      for (const variant of variants)
        await measureListPaging(listServer, listToken, variant, listMessages, 100);
      await measureGetMessages(listServer, listToken, 100, 16, 2);
      for (let run = 0; run < runs; run += 1) {
        for (const variant of variants) {
          const result = await measureListPaging(listServer, listToken, variant, listMessages, 500);
          results.set(variant.label, [...(results.get(variant.label) ?? []), result]);
        }
        oneByOne.push(await measureGetMessages(listServer, listToken, 100, 16, 20));
      }
      for (const variant of variants) {
        const measured = results.get(variant.label) ?? [];
        const pages = measured.map((result) => result.pagesPerSecond);
        addMedianRow(
          `${variant.label} (pages/s; messages/s ${format(median(measured.map((result) => result.messagesPerSecond)))})`,
          pages,
          "report",
        );
      }
      addMedianRow(
        "Peer: the newest 100 by GetMessage, one call each, 16 in flight (messages/s)",
        oneByOne,
        "report (beside the list rows' messages/s)",
      );
    } finally {
      await listServer.stop();
    }

    console.error("attachment transfer of 50 MiB beside raw loopback TCP (separate processes)...");
    extraTables.push(await attachmentTransferTable(directory, runs));

    console.error(`${subscribers} idle live subscribers...`);
    const subscribersPath = join(directory, "subscribers.db");
    const store = openBenchStore(subscribersPath);
    // One account may hold 1,000 live streams (the server's default limit).
    const idleAccounts = [];
    for (let index = 0; index < Math.ceil(subscribers / 1000); index += 1) {
      idleAccounts.push(await createBenchAccount(store, `idle-${index}@example.com`));
    }
    await store.close();
    const baselines: number[] = [];
    const loaded: number[] = [];
    for (let run = 0; run < Math.min(runs, 2); run += 1) {
      const idleServer = await startBenchServer(subscribersPath);
      try {
        const result = await measureIdleSubscribers(
          idleServer,
          idleAccounts.map((account) => account.token),
          subscribers,
        );
        baselines.push(result.baselineBytes);
        loaded.push(result.withSubscribersBytes);
      } finally {
        await idleServer.stop();
      }
    }
    addMedianRow("Server RSS, idle (no subscribers)", baselines, "report", mebibytes);
    addMedianRow(
      `Server RSS with ${subscribers} idle live subscribers`,
      loaded,
      "report",
      mebibytes,
    );
  } finally {
    await rm(directory, { recursive: true, force: true });
  }
  printTable();
  for (const table of extraTables) console.log(`\n${table}`);
}

main().catch((error: unknown) => {
  console.error(error);
  process.exit(1);
});
