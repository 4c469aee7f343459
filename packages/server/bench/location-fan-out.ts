import { loadavg } from "node:os";
import { type Client, credentials, Metadata, makeGenericClientConstructor } from "@grpc/grpc-js";
import {
  ChatServiceDefinition,
  LocationServiceDefinition,
  LocationSharingServiceDefinition,
  MessageServiceDefinition,
} from "@threadline/protocol";
import type { BenchServer } from "./bench-support.js";

/** One side of the comparison: which write fans out, and which stream receives it. */
export type FanOutPath = "location" | "message";

/** What one round measured. */
export interface FanOutResult {
  /** Acknowledged writes per second (ShareLocation or SendTextMessage). */
  readonly writesPerSecond: number;
  /** Frames delivered to all watchers together per second, first write to last frame. */
  readonly deliveriesPerSecond: number;
}

function bearer(token: string): Metadata {
  const metadata = new Metadata();
  metadata.set("authorization", `Bearer ${token}`);
  return metadata;
}

function invoke(client: Client, method: string): (...args: unknown[]) => unknown {
  const value: unknown = Reflect.get(client, method);
  if (typeof value !== "function") throw new Error(`no method ${method}`);
  return (...args: unknown[]) => Reflect.apply(value, client, args);
}

function unary(client: Client, method: string, request: unknown, token: string): Promise<unknown> {
  return new Promise((resolve, reject) => {
    invoke(client, method)(request, bearer(token), (error: Error | null, response: unknown) =>
      error ? reject(error) : resolve(response),
    );
  });
}

/** The people of one fan-out: a writer and the watchers that see every write. */
export interface FanOutPeople {
  readonly writer: { readonly token: string; readonly address: string };
  readonly watchers: readonly { readonly token: string; readonly address: string }[];
}

/**
 * One round against a server in another process: every watcher opens its live stream
 * (WatchSharedFriendLocations, or SubscribeMessageEvents for the durable peer), then the
 * writer issues `writes` writes with `concurrency` in flight, each visible to every
 * watcher (a location shared with all of them, or a text into their group). Resolves
 * once every watcher has received every write.
 */
export async function measureFanOut(
  server: BenchServer,
  people: FanOutPeople,
  path: FanOutPath,
  groupGuid: string,
  writes: number,
  concurrency: number,
): Promise<FanOutResult> {
  const Locations = makeGenericClientConstructor(LocationServiceDefinition, "Locations");
  const Sharing = makeGenericClientConstructor(LocationSharingServiceDefinition, "Sharing");
  const Messages = makeGenericClientConstructor(MessageServiceDefinition, "Messages");
  const watchChannels = people.watchers.map((_, index) =>
    path === "location"
      ? new Locations(server.address, credentials.createInsecure(), { "bench.channel": index })
      : new Messages(server.address, credentials.createInsecure(), { "bench.channel": index }),
  );
  const writer =
    path === "location"
      ? new Sharing(server.address, credentials.createInsecure())
      : new Messages(server.address, credentials.createInsecure());
  let received = 0;
  const expected = writes * people.watchers.length;
  let allDelivered: () => void = () => undefined;
  const delivered = new Promise<void>((resolve) => {
    allDelivered = resolve;
  });
  const streams = people.watchers.map((watcher, index) => {
    const channel = watchChannels[index];
    if (channel === undefined) throw new Error("no channel");
    const stream = invoke(
      channel,
      path === "location" ? "watchSharedFriendLocations" : "subscribeMessageEvents",
    )({}, bearer(watcher.token)) as {
      on(event: string, listener: (frame: { payload?: string }) => void): void;
      once(event: string, listener: () => void): void;
      cancel(): void;
    };
    stream.on("data", (frame) => {
      if (frame.payload === "locationUpdated" || frame.payload === "messageChanged") {
        received += 1;
        if (received === expected) allDelivered();
      }
    });
    stream.on("error", () => undefined);
    return stream;
  });
  try {
    await Promise.all(
      streams.map((stream) => new Promise<void>((resolve) => stream.once("metadata", resolve))),
    );
    const audience = people.watchers.map((watcher) => watcher.address);
    const started = performance.now();
    let next = 0;
    const worker = async () => {
      while (next < writes) {
        const index = next;
        next += 1;
        if (path === "location") {
          await unary(
            writer,
            "shareLocation",
            {
              allowedAddresses: audience,
              latitude: (index % 170) - 85,
              longitude: (index % 340) - 170,
              accuracy: 5,
            },
            people.writer.token,
          );
        } else {
          await unary(
            writer,
            "sendTextMessage",
            { chatGuid: groupGuid, text: `fan-out ${index}` },
            people.writer.token,
          );
        }
      }
    };
    await Promise.all(Array.from({ length: concurrency }, worker));
    const written = performance.now();
    await delivered;
    const finished = performance.now();
    return {
      writesPerSecond: writes / ((written - started) / 1000),
      deliveriesPerSecond: expected / ((finished - started) / 1000),
    };
  } finally {
    for (const stream of streams) stream.cancel();
    for (const channel of watchChannels) channel.close();
    writer.close();
  }
}

