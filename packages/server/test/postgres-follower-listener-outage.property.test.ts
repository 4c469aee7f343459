import { Writable } from "node:stream";
import fc from "fast-check";
import pg from "pg";
import { pino } from "pino";
import { afterAll, afterEach, beforeAll, describe, expect, it } from "vitest";
import { executeWrite, runWrite } from "../src/domain/write-operations.js";
import { createLiveHub, type LiveHub } from "../src/live/live-hub.js";
import { createFramedLiveSubscriber, type LiveSubscriber } from "../src/live/live-subscriber.js";
import type { FlowControlledCall } from "../src/live/wait-for-drain.js";
import type { PgQueryable } from "../src/storage/postgres/pg-queryable.js";
import {
  appendUnderHeadLocks,
  type PendingLogEvent,
} from "../src/storage/postgres/postgres-log-append.js";
import { createLogFeeds } from "../src/storage/postgres/postgres-log-feeds.js";
import {
  type LogFollower,
  startLogFollower,
} from "../src/storage/postgres/postgres-log-follower.js";
import {
  type NumberLogEvent,
  whatsappLogSource,
} from "../src/storage/postgres/whatsapp-log-source.js";
import type { LoggedEvent } from "../src/storage/repositories/event-log-repository.js";
import { appendWebhookEvents } from "../src/whatsapp/whatsapp-log.js";
import { type CuttableProxy, startCuttableProxy } from "./support/cuttable-proxy.js";
import {
  createScratchDatabase,
  postgresAdminUrl,
  postgresReachable,
  type ScratchDatabase,
} from "./support/postgres-scratch.js";
import { openRecordingStore, type RecordingStore } from "./support/postgres-test-writes.js";

// The follower of "process B" is driven directly: its listener connection goes through a
// cuttable proxy (only the listener is cut, as when that one connection breaks), its
// reads and its own commits go straight to the database, and its subscribers are the
// server's real live subscribers in a real hub, following accounts as server.ts does
// (isFollowed / followedAccounts from the hub). "Process A" is a store on the same
// database whose commits B only learns of by wake-ups, polls and catch-ups.

const reachable = await postgresReachable();
const pause = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

/** One frame of the test subscribers: the event's sequence, 8 bytes. */
function sequenceFrame(event: LoggedEvent): Uint8Array {
  const frame = Buffer.alloc(8);
  frame.writeDoubleBE(event.sequence, 0);
  return frame;
}

/** A live subscriber of the real kind, on a call that records the sequences it is sent. */
interface RecordedSubscriber {
  readonly accountId: number;
  readonly subscriber: LiveSubscriber;
  /** Sequences in the order the client got them (backlog rows first, then live frames). */
  readonly received: number[];
  /** "backlog": SubscribeEvents from the start (register, read head, rows, start(head)); "live": SubscribeMessageEvents (no backlog). */
  readonly kind: "backlog" | "live";
  /** The account's committed head read just before the subscriber registered. */
  readonly headBefore: number;
}

function recordingCall(received: number[]): FlowControlledCall {
  const call = new Writable({
    write(chunk: Buffer, _encoding, done) {
      if (chunk.byteLength === 8) received.push(chunk.readDoubleBE(0));
      done();
    },
  });
  return Object.assign(call, { cancelled: false });
}

async function headOf(sql: PgQueryable, accountId: number): Promise<number> {
  const { rows } = await sql.query<{ head_sequence: string }>(
    "SELECT head_sequence FROM log_heads WHERE account_id = $1",
    [accountId],
  );
  return rows[0] === undefined ? 0 : Number(rows[0].head_sequence);
}

async function sequencesOf(sql: PgQueryable, accountId: number, upTo: number): Promise<number[]> {
  const { rows } = await sql.query<{ sequence: string }>(
    "SELECT sequence FROM event_log WHERE account_id = $1 AND sequence <= $2 ORDER BY sequence",
    [accountId, upTo],
  );
  return rows.map((row) => Number(row.sequence));
}

/** Registers a subscriber the way rpc/event-log-service (backlog) or rpc/subscriptions (live) does. */
async function subscribe(
  hub: LiveHub,
  sql: PgQueryable,
  accountId: number,
  kind: "backlog" | "live",
): Promise<RecordedSubscriber> {
  const received: number[] = [];
  const headBefore = await headOf(sql, accountId);
  const subscriber = createFramedLiveSubscriber<LoggedEvent>({
    accountId,
    call: recordingCall(received),
    accepts: () => true,
    encode: (buffer, start) => {
      const event = buffer[start];
      if (event === undefined) throw new RangeError("no event to frame");
      return { frame: sequenceFrame(event), taken: 1 };
    },
    limits: { maxEvents: 100_000, maxBytes: 100_000_000 },
    heartbeatIntervalMs: 3_600_000,
    startImmediately: kind === "live",
    onEnd: (ended) => hub.unregister(ended),
    wireError: (error) => error,
  });
  hub.register(subscriber);
  if (kind === "backlog") {
    // Register first, then read the head and the rows up to it; live events at or
    // below that head are dropped by start.
    const head = await headOf(sql, accountId);
    received.push(...(await sequencesOf(sql, accountId, head)));
    subscriber.start(head);
  }
  return { accountId, subscriber, received, kind, headBefore };
}

