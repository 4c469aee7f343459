import {
  CursorAheadOfHeadError,
  createClient,
  type DomainEvent,
  type ThreadlineClient,
} from "@threadline/core";
import { ChatServiceDefinition, MessageServiceDefinition, photon } from "@threadline/protocol";
import {
  startFreezableProxy,
  startTestServer,
  type TestServerOptions,
} from "@threadline/server/testing";
import { describe, expect, it } from "vitest";
import { createMemoryCheckpointStore } from "../src/memory-checkpoint-store.js";
import { type RecoverOptions, type RecoveryProgress, recover } from "../src/recover.js";

const heartbeatIntervalMs = 300;

async function startWorld(options: TestServerOptions = {}) {
  const server = await startTestServer(options);
  const alice = await server.accounts.create(["alice@example.com"]);
  await server.accounts.create(["bob@example.com"]);
  const clients: ThreadlineClient[] = [];
  const client = (
    address = server.address,
    extra: Partial<Parameters<typeof createClient>[0]> = {},
  ) => {
    const created = createClient({ address, token: alice.token, ...extra });
    clients.push(created);
    return created;
  };
  const writer = client();
  let chatGuid: string | undefined;
  return {
    server,
    client,
    async write(text: string): Promise<void> {
      if (chatGuid === undefined) {
        const created = await writer.context.unary(
          ChatServiceDefinition.createChat,
          {
            addresses: ["bob@example.com"],
            service: photon.imessage.v1.ChatServiceType.CHAT_SERVICE_TYPE_IMESSAGE,
            initialMessage: { text },
          },
          { mutating: true },
        );
        const guid = created.chat?.guid;
        if (typeof guid !== "string") throw new Error("CreateChat returned no chat GUID");
        chatGuid = guid;
        return;
      }
      await writer.context.unary(
        MessageServiceDefinition.sendTextMessage,
        { chatGuid, text },
        { mutating: true },
      );
    },
    async head(): Promise<number> {
      return (await writer.events.getLogInfo()).headSequence;
    },
    async [Symbol.asyncDispose]() {
      await Promise.all(clients.map((each) => each.close()));
      await server.close();
    },
  };
}

/** Counts handler calls per sequence and lets a test wait for a sequence. */
function recorder() {
  const calls = new Map<number, number>();
  const waiters: { sequence: number; resolve: () => void }[] = [];
  return {
    calls,
    handler(event: DomainEvent) {
      calls.set(event.sequence, (calls.get(event.sequence) ?? 0) + 1);
      for (const waiter of waiters) if (calls.has(waiter.sequence)) waiter.resolve();
    },
    until(sequence: number): Promise<void> {
      if (calls.has(sequence)) return Promise.resolve();
      return new Promise((resolve) => waiters.push({ sequence, resolve }));
    },
  };
}

function expectEachOnce(calls: Map<number, number>, from: number, to: number): void {
  const expected = new Map<number, number>();
  for (let sequence = from; sequence <= to; sequence++) expected.set(sequence, 1);
  expect(new Map([...calls].sort(([a], [b]) => a - b))).toEqual(expected);
}

describe("recover() over a half-open connection", () => {
  it("notices a proxy that stops forwarding, reconnects and handles every event once with no gap", async () => {
    await using world = await startWorld({ heartbeatIntervalMs });
    const proxy = await startFreezableProxy(world.server.address);
    try {
      for (let index = 1; index <= 3; index++) await world.write(`before ${index}`);
      const seen = recorder();
      const reconnects: number[] = [];
      const client = world.client(proxy.address, {
        // Keepalive alone would take minutes; the heartbeat watchdog must act first.
        channelOptions: { "grpc.keepalive_time_ms": 600_000 },
      });
      await using recovery = await recover({
        client,
        store: createMemoryCheckpointStore(),
        key: "bot",
        handler: seen.handler,
        reconnect: {
          initialDelay: 20,
          maxDelay: 200,
          onReconnect: (attempt) => reconnects.push(attempt),
        },
      });
      await recovery.caughtUp;
      await seen.until(3);
      proxy.freeze();
      for (let index = 1; index <= 3; index++) await world.write(`frozen ${index}`);
      const last = await world.head();
      await seen.until(last);
      expectEachOnce(seen.calls, 1, last);
      expect(reconnects.length).toBeGreaterThanOrEqual(1);
      expect(recovery.progress().reconnects).toBeGreaterThanOrEqual(1);
    } finally {
      await proxy.close();
    }
  }, 30_000);
});

describe("recover() from a checkpoint ahead of the server's head", () => {
  it("stops with CursorAheadOfHeadError, handles nothing and leaves the stored checkpoint untouched", async () => {
    await using world = await startWorld();
    for (let index = 1; index <= 3; index++) await world.write(`event ${index}`);
    const head = await world.head();
    const store = createMemoryCheckpointStore();
    await store.save("bot", 1000);
    const seen = recorder();
    const recovery = await recover({
      client: world.client(),
      store,
      key: "bot",
      handler: seen.handler,
      reconnect: { initialDelay: 10 },
    });
    const failure = await recovery.done.then(
      () => undefined,
      (error: unknown) => error,
    );
    expect(failure).toBeInstanceOf(CursorAheadOfHeadError);
    expect(failure).toMatchObject({ cursor: 1000, head });
    await expect(recovery.close()).rejects.toBeInstanceOf(CursorAheadOfHeadError);
    // New events after the failure are not dropped as "already handled" either.
    await world.write("after the failure");
    expect(seen.calls.size).toBe(0);
    expect(await store.load("bot")).toBe(1000);
    expect(recovery.progress()).toMatchObject({ state: "failed", reconnects: 0, checkpoint: 1000 });
  });
});

describe("recover() reports its progress", () => {
  it("onProgress reports state changes, the head, lag, reconnects and the saved checkpoint without polling", async () => {
    await using world = await startWorld();
    for (let index = 1; index <= 4; index++) await world.write(`event ${index}`);
    const head = await world.head();
    const reports: RecoveryProgress[] = [];
    const recovery = await recover({
      client: world.client(),
      store: createMemoryCheckpointStore(),
      key: "bot",
      handler: () => undefined,
      onProgress: (progress) => reports.push(progress),
      progressIntervalMs: 20,
    });
    await recovery.caughtUp;
    await expect.poll(() => reports.at(-1)?.savedCheckpoint, { timeout: 10_000 }).toBe(head);
    await recovery.close();
    const states = reports.map((report) => report.state);
    expect(states[0]).toBe("connecting");
    expect(states).toContain("live");
    expect(states.at(-1)).toBe("closed");
    const final = reports.at(-1);
    expect(final).toMatchObject({
      checkpoint: head,
      savedCheckpoint: head,
      headSequence: head,
      lag: 0,
      inFlight: 0,
      reconnects: 0,
      duplicatesDropped: 0,
    });
  });

  it("rejects an onProgress that is not a function and a progressIntervalMs that is not positive", async () => {
    await using world = await startWorld();
    const base = {
      client: world.client(),
      store: createMemoryCheckpointStore(),
      key: "bot",
      handler: () => undefined,
    };
    const notAFunction: unknown = "yes";
    await expect(
      recover({ ...base, onProgress: notAFunction as NonNullable<RecoverOptions["onProgress"]> }),
    ).rejects.toThrow(/onProgress must be a function/);
    await expect(recover({ ...base, progressIntervalMs: 0 })).rejects.toThrow(
      /progressIntervalMs must be a finite number/,
    );
  });
});
