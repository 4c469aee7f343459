import fc from "fast-check";
import pg from "pg";
import { pino } from "pino";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { executeWrite, runWrite } from "../src/domain/write-operations.js";
import type { PgQueryable } from "../src/storage/postgres/pg-queryable.js";
import {
  openPostgresStore,
  type PostgresStore,
  type PostgresStoreOptions,
} from "../src/storage/postgres/postgres-store.js";
import type { NumberLogEvent } from "../src/storage/postgres/whatsapp-log-source.js";
import type { WebhookEvent } from "../src/whatsapp/webhook-payload.js";
import { appendWebhookEvents } from "../src/whatsapp/whatsapp-log.js";
import { type CuttableProxy, startCuttableProxy } from "./support/cuttable-proxy.js";
import {
  createScratchDatabase,
  postgresAdminUrl,
  postgresReachable,
  type ScratchDatabase,
} from "./support/postgres-scratch.js";

// Two server processes' stores on one PostgreSQL database; webhooks land on either.
// Each store's live WhatsApp feed (what its hub would carry) must hold every event of
// every number exactly once, in sequence order, whichever store stored it.

const reachable = await postgresReachable();

/** A store and everything its WhatsApp live feed published, in the order published. */
interface WhatsAppRecordingStore {
  readonly store: PostgresStore;
  readonly published: NumberLogEvent[];
}

async function openWhatsAppRecordingStore(
  url: string,
  overrides: Partial<PostgresStoreOptions> = {},
): Promise<WhatsAppRecordingStore> {
  const published: NumberLogEvent[] = [];
  const store = await openPostgresStore({
    url,
    logger: pino({ enabled: false }),
    execute: executeWrite,
    whatsapp: {
      onCommit: (events) => {
        published.push(...events);
      },
    },
    ...overrides,
  });
  return { store, published };
}

/** Holds half of the batches open before COMMIT for up to 4 ms, so commits overlap. */
async function holdSomeCommits(sql: PgQueryable): Promise<void> {
  if (Math.random() < 0.5) return;
  await sql.query("SELECT pg_sleep($1)", [Math.random() * 0.004]);
}

/** One stored row of a number's log. */
interface StoredRow {
  readonly numberId: number;
  readonly sequence: number;
  readonly dedupeKey: string;
  readonly payload: string;
}

async function storedRows(url: string, numberIds: readonly number[]): Promise<StoredRow[]> {
  const client = new pg.Client({ connectionString: url });
  await client.connect();
  try {
    const { rows } = await client.query<{
      number_id: string;
      sequence: string;
      dedupe_key: string;
      payload: Buffer;
    }>(
      "SELECT number_id, sequence, dedupe_key, payload FROM whatsapp_log WHERE number_id = ANY($1::bigint[]) ORDER BY number_id, sequence",
      [numberIds],
    );
    return rows.map((row) => ({
      numberId: Number(row.number_id),
      sequence: Number(row.sequence),
      dedupeKey: row.dedupe_key,
      payload: row.payload.toString("hex"),
    }));
  } finally {
    await client.end();
  }
}

/** `published` of `numberIds` as (number, sequence, payload), in the order received. */
function receivedOf(published: readonly NumberLogEvent[], numberIds: readonly number[]) {
  return published
    .filter((event) => numberIds.includes(event.accountId))
    .map((event) => ({
      numberId: event.accountId,
      sequence: event.sequence,
      payload: Buffer.from(event.payload).toString("hex"),
    }));
}

/**
 * What a live subscriber of each number must have seen: per number, in the order
 * received, exactly the stored rows (sequence 1, 2, … with their payloads).
 */
function perNumber<T extends { numberId: number }>(items: readonly T[], numberId: number): T[] {
  return items.filter((item) => item.numberId === numberId);
}

async function registerNumber(store: PostgresStore, phoneNumberId: string): Promise<number> {
  await runWrite(store, "whatsapp.registerNumber", {
    phoneNumberId,
    accessToken: "token",
    appSecret: "secret",
    verifyTokenHash: new Uint8Array(32),
  });
  const number = await store.repositories.whatsapp.findNumber(phoneNumberId);
  if (number === undefined) throw new Error(`number ${phoneNumberId} was not registered`);
  return number.id;
}

