import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import {
  AuthenticationError,
  type CatchUpEvent,
  createClient,
  type DomainEvent,
  type EventDomain,
  type EventsResource,
  type LiveEventMap,
  LiveEventStream,
  type LiveFilter,
  SequenceNotRetainedError,
  type ThreadlineClient,
  TypedEventStream,
  ValidationError,
} from "@threadline/core";
import { ChatServiceDefinition, MessageServiceDefinition, photon } from "@threadline/protocol";
import {
  startTestServer,
  type TestServer,
  type TestServerOptions,
} from "@threadline/server/testing";
import { afterAll, describe, expect, it } from "vitest";
import { CheckpointStoreError } from "../src/errors.js";
import { createMemoryCheckpointStore } from "../src/memory-checkpoint-store.js";
import { recover } from "../src/recover.js";
import { createSqliteCheckpointStore } from "../src/sqlite-checkpoint-store.js";

const directory = mkdtempSync(join(tmpdir(), "threadline-recover-e2e-"));
afterAll(() => {
  rmSync(directory, { recursive: true, force: true });
});

/** The PNG signature and an IHDR chunk header: enough for the server's image check. */
const pngBytes = Uint8Array.from([
  0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a, 0x00, 0x00, 0x00, 0x0d, 0x49, 0x48, 0x44, 0x52,
]);

interface World {
  readonly server: TestServer;
  readonly token: string;
  readonly client: ThreadlineClient;
  readonly writer: ThreadlineClient;
  chatGuid: string | undefined;
  [Symbol.asyncDispose](): Promise<void>;
}

async function startWorld(options: TestServerOptions = {}): Promise<World> {
  const server = await startTestServer(options);
  const alice = await server.accounts.create(["alice@example.com"]);
  await server.accounts.create(["bob@example.com"]);
  const client = createClient({ address: server.address, token: alice.token });
  const writer = createClient({ address: server.address, token: alice.token });
  return {
    server,
    token: alice.token,
    client,
    writer,
    chatGuid: undefined,
    async [Symbol.asyncDispose]() {
      await client.close();
      await writer.close();
      await server.close();
    },
  };
}