/** Process B's own writes: one transaction, then the follower is told, as the store does. */
async function ownCommit(
  pool: pg.Pool,
  follower: LogFollower,
  accounts: readonly number[],
  id: string,
): Promise<void> {
  const client = await pool.connect();
  let logged: LoggedEvent[];
  try {
    await client.query("BEGIN");
    const pending: PendingLogEvent[] = accounts.map((accountId) => ({
      accountId,
      kind: "message",
      chatGuid: id,
      pollGuid: null,
      payload: new Uint8Array([1]),
    }));
    logged = await appendUnderHeadLocks(client, pending, Date.now());
    await client.query("COMMIT");
  } catch (error) {
    await client.query("ROLLBACK").catch(() => undefined);
    throw error;
  } finally {
    client.release();
  }
  follower.committed(logged);
}

/** Waits until every subscriber got its account's head (never asserts on time: gives up after many rounds). */
async function settle(
  follower: LogFollower,
  sql: PgQueryable,
  subscribers: readonly RecordedSubscriber[],
): Promise<void> {
  for (let round = 0; round < 400; round += 1) {
    await follower.idle();
    let behind = false;
    for (const recorded of subscribers) {
      const head = await headOf(sql, recorded.accountId);
      // A live subscriber is owed nothing at or below the head it registered at.
      const owedFrom = recorded.kind === "live" ? recorded.headBefore : 0;
      if (Math.max(recorded.received.at(-1) ?? 0, owedFrom) < head) behind = true;
    }
    if (!behind) return;
    await pause(25);
  }
}

function range(from: number, to: number): number[] {
  const out: number[] = [];
  for (let sequence = from; sequence <= to; sequence += 1) out.push(sequence);
  return out;
}

type Step =
  | {
      readonly kind: "writes";
      readonly writes: readonly { readonly own: boolean; readonly accounts: readonly number[] }[];
    }
  | { readonly kind: "subscribe"; readonly account: number; readonly backlog: boolean }
  | { readonly kind: "cut" }
  | { readonly kind: "restore" };

const stepArbitrary: fc.Arbitrary<Step> = fc.oneof(
  {
    weight: 5,
    arbitrary: fc.record({
      kind: fc.constant("writes" as const),
      writes: fc.array(
        fc.record({
          own: fc.boolean(),
          accounts: fc.array(fc.integer({ min: 0, max: 2 }), { minLength: 1, maxLength: 3 }),
        }),
        { minLength: 1, maxLength: 5 },
      ),
    }),
  },
  {
    weight: 3,
    arbitrary: fc.record({
      kind: fc.constant("subscribe" as const),
      account: fc.integer({ min: 0, max: 2 }),
      backlog: fc.boolean(),
    }),
  },
  { weight: 2, arbitrary: fc.constant({ kind: "cut" as const }) },
  { weight: 1, arbitrary: fc.constant({ kind: "restore" as const }) },
);