/** A webhook: per number, inbound messages with these wamid keys (repeats are redeliveries). */
type Webhook = ReadonlyMap<number, readonly WebhookEvent[]>;

function webhookOf(
  numbers: readonly { readonly numberId: number; readonly phoneNumberId: string }[],
  keysByNumber: readonly (readonly number[])[],
): Webhook {
  const byNumber = new Map<number, WebhookEvent[]>();
  keysByNumber.forEach((keys, index) => {
    const number = numbers[index];
    if (number === undefined || keys.length === 0) return;
    byNumber.set(
      number.numberId,
      keys.map((key) => ({
        phoneNumberId: number.phoneNumberId,
        kind: 1 as const,
        dedupeKey: `m:wamid.${key}`,
        event: { message: { id: `wamid.${key}`, from: "4915112345678" } },
      })),
    );
  });
  return byNumber;
}

/** Appends like the webhook server: own commits go live through the store's follower. */
function deliver(recording: WhatsAppRecordingStore, webhook: Webhook) {
  return appendWebhookEvents(
    recording.store,
    { publish: (events) => recording.store.whatsappCommitted(events) },
    webhook,
  );
}

/** Waits (without a deadline of its own) until `recording` published `count` events of `numberIds`. */
async function caughtUp(
  recording: WhatsAppRecordingStore,
  numberIds: readonly number[],
  count: number,
): Promise<void> {
  for (let attempt = 0; attempt < 1200; attempt += 1) {
    await recording.store.liveIdle();
    if (receivedOf(recording.published, numberIds).length >= count) return;
    await new Promise((resolve) => setTimeout(resolve, 25));
  }
}

type Step =
  | {
      readonly kind: "webhooks";
      readonly webhooks: readonly {
        readonly onB: boolean;
        readonly keys: readonly (readonly number[])[];
      }[];
    }
  | { readonly kind: "cut" }
  | { readonly kind: "restore" };

const keysArbitrary = fc.uniqueArray(fc.integer({ min: 0, max: 7 }), { maxLength: 3 });

const stepArbitrary: fc.Arbitrary<Step> = fc.oneof(
  {
    weight: 6,
    arbitrary: fc.record({
      kind: fc.constant("webhooks" as const),
      webhooks: fc.array(
        fc.record({ onB: fc.boolean(), keys: fc.tuple(keysArbitrary, keysArbitrary) }),
        { minLength: 1, maxLength: 6 },
      ),
    }),
  },
  { weight: 1, arbitrary: fc.constant({ kind: "cut" as const }) },
  { weight: 1, arbitrary: fc.constant({ kind: "restore" as const }) },
);