/** Creates the group of the writer and every watcher (the durable peer writes into it). */
export async function createFanOutGroup(
  server: BenchServer,
  people: FanOutPeople,
): Promise<string> {
  const Chats = makeGenericClientConstructor(ChatServiceDefinition, "Chats");
  const chats = new Chats(server.address, credentials.createInsecure());
  try {
    const response = (await unary(
      chats,
      "createChat",
      { addresses: people.watchers.map((watcher) => watcher.address) },
      people.writer.token,
    )) as { chat?: { guid?: string } };
    const guid = response.chat?.guid;
    if (guid === undefined) throw new Error("CreateChat returned no chat");
    return guid;
  } finally {
    chats.close();
  }
}

/**
 * The location fan-out table for `pnpm bench`: a server in its own process, one writer
 * and `watcherCount` watchers; rounds of transient location shares and of durable group
 * messages (the peer) interleaved, medians printed side by side with the load average.
 */
export async function locationFanOutTable(
  runs: number,
  tools: {
    readonly createAccount: (address: string) => Promise<{ token: string }>;
    readonly closeStore: () => Promise<void>;
    readonly startServer: () => Promise<BenchServer>;
    readonly median: (values: readonly number[]) => number;
  },
): Promise<string> {
  const writes = Number(process.env.THREADLINE_BENCH_LOCATION_WRITES ?? 2000);
  const watcherCount = Number(process.env.THREADLINE_BENCH_LOCATION_WATCHERS ?? 10);
  const writer = {
    address: "writer@example.com",
    ...(await tools.createAccount("writer@example.com")),
  };
  const watchers = [];
  for (let index = 0; index < watcherCount; index += 1) {
    const address = `watcher${index}@example.com`;
    watchers.push({ address, ...(await tools.createAccount(address)) });
  }
  await tools.closeStore();
  const server = await tools.startServer();
  const loadBefore = loadavg();
  const results: Record<FanOutPath, FanOutResult[]> = { location: [], message: [] };
  try {
    const people = { writer, watchers };
    const group = await createFanOutGroup(server, people);
    // Warm-up of both paths, then interleaved rounds so load changes hit both alike.
    await measureFanOut(server, people, "location", group, 200, 32);
    await measureFanOut(server, people, "message", group, 200, 32);
    for (let run = 0; run < runs; run += 1) {
      for (const path of run % 2 === 0
        ? (["location", "message"] as const)
        : (["message", "location"] as const)) {
        results[path].push(await measureFanOut(server, people, path, group, writes, 32));
      }
    }
  } finally {
    await server.stop();
  }
  const loadAfter = loadavg();
  const cell = (value: number) => Math.round(value).toLocaleString("en-US");
  const rows = (["location", "message"] as const).map((path) => [
    path === "location"
      ? "ShareLocation -> WatchSharedFriendLocations (transient)"
      : "SendTextMessage -> SubscribeMessageEvents (durable, fsync)",
    cell(tools.median(results[path].map((result) => result.writesPerSecond))),
    cell(tools.median(results[path].map((result) => result.deliveriesPerSecond))),
  ]);
  const header = ["Path", "Writes/s", "Frames delivered/s"];
  const widths = header.map((title, column) =>
    Math.max(title.length, ...rows.map((row) => (row[column] ?? "").length)),
  );
  const line = (cells: readonly string[]) =>
    `| ${cells.map((value, column) => (column === 0 ? value.padEnd(widths[column] ?? 0) : value.padStart(widths[column] ?? 0))).join(" | ")} |`;
  const average = (values: readonly number[]) => values.map((value) => value.toFixed(2)).join(" ");
  return [
    `Location fan-out beside durable message fan-out: 1 writer, ${watcherCount} watchers, ${writes} writes, 32 in flight, medians of ${runs} interleaved rounds; load average ${average(loadBefore)} before, ${average(loadAfter)} after:`,
    line(header),
    `|${widths.map((width) => "-".repeat(width + 2)).join("|")}|`,
    ...rows.map(line),
  ].join("\n");
}
