// Catch-up benchmark: 100k stored WhatsApp events read by @threadline/whatsapp's
// subscribe() and fetchMissed paging, and by the published @photon-ai/whatsapp-business
// client's fetchMissed paging (its documented way to read a backlog: its subscribe()
// is live-only), beside @threadline/core's iMessage catchUp() over 100k stored iMessage
// events, all against one @threadline/server over TLS, in the same run. Medians over
// THREADLINE_BENCH_RUNS runs (default 3), printed as a table.
import { mkdtempSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { createTestCertificates } from "./test-ca.js";

const runs = Number(process.env.THREADLINE_BENCH_RUNS ?? 3);
const events = Number(process.env.THREADLINE_BENCH_WHATSAPP_EVENTS ?? 100_000);
const perWebhook = 1000;

const directory = mkdtempSync(join(tmpdir(), "threadline-whatsapp-bench-"));
const certificates = createTestCertificates(directory);
process.env.GRPC_DEFAULT_SSL_ROOTS_FILE_PATH = certificates.caPath;
const number = {
  phoneNumberId: "106540352242922",
  accessToken: "EAAbench-token",
  appSecret: "bench-app-secret",
  verifyToken: "bench-verify",
};

const { signWebhookBody, startServer } = await import("@threadline/server");
const { seedReceivedMessages, whatsappWebhookPayload } = await import("@threadline/server/testing");
const server = await startServer({
  dataPath: join(directory, "threadline.db"),
  port: 0,
  httpPort: 0,
  logger: false,
  tls: { cert: readFileSync(certificates.certPath), key: readFileSync(certificates.keyPath) },
});
process.env.WHATSAPP_BUSINESS_ENDPOINT = `127.0.0.1:${server.port}`;
const published = await import("@photon-ai/whatsapp-business");
const ours = await import("@threadline/whatsapp");
const core = await import("@threadline/core");
const rootCerts = readFileSync(certificates.caPath);

async function seedWhatsApp(): Promise<void> {
  await server.whatsappNumbers.register(number);
  await postWhatsApp(events, "BENCH");
}

/** Posts `count` text messages in signed webhooks of up to 1000. */
async function postWhatsApp(count: number, prefix: string): Promise<void> {
  for (let posted = 0; posted < count; posted += perWebhook) {
    const messages = Array.from({ length: Math.min(perWebhook, count - posted) }, (_, index) => ({
      from: "4915112345678",
      id: `wamid.${prefix}-${posted + index + 1}`,
      timestamp: "1733060000",
      type: "text",
      text: { body: `benchmark message ${posted + index + 1}` },
    }));
    const body = Buffer.from(
      JSON.stringify(
        whatsappWebhookPayload(number.phoneNumberId, {
          contacts: [{ profile: { name: "Kim Customer" }, wa_id: "4915112345678" }],
          messages,
        }),
      ),
    );
    const answer = await fetch(`http://127.0.0.1:${server.httpPort}/webhooks/whatsapp`, {
      method: "POST",
      headers: {
        "content-type": "application/json",
        "x-hub-signature-256": signWebhookBody(body, number.appSecret),
      },
      body,
    });
    if (answer.status !== 200) throw new Error(`seeding webhook answered ${answer.status}`);
    await answer.text();
  }
}

const credentials = {
  accessToken: number.accessToken,
  phoneNumberId: number.phoneNumberId,
  appSecret: number.appSecret,
};

/** Each measurement reads all `events` and returns how many it read. */
const measurements: Record<string, () => Promise<number>> = {
  "@threadline/whatsapp subscribe() from the start": async () => {
    const wa = ours.createClient({
      address: `127.0.0.1:${server.port}`,
      tls: { rootCerts },
      ...credentials,
    });
    try {
      let read = 0;
      for await (const event of wa.events.subscribe()) {
        read += 1;
        if (event.sequence === events) break;
      }
      return read;
    } finally {
      await wa.close();
    }
  },
  "@threadline/whatsapp fetchMissed() pages of 1000": async () => {
    const wa = ours.createClient({
      address: `127.0.0.1:${server.port}`,
      tls: { rootCerts },
      ...credentials,
    });
    try {
      let read = 0;
      let cursor = "";
      for (;;) {
        const page = await wa.events.fetchMissed({ cursor, limit: 1000 });
        read += page.events.length;
        cursor = page.cursor;
        if (!page.hasMore) return read;
      }
    } finally {
      await wa.close();
    }
  },
  "@photon-ai/whatsapp-business fetchMissed() pages of 1000": async () => {
    const wa = published.createClient(credentials);
    try {
      let read = 0;
      let cursor = "";
      for (;;) {
        const page = await wa.events.fetchMissed({ cursor, limit: 1000 });
        read += page.events.length;
        const last = page.events.at(-1);
        if (last === undefined) return read;
        cursor = last.cursor;
      }
    } finally {
      await wa.close();
    }
  },
};

async function seedIMessage(): Promise<() => Promise<number>> {
  const account = await server.accounts.create(["bench-bot@example.com"]);
  await seedReceivedMessages(server, account.account.id, events);
  return async () => {
    const im = core.createClient({
      address: `127.0.0.1:${server.port}`,
      tls: { rootCerts },
      token: account.token,
    });
    try {
      let read = 0;
      for await (const event of im.events.catchUp(0)) {
        if (event.type === "catchup.complete") break;
        read += 1;
      }
      return read;
    } finally {
      await im.close();
    }
  };
}

/** How long one client took until the last live event it received, and how many it got. */
interface LiveResult {
  readonly ms: number;
  readonly received: number;
}

const liveEvents = Number(process.env.THREADLINE_BENCH_WHATSAPP_LIVE_EVENTS ?? 20_000);

/**
 * Both clients subscribed live at once; `liveEvents` are posted; resolves with how long
 * each took from the first post until it had received all of them.
 */
async function measureLive(run: number): Promise<{ ours: LiveResult; theirs: LiveResult }> {
  const mine = ours.createClient({
    address: `127.0.0.1:${server.port}`,
    tls: { rootCerts },
    ...credentials,
  });
  const theirsClient = published.createClient(credentials);
  try {
    const head = (await mine.events.fetchMissed({ limit: 1 })).events.length;
    let after = 0;
    if (head > 0) {
      let cursor = "";
      for (;;) {
        const page = await mine.events.fetchMissed({ cursor, limit: 1000 });
        after = page.events.at(-1)?.sequence ?? after;
        cursor = page.cursor;
        if (!page.hasMore) break;
      }
    }
    const ourStream = mine.events.subscribe({ afterSequence: after });
    const ourIterator = ourStream[Symbol.asyncIterator]();
    const theirStream = theirsClient.events.subscribe();
    const theirIterator = theirStream[Symbol.asyncIterator]();
    // Their stream gives no registration signal: post single messages until one arrives.
    const first = theirIterator.next();
    let arrived = false;
    first.then(() => {
      arrived = true;
    });
    let warmups = 0;
    while (!arrived) {
      await postWhatsApp(1, `WARM${run}-${warmups}`);
      warmups += 1;
      await Promise.race([first, new Promise((resolve) => setTimeout(resolve, 50))]);
    }
    for (let index = 0; index < warmups; index++) await ourIterator.next();
    const firstValue = await first;
    // Their warm-up events after the first one they saw (they registered mid-warm-up).
    const firstId =
      firstValue.done !== true && firstValue.value.type === "message"
        ? firstValue.value.message.id
        : "";
    const firstWarmup = Number(/^wamid\.WARM\d+-(\d+)-/.exec(firstId)?.[1] ?? warmups - 1);
    const theirWarmups = warmups - 1 - firstWarmup;
    for (let index = 0; index < theirWarmups; index++) await theirIterator.next();
    const start = performance.now();
    const prefix = `wamid.LIVE${run}-`;
    // Counts this run's events until all arrived, or until none came for 10 s (a stream
    // that lost events); the warm-up tail before them is skipped by id.
    const consume = async (iterator: AsyncIterator<{ type: string; message?: { id: string } }>) => {
      let received = 0;
      let last = performance.now();
      while (received < liveEvents) {
        const step = await Promise.race([
          iterator.next(),
          new Promise<"stalled">((resolve) => setTimeout(() => resolve("stalled"), 10_000)),
        ]);
        if (step === "stalled" || step.done === true) break;
        if (step.value.type === "message" && step.value.message?.id.startsWith(prefix)) {
          received += 1;
          last = performance.now();
        }
      }
      return { ms: last - start, received };
    };
    const [oursResult, theirsResult] = await Promise.all([
      consume(ourIterator),
      consume(theirIterator),
      postWhatsApp(liveEvents, `LIVE${run}`),
    ]);
    void ourStream.close();
    void theirStream.close();
    return { ours: oursResult, theirs: theirsResult };
  } finally {
    await mine.close();
    await theirsClient.close();
  }
}

const median = (values: readonly number[]) => {
  const sorted = [...values].sort((a, b) => a - b);
  const middle = Math.floor(sorted.length / 2);
  return sorted.length % 2 === 1
    ? (sorted[middle] ?? 0)
    : ((sorted[middle - 1] ?? 0) + (sorted[middle] ?? 0)) / 2;
};

try {
  const seedStart = performance.now();
  await seedWhatsApp();
  measurements["@threadline/core iMessage catchUp(0) (same count of iMessage events)"] =
    await seedIMessage();
  console.log(
    `seeded ${events} WhatsApp and ${events} iMessage events in ${Math.round(performance.now() - seedStart)} ms`,
  );
  const results = new Map<string, number[]>();
  // Interleaved so a slow patch of the shared machine hits every peer alike.
  for (let run = 0; run < runs; run++) {
    for (const [name, measure] of Object.entries(measurements)) {
      const start = performance.now();
      const read = await measure();
      const elapsed = performance.now() - start;
      if (read !== events) throw new Error(`${name} read ${read} events, not ${events}`);
      results.set(name, [...(results.get(name) ?? []), elapsed]);
    }
  }
  const rows = [...results].map(([name, times]) => {
    const ms = median(times);
    return [
      name,
      `${Math.round(ms).toLocaleString("en-US")} ms`,
      `${Math.round((events / ms) * 1000).toLocaleString("en-US")} events/s`,
    ];
  });
  const headers = [
    `Catch-up of ${events.toLocaleString("en-US")} stored events (TLS, one server)`,
    "Median",
    "Throughput",
  ];
  const widths = headers.map((header, column) =>
    Math.max(header.length, ...rows.map((row) => row[column]?.length ?? 0)),
  );
  const line = (cells: readonly string[]) =>
    `| ${cells.map((cell, column) => cell.padEnd(widths[column] ?? 0)).join(" | ")} |`;
  console.log(line(headers));
  console.log(`|${widths.map((width) => "-".repeat(width + 2)).join("|")}|`);
  for (const row of rows) console.log(line(row));
  console.log(`runs: ${runs} each, interleaved`);

  const live = { ours: [] as LiveResult[], theirs: [] as LiveResult[] };
  for (let run = 0; run < runs; run++) {
    const results = await measureLive(run);
    live.ours.push(results.ours);
    live.theirs.push(results.theirs);
  }
  console.log("");
  const liveRows = [
    ["@threadline/whatsapp subscribe()", live.ours],
    ["@photon-ai/whatsapp-business subscribe()", live.theirs],
  ] as const;
  const liveHeader = `Live: ${liveEvents.toLocaleString("en-US")} events posted while both subscribed`;
  const liveCells = liveRows.map(([name, results]) => [
    name,
    `${Math.round(median(results.map((result) => result.ms))).toLocaleString("en-US")} ms`,
    `${results.map((result) => result.received).join(", ")} of ${liveEvents}`,
  ]);
  const liveHeaders = [liveHeader, "Median (first post to last event)", "Received per run"];
  const liveWidths = liveHeaders.map((header, column) =>
    Math.max(header.length, ...liveCells.map((row) => row[column]?.length ?? 0)),
  );
  const liveLine = (cells: readonly string[]) =>
    `| ${cells.map((cell, column) => cell.padEnd(liveWidths[column] ?? 0)).join(" | ")} |`;
  console.log(liveLine(liveHeaders));
  console.log(`|${liveWidths.map((width) => "-".repeat(width + 2)).join("|")}|`);
  for (const row of liveCells) console.log(liveLine(row));
  console.log(`runs: ${runs}, both streams in the same run`);
} finally {
  await server.close({ graceMs: 1000 });
  rmSync(directory, { recursive: true, force: true });
}