/** One real write through the server: one event in Alice's log. */
async function write(world: World, text: string): Promise<void> {
  if (world.chatGuid === undefined) {
    const created = await world.writer.context.unary(
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
    world.chatGuid = guid;
    return;
  }
  await world.writer.context.unary(
    MessageServiceDefinition.sendTextMessage,
    { chatGuid: world.chatGuid, text },
    { mutating: true },
  );
}

async function head(world: World): Promise<number> {
  return (await world.writer.events.getLogInfo()).headSequence;
}

/** Counts handler calls per sequence and lets a test wait for a sequence. */
function recorder(): {
  readonly calls: Map<number, number>;
  readonly handler: (event: DomainEvent) => void;
  until(sequence: number): Promise<void>;
} {
  const calls = new Map<number, number>();
  const waiters: { sequence: number; resolve: () => void }[] = [];
  return {
    calls,
    handler(event) {
      calls.set(event.sequence, (calls.get(event.sequence) ?? 0) + 1);
      for (const waiter of waiters) if (calls.has(waiter.sequence)) waiter.resolve();
    },
    until(sequence) {
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

describe("recover() against a real server", () => {
  it("recovers everything after the stored checkpoint, stays live, and resumes after a restart", async () => {
    await using world = await startWorld();
    for (let index = 1; index <= 25; index++) await write(world, `before ${index}`);
    const backlog = await head(world);
    const path = join(directory, "resume.db");

    const first = recorder();
    {
      const store = createSqliteCheckpointStore({ database: path });
      const recovery = await recover({
        client: world.client,
        store,
        key: "bot",
        concurrency: 4,
        orderBy: (event) => event.chatGuid,
        handler: first.handler,
      });
      expect(await recovery.caughtUp).toBe(backlog);
      for (let index = 1; index <= 5; index++) await write(world, `live ${index}`);
      await first.until(backlog + 5);
      expect(recovery.progress()).toMatchObject({ checkpoint: backlog + 5, lag: 0 });
      await recovery.close();
      expect(await store.load("bot")).toBe(backlog + 5);
      await store.close();
    }
    expectEachOnce(first.calls, 1, backlog + 5);

    for (let index = 1; index <= 3; index++) await write(world, `while away ${index}`);
    const second = recorder();
    const store = createSqliteCheckpointStore({ database: path });
    await using recovery = await recover({
      client: world.client,
      store,
      key: "bot",
      concurrency: 4,
      handler: second.handler,
    });
    expect(await recovery.caughtUp).toBe(backlog + 8);
    expectEachOnce(second.calls, backlog + 6, backlog + 8);
    await recovery.close();
    await store.close();
  });

  it("a write that lands between registering the live streams and capturing the catch-up head is not lost", async () => {
    await using world = await startWorld();
    for (let index = 1; index <= 5; index++) await write(world, `before ${index}`);
    let writes = 5;
    // Forces the hand-off race around every live stream. Before opening it, the wrapper
    // waits until a catch-up has captured its head (its first frame arrived) or, when
    // recover() correctly waits for `ready` first, a short while; then it commits one
    // write and only then opens the real stream. A recover() that started the catch-up
    // before every `ready` would lose those writes: they are after the catch-up head
    // and before the live registration. One more write lands after registration but
    // before `ready` reaches recover(), and one races the catch-up's head capture.
    let headCaptured = (): void => undefined;
    const catchUpStarted = new Promise<void>((resolve) => {
      headCaptured = resolve;
    });
    function live<Domain extends EventDomain>(
      domain: Domain,
      filter?: LiveFilter,
    ): LiveEventStream<LiveEventMap[Domain]> {
      const opened = (async () => {
        await Promise.race([catchUpStarted, new Promise((resolve) => setTimeout(resolve, 200))]);
        await write(world, `before ${domain} is opened`);
        writes++;
        return world.client.events.live(domain, filter);
      })();
      const ready = opened
        .then((stream) => stream.ready)
        .then(async () => {
          await write(world, `after ${domain} is registered`);
          writes++;
        });
      async function* relay(): AsyncGenerator<LiveEventMap[Domain]> {
        yield* await opened;
      }
      return new LiveEventStream(relay(), ready, async () => {
        await (await opened).close();
      });
    }
    const catchUp: EventsResource["catchUp"] = (after) => {
      const stream = world.client.events.catchUp(after);
      void write(world, "racing the catch-up head").then(() => {
        writes++;
      });
      async function* relay(): AsyncGenerator<CatchUpEvent> {
        for await (const event of stream) {
          headCaptured();
          yield event;
        }
      }
      return new TypedEventStream(relay(), () => stream.close());
    };
    const events: EventsResource = {
      live,
      catchUp,
      fetchMissed: (options) => world.client.events.fetchMissed(options),
      subscribe: (options) => world.client.events.subscribe(options),
      getLogInfo: () => world.client.events.getLogInfo(),
    };
    const seen = recorder();
    await using recovery = await recover({
      client: { events },
      store: createMemoryCheckpointStore(),
      key: "bot",
      concurrency: 3,
      handler: seen.handler,
    });
    await recovery.caughtUp;
    await expect.poll(() => writes).toBe(5 + 4 * 2 + 1);
    const last = await head(world);
    expect(last).toBe(14);
    await seen.until(last);
    expectEachOnce(seen.calls, 1, last);
  });

  it("reconnects after the server restarts and catches up what it missed", async () => {
    await using world = await startWorld();
    for (let index = 1; index <= 3; index++) await write(world, `before ${index}`);
    const seen = recorder();
    const reconnects: number[] = [];
    await using recovery = await recover({
      client: world.client,
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
    await world.server.restart();
    for (let index = 1; index <= 4; index++) await write(world, `after restart ${index}`);
    const last = await head(world);
    await seen.until(last);
    expectEachOnce(seen.calls, 1, last);
    expect(reconnects.length).toBeGreaterThan(0);
    expect(recovery.progress().connections).toBeGreaterThan(1);
  });

  it("gives up with the connection error once reconnect.maxAttempts is exhausted", async () => {
    await using world = await startWorld();
    await write(world, "before");
    const reconnects: number[] = [];
    const recovery = await recover({
      client: world.client,
      store: createMemoryCheckpointStore(),
      key: "bot",
      handler: () => undefined,
      reconnect: {
        initialDelay: 10,
        maxDelay: 20,
        maxAttempts: 2,
        onReconnect: (attempt) => reconnects.push(attempt),
      },
    });
    await recovery.caughtUp;
    // Take the server down for good (the fixture's own teardown runs later).
    await world.server.server.close({ graceMs: 0 });
    await expect(recovery.done).rejects.toMatchObject({ retryable: true });
    expect(reconnects).toEqual([1, 2]);
    expect(recovery.progress()).toMatchObject({ state: "failed", checkpoint: 1 });
  });

  it("stops without retrying when the token is rejected", async () => {
    await using world = await startWorld();
    const client = createClient({ address: world.server.address, token: "not-a-token" });
    try {
      const reconnects: number[] = [];
      const recovery = await recover({
        client,
        store: createMemoryCheckpointStore(),
        key: "bot",
        handler: () => undefined,
        reconnect: { initialDelay: 1, onReconnect: (attempt) => reconnects.push(attempt) },
      });
      await expect(recovery.done).rejects.toBeInstanceOf(AuthenticationError);
      await expect(recovery.ready).rejects.toBeInstanceOf(AuthenticationError);
      await expect(recovery.close()).rejects.toBeInstanceOf(AuthenticationError);
      expect(reconnects).toEqual([]);
    } finally {
      await client.close();
    }
  });

  it("stops with SequenceNotRetainedError, handling nothing, when the checkpoint is older than the retained window", async () => {
    await using world = await startWorld({ retention: { maxEvents: 3 } });
    for (let index = 1; index <= 8; index++) await write(world, `message ${index}`);
    const store = createMemoryCheckpointStore();
    await store.save("bot", 1);
    const handled: number[] = [];
    const reconnects: number[] = [];
    const recovery = await recover({
      client: world.client,
      store,
      key: "bot",
      handler: (event) => {
        handled.push(event.sequence);
      },
      reconnect: { initialDelay: 1, onReconnect: (attempt) => reconnects.push(attempt) },
    });
    const failure: unknown = await recovery.done.then(
      () => undefined,
      (error: unknown) => error,
    );
    expect(failure).toBeInstanceOf(SequenceNotRetainedError);
    expect(failure).toMatchObject({ code: "SEQUENCE_NOT_RETAINED", retryable: false });
    const oldest =
      failure instanceof SequenceNotRetainedError ? failure.oldestRetainedSequence : undefined;
    expect(oldest).toBeGreaterThan(2);
    await expect(recovery.close()).rejects.toBeInstanceOf(SequenceNotRetainedError);
    // A gap is never papered over: nothing was handled and the checkpoint did not move.
    expect(handled).toEqual([]);
    expect(await store.load("bot")).toBe(1);
    expect(reconnects).toEqual([]);
  });

  it("a handler that halts stops the streams and keeps the checkpoint before the failure", async () => {
    await using world = await startWorld();
    for (let index = 1; index <= 6; index++) await write(world, `before ${index}`);
    const store = createMemoryCheckpointStore();
    const recovery = await recover({
      client: world.client,
      store,
      key: "bot",
      retry: false,
      handler: (event) => {
        if (event.sequence === 4) throw new Error("cannot handle 4");
      },
    });
    await expect(recovery.done).rejects.toMatchObject({ code: "HANDLER_FAILED", sequence: 4 });
    await expect(recovery.close()).rejects.toMatchObject({ sequence: 4 });
    expect(await store.load("bot")).toBe(3);
    expect(recovery.progress().state).toBe("failed");
  });

  it("a checkpoint store that keeps failing stops the recovery instead of reconnecting", async () => {
    await using world = await startWorld();
    for (let index = 1; index <= 3; index++) await write(world, `before ${index}`);
    const recovery = await recover({
      client: world.client,
      store: {
        load: async () => undefined,
        save: async () => {
          throw new Error("checkpoint table is gone");
        },
      },
      key: "bot",
      flushIntervalMs: 1,
      storeRetry: { maxAttempts: 2, initialDelay: 1 },
      reconnect: { initialDelay: 1 },
      handler: () => undefined,
    });
    await expect(recovery.done).rejects.toBeInstanceOf(CheckpointStoreError);
    await expect(recovery.close()).rejects.toBeInstanceOf(CheckpointStoreError);
    expect(recovery.progress().connections).toBe(1);
  });

  it("domains chooses what reaches the handler; events of the other domains still move the checkpoint", async () => {
    await using world = await startWorld();
    await write(world, "before 1");
    await write(world, "before 2");
    const chatGuid = world.chatGuid ?? "";
    const setBackground = () =>
      world.writer.context.unary(
        ChatServiceDefinition.setBackground,
        { chatGuid, data: pngBytes },
        { mutating: true },
      );
    await setBackground();
    const backlog = await head(world);

    const seen: DomainEvent[] = [];
    const store = createMemoryCheckpointStore();
    await using recovery = await recover({
      client: world.client,
      store,
      key: "chat-only",
      domains: ["chat"],
      handler: (event) => {
        seen.push(event);
      },
    });
    expect(await recovery.caughtUp).toBe(backlog);
    // Live: two message events around one chat event.
    await write(world, "live 1");
    await setBackground();
    await write(world, "live 2");
    const end = await head(world);
    await expect.poll(() => recovery.progress().checkpoint).toBe(end);
    expect(seen.map((event) => event.type)).toEqual([
      "chat.backgroundChanged",
      "chat.backgroundChanged",
    ]);
    expect(recovery.progress().skipped).toBe(end - 2);
    await recovery.close();
    expect(await store.load("chat-only")).toBe(end);
  });

  it("rejects bad options before any network call", async () => {
    await using world = await startWorld();
    const base = {
      client: world.client,
      store: createMemoryCheckpointStore(),
      key: "bot",
      handler: () => undefined,
    };
    await expect(recover({ ...base, domains: [] })).rejects.toThrow(
      'domains must be a non-empty list of distinct domains from "message", "chat", "group", "poll"; received an array',
    );
    await expect(recover({ ...base, concurrency: -1 })).rejects.toBeInstanceOf(ValidationError);
    await expect(recover({ ...base, reconnect: { multiplier: 0 } })).rejects.toThrow(
      /reconnect.multiplier/,
    );
    const notAClient: unknown = {};
    await expect(
      recover({ ...base, client: notAClient as ThreadlineClient }),
    ).rejects.toBeInstanceOf(ValidationError);
  });
});