describe.runIf(reachable)("live WhatsApp fan-out across two PostgreSQL stores", () => {
  let database: ScratchDatabase;
  let proxy: CuttableProxy;
  let storeA: WhatsAppRecordingStore;
  let storeB: WhatsAppRecordingStore;
  let quietProxy: CuttableProxy;
  let quietStore: WhatsAppRecordingStore;
  beforeAll(async () => {
    database = await createScratchDatabase();
    proxy = await startCuttableProxy(new URL(postgresAdminUrl).host);
    quietProxy = await startCuttableProxy(new URL(postgresAdminUrl).host);
    storeA = await openWhatsAppRecordingStore(database.url, {
      poolSize: 2,
      beforeCommit: holdSomeCommits,
    });
    storeB = await openWhatsAppRecordingStore(database.urlThrough(proxy.address), {
      poolSize: 2,
      pollIntervalMs: 100,
      connectTimeoutMs: 500,
      beforeCommit: holdSomeCommits,
    });
    // No backstop poll to speak of: after its link comes back, only the listener's
    // forced catch-up can bring what it missed.
    quietStore = await openWhatsAppRecordingStore(database.urlThrough(quietProxy.address), {
      poolSize: 1,
      pollIntervalMs: 3_600_000,
      connectTimeoutMs: 500,
    });
  });
  afterAll(async () => {
    proxy?.restore();
    quietProxy?.restore();
    await storeA?.store.close();
    await storeB?.store.close();
    await quietStore?.store.close();
    await proxy?.close();
    await quietProxy?.close();
    await database?.drop();
  });

  let runNumber = 0;

  it("whatever the interleaving of webhooks on both stores and lost links, each store's live feed has every event of every number once, in sequence order, and redeliveries are stored once (property)", async () => {
    await fc.assert(
      fc.asyncProperty(fc.array(stepArbitrary, { minLength: 1, maxLength: 8 }), async (steps) => {
        runNumber += 1;
        const numbers = await Promise.all(
          [0, 1].map(async (index) => {
            const phoneNumberId = `${3_000_000 + runNumber * 10 + index}`;
            return { phoneNumberId, numberId: await registerNumber(storeA.store, phoneNumberId) };
          }),
        );
        const numberIds = numbers.map((number) => number.numberId);
        let appended = 0;
        let duplicates = 0;
        let delivered = 0;
        for (const step of steps) {
          if (step.kind === "cut") proxy.cut();
          else if (step.kind === "restore") proxy.restore();
          else {
            const outcomes = await Promise.allSettled(
              step.webhooks.map((webhook) =>
                deliver(webhook.onB ? storeB : storeA, webhookOf(numbers, webhook.keys)),
              ),
            );
            outcomes.forEach((outcome, index) => {
              // B's webhooks fail (UNAVAILABLE) while its link is cut: Meta would retry.
              if (outcome.status === "rejected") {
                if (step.webhooks[index]?.onB !== true) throw outcome.reason;
                return;
              }
              appended += outcome.value.appended;
              duplicates += outcome.value.duplicates;
              delivered += (step.webhooks[index]?.keys ?? []).reduce(
                (sum, keys) => sum + keys.length,
                0,
              );
            });
          }
        }
        proxy.restore();

        const stored = await storedRows(database.url, numberIds);
        expect(stored.length).toBe(appended);
        expect(appended + duplicates).toBe(delivered);
        for (const numberId of numberIds) {
          const rows = perNumber(stored, numberId);
          expect(rows.map((row) => row.sequence)).toEqual(rows.map((_, index) => index + 1));
          expect(new Set(rows.map((row) => row.dedupeKey)).size).toBe(rows.length);
        }
        const expected = stored.map(({ numberId, sequence, payload }) => ({
          numberId,
          sequence,
          payload,
        }));
        for (const recording of [storeA, storeB]) {
          await caughtUp(recording, numberIds, stored.length);
          const received = receivedOf(recording.published, numberIds);
          for (const numberId of numberIds) {
            // In the order received, not sorted: order and uniqueness are the point.
            expect(perNumber(received, numberId)).toEqual(perNumber(expected, numberId));
          }
        }
      }),
      { numRuns: 15 },
    );
  }, 120_000);

  it("a store whose listener lost its connection catches up when it reconnects: webhooks stored on the other store meanwhile reach its live feed once each, in order", async () => {
    runNumber += 1;
    const phoneNumberId = `${4_000_000 + runNumber}`;
    const numberId = await registerNumber(storeA.store, phoneNumberId);
    const number = [{ numberId, phoneNumberId }];
    await deliver(storeA, webhookOf(number, [[1, 2]]));
    await caughtUp(quietStore, [numberId], 2);
    expect(receivedOf(quietStore.published, [numberId]).map((event) => event.sequence)).toEqual([
      1, 2,
    ]);

    quietProxy.cut();
    for (let key = 3; key <= 8; key += 2)
      await deliver(storeA, webhookOf(number, [[key, key + 1]]));
    // A redelivery of what was stored before the cut adds nothing.
    const redelivery = await deliver(storeA, webhookOf(number, [[1, 2]]));
    expect(redelivery).toEqual({ appended: 0, duplicates: 2 });
    quietProxy.restore();

    // Nothing else is written from here on, and the poll is an hour away: only the
    // catch-up after the listener reconnects can publish sequences 3 to 8.
    await caughtUp(quietStore, [numberId], 8);
    const stored = await storedRows(database.url, [numberId]);
    expect(stored.map((row) => row.sequence)).toEqual([1, 2, 3, 4, 5, 6, 7, 8]);
    expect(receivedOf(quietStore.published, [numberId])).toEqual(
      stored.map(({ numberId: id, sequence, payload }) => ({ numberId: id, sequence, payload })),
    );
  }, 60_000);
});