describe.runIf(reachable)("the log follower when only its listener connection is lost", () => {
  let database: ScratchDatabase;
  let proxy: CuttableProxy;
  let processA: RecordingStore;
  let pool: pg.Pool;
  let followers: LogFollower[] = [];
  let hubs: LiveHub[] = [];
  let nextAccount = 1000;
  const freshAccount = () => {
    nextAccount += 1;
    return nextAccount;
  };

  beforeAll(async () => {
    database = await createScratchDatabase();
    proxy = await startCuttableProxy(new URL(postgresAdminUrl).host);
    // Migrates the database; its own live fan-out is not needed.
    processA = await openRecordingStore(database.url, { poolSize: 2, live: false });
    pool = new pg.Pool({ connectionString: database.url, max: 4 });
  });
  afterEach(async () => {
    proxy.restore();
    for (const hub of hubs) await hub.endAll();
    for (const follower of followers) await follower.close();
    followers = [];
    hubs = [];
  });
  afterAll(async () => {
    proxy?.restore();
    await processA?.store.close();
    await pool?.end();
    await proxy?.close();
    await database?.drop();
  });

  /** Process B's follower, as server.ts wires it, with its listener behind the proxy. */
  async function startProcessB(
    sql: PgQueryable = pool,
    hub: LiveHub = createLiveHub(),
  ): Promise<{
    follower: LogFollower;
    hub: LiveHub;
    listening: boolean[];
    published: LoggedEvent[];
  }> {
    const listening: boolean[] = [];
    const published: LoggedEvent[] = [];
    const follower = await startLogFollower({
      listenerConfig: {
        connectionString: database.urlThrough(proxy.address),
        connectionTimeoutMillis: 500,
      },
      sql,
      publish: (events) => {
        published.push(...events);
        hub.publish(events);
      },
      isFollowed: (accountId) => hub.countFor(accountId) > 0,
      followedAccounts: () => hub.accountsWithSubscribers(),
      pollIntervalMs: 50,
      logger: pino({ enabled: false }),
      onListening: (up) => listening.push(up),
    });
    followers.push(follower);
    hubs.push(hub);
    return { follower, hub, listening, published };
  }

  function appendOnA(id: string, accounts: number[]): Promise<unknown> {
    return processA.store.run({
      operation: "test.append",
      input: { id, accounts, failure: "none" },
    });
  }

  /** Waits for the listener to be back (onListening true after the last false). */
  async function listenerBack(listening: boolean[]): Promise<void> {
    for (let round = 0; round < 400 && listening.at(-1) !== true; round += 1) await pause(25);
    expect(listening.at(-1)).toBe(true);
  }

  it("an account first written while the listener is down, followed by nobody then: a subscriber that registers after the reconnect gets only what is committed after it registered", async () => {
    const { follower, hub, listening } = await startProcessB();
    const account = freshAccount();
    proxy.cut();
    // The head row is created (and moved) while B hears nothing.
    await appendOnA("unseen-1", [account, account, account]);
    proxy.restore();
    await listenerBack(listening);
    await follower.idle();
    const recorded = await subscribe(hub, pool, account, "live");
    expect(recorded.headBefore).toBe(3);
    await appendOnA("unseen-2", [account]);
    await settle(follower, pool, [recorded]);
    // Events 1-3 were committed (and the listener back, its catch-up done) before the
    // subscriber registered: it must not be given them again.
    expect(recorded.received).toEqual([4]);
  });

  it("an account this process knew, written by nobody it follows while the listener was down: a later subscriber does not get the outage's events", async () => {
    const account = freshAccount();
    await appendOnA("known-1", [account]);
    const { follower, hub, listening } = await startProcessB();
    proxy.cut();
    await appendOnA("known-2", [account, account]);
    proxy.restore();
    await listenerBack(listening);
    await follower.idle();
    const recorded = await subscribe(hub, pool, account, "live");
    expect(recorded.headBefore).toBe(3);
    await appendOnA("known-3", [account]);
    await settle(follower, pool, [recorded]);
    expect(recorded.received).toEqual([4]);
  });

  it("a wake-up that arrives before the starting heads are read is applied after them: nothing is published twice, nothing from before the start", async () => {
    const account = freshAccount();
    await appendOnA("start-1", [account, account]);
    // Hold the starting heads' answer until the read a wake-up triggers has run; the
    // heads query itself (its snapshot) runs before the append below commits.
    let releaseHeads: () => void = () => undefined;
    const headsReleased = new Promise<void>((resolve) => {
      releaseHeads = resolve;
    });
    let headsQueried: () => void = () => undefined;
    const headsAsked = new Promise<void>((resolve) => {
      headsQueried = resolve;
    });
    let startingHeads = true;
    const sql: PgQueryable = {
      async query(text, values) {
        const answer = pool.query(text, values === undefined ? undefined : [...values]);
        if (startingHeads && text.includes("FROM log_heads")) {
          startingHeads = false;
          const result = await answer;
          headsQueried();
          await headsReleased;
          return { rows: result.rows, rowCount: result.rowCount };
        }
        const result = await answer;
        if (text.includes("FROM event_log")) releaseHeads();
        return { rows: result.rows, rowCount: result.rowCount };
      },
    };
    // Someone in B follows the account from before the start.
    const hub = createLiveHub();
    const early = await subscribe(hub, pool, account, "live");
    const starting = startProcessB(sql, hub);
    await headsAsked;
    await appendOnA("start-2", [account]);
    // The unfixed follower reads at once on the wake-up, which releases the heads; the
    // fixed one holds the wake-up until the heads are in, so they are let go here after
    // a while (long enough for the wake-up to have arrived; nothing is asserted on it).
    for (let round = 0; round < 40; round += 1) await pause(25);
    releaseHeads();
    const { follower, published } = await starting;
    await appendOnA("start-3", [account]);
    await settle(follower, pool, [early]);
    // The start saw head 2: B publishes 3 and 4, each once, and nothing from before it.
    const sequences = published
      .filter((event) => event.accountId === account)
      .map((event) => event.sequence);
    expect(sequences).toEqual([3, 4]);
    expect(early.received).toEqual([3, 4]);
  });

  it("a WhatsApp number written while the listener is down, followed by nobody then: once it is followed after the reconnect, only what is committed later is published", async () => {
    const domainStore = await openRecordingStore(database.url, {
      poolSize: 1,
      live: false,
      execute: executeWrite,
    });
    try {
      const phoneNumberId = `1555${freshAccount()}`;
      await runWrite(domainStore.store, "whatsapp.registerNumber", {
        phoneNumberId,
        accessToken: "token",
        appSecret: "secret",
        verifyTokenHash: new Uint8Array(32),
      });
      const number = await domainStore.store.repositories.whatsapp.findNumber(phoneNumberId);
      if (number === undefined) throw new Error("the number was not registered");
      const deliver = (keys: readonly string[]) =>
        appendWebhookEvents(
          domainStore.store,
          { publish: () => undefined },
          new Map([
            [
              number.id,
              keys.map((key) => ({
                phoneNumberId,
                kind: 1 as const,
                dedupeKey: `m:wamid.${key}`,
                event: { message: { id: `wamid.${key}`, from: "4915112345678" } },
              })),
            ],
          ]),
        );
      // Process B follows WhatsApp numbers as server.ts does: the followed ones are
      // those with live streams (here: a set), and its hub gets what is published.
      const followed = new Set<number>();
      const published: NumberLogEvent[] = [];
      const feeds = createLogFeeds({
        source: whatsappLogSource,
        sql: pool,
        publish: (events) => {
          published.push(...events.filter((event) => followed.has(event.accountId)));
        },
        isFollowed: (id) => followed.has(id),
        followedIds: () => followed,
        logger: pino({ enabled: false }),
      });
      const listening: boolean[] = [];
      const follower = await startLogFollower({
        listenerConfig: {
          connectionString: database.urlThrough(proxy.address),
          connectionTimeoutMillis: 500,
        },
        sql: pool,
        publish: () => undefined,
        isFollowed: () => false,
        followedAccounts: () => [],
        pollIntervalMs: 50,
        logger: pino({ enabled: false }),
        onListening: (up) => listening.push(up),
        otherLogs: [feeds],
      });
      followers.push(follower);
      proxy.cut();
      await deliver(["a", "b"]);
      proxy.restore();
      await listenerBack(listening);
      await follower.idle();
      // A live stream opens: from now on the number is followed.
      followed.add(number.id);
      await deliver(["c"]);
      for (let round = 0; round < 400 && published.length === 0; round += 1) {
        await follower.idle();
        await pause(25);
      }
      expect(published.map((event) => event.sequence)).toEqual([3]);
    } finally {
      await domainStore.store.close();
    }
  });

  let runNumber = 0;

  it("whatever the interleaving of own and other writes, subscriptions and listener cuts, each subscriber gets every event once, in order, without a gap", async () => {
    await fc.assert(
      fc.asyncProperty(fc.array(stepArbitrary, { minLength: 1, maxLength: 10 }), async (steps) => {
        runNumber += 1;
        const base = 100_000 + runNumber * 10;
        const { follower, hub } = await startProcessB();
        const subscribers: RecordedSubscriber[] = [];
        let written = 0;
        try {
          for (const step of steps) {
            if (step.kind === "cut") proxy.cut();
            else if (step.kind === "restore") proxy.restore();
            else if (step.kind === "subscribe") {
              const kind = step.backlog ? "backlog" : "live";
              subscribers.push(await subscribe(hub, pool, base + step.account, kind));
            } else {
              await Promise.all(
                step.writes.map((write) => {
                  written += 1;
                  const id = `run${runNumber}-${written}`;
                  const accounts = write.accounts.map((offset) => base + offset);
                  return write.own
                    ? ownCommit(pool, follower, accounts, id)
                    : appendOnA(id, accounts);
                }),
              );
            }
          }
          proxy.restore();
          await settle(follower, pool, subscribers);
          for (const recorded of subscribers) {
            const head = await headOf(pool, recorded.accountId);
            if (recorded.kind === "backlog") {
              expect(recorded.received).toEqual(range(1, head));
            } else {
              // Everything committed after it registered, once, in order, no gap; it may
              // start a little earlier (events published after it registered).
              const first = recorded.received[0] ?? head + 1;
              expect(first).toBeLessThanOrEqual(recorded.headBefore + 1);
              expect(recorded.received).toEqual(range(first, head));
            }
          }
        } finally {
          proxy.restore();
          await hub.endAll();
          await follower.close();
          followers = followers.filter((other) => other !== follower);
          hubs = hubs.filter((other) => other !== hub);
        }
      }),
      { numRuns: 30 },
    );
  }, 300_000);
});
