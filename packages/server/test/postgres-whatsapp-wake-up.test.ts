import pg from "pg";
import { pino } from "pino";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { executeWrite, runWrite } from "../src/domain/write-operations.js";
import { ServerError } from "../src/errors/server-error.js";
import { whatsappWakeUpChannel } from "../src/storage/postgres/log-wake-up.js";
import type { PgQueryable } from "../src/storage/postgres/pg-queryable.js";
import { openPostgresStore, type PostgresStore } from "../src/storage/postgres/postgres-store.js";
import {
  createScratchDatabase,
  postgresReachable,
  type ScratchDatabase,
} from "./support/postgres-scratch.js";

// The wake-up a WhatsApp append sends: queued inside the append's transaction, so a
// listener gets it at COMMIT and only then, never for a write that rolled back; a few
// bytes ("number id:head"), far below PostgreSQL's 8000-byte payload limit.

const reachable = await postgresReachable();

function webhookOf(numberId: number, phoneNumberId: string, keys: readonly string[]) {
  return {
    numbers: [
      {
        numberId,
        events: keys.map((key) => ({
          phoneNumberId,
          kind: 1 as const,
          dedupeKey: `m:${key}`,
          event: { message: { id: key } },
        })),
      },
    ],
  };
}

describe.runIf(reachable)("the WhatsApp append's wake-up NOTIFY", () => {
  let database: ScratchDatabase;
  let store: PostgresStore;
  let listener: pg.Client;
  const payloads: string[] = [];
  const waiters: (() => void)[] = [];
  /** Set while a test wants to look inside the next append's open transaction. */
  let insideTransaction: ((sql: PgQueryable) => Promise<void>) | undefined;
  beforeAll(async () => {
    database = await createScratchDatabase();
    store = await openPostgresStore({
      url: database.url,
      logger: pino({ enabled: false }),
      execute: executeWrite,
      live: false,
      poolSize: 1,
      beforeCommit: async (sql) => insideTransaction?.(sql),
    });
    listener = new pg.Client({ connectionString: database.url });
    await listener.connect();
    listener.on("notification", (message) => {
      if (message.channel !== whatsappWakeUpChannel) return;
      payloads.push(message.payload ?? "");
      for (const wake of waiters.splice(0)) wake();
    });
    await listener.query(`LISTEN ${whatsappWakeUpChannel}`);
  });
  afterAll(async () => {
    await listener?.end();
    await store?.close();
    await database?.drop();
  });

  async function nextPayload(count: number): Promise<string> {
    while (payloads.length < count) await new Promise<void>((resolve) => waiters.push(resolve));
    return payloads[count - 1] ?? "";
  }

  async function register(phoneNumberId: string): Promise<number> {
    await runWrite(store, "whatsapp.registerNumber", {
      phoneNumberId,
      accessToken: "token",
      appSecret: "secret",
      verifyTokenHash: new Uint8Array(32),
    });
    return (await store.repositories.whatsapp.findNumber(phoneNumberId))?.id ?? 0;
  }

  it("arrives at COMMIT, not while the append's transaction is open, carrying number id and new head", async () => {
    const phoneNumberId = "5000001";
    const numberId = await register(phoneNumberId);
    const before = payloads.length;
    let seenInside: number | undefined;
    insideTransaction = async () => {
      // A round trip on the listener's connection: a notification already sent would
      // be delivered to it no later than this answer.
      await listener.query("SELECT 1");
      seenInside = payloads.length;
    };
    try {
      await runWrite(
        store,
        "whatsapp.appendWebhookEvents",
        webhookOf(numberId, phoneNumberId, ["a", "b", "c"]),
      );
    } finally {
      insideTransaction = undefined;
    }
    expect(seenInside).toBe(before);
    const payload = await nextPayload(before + 1);
    expect(payload).toBe(`${numberId}:3`);
    expect(Buffer.byteLength(payload)).toBeLessThan(8000);
  });

  it("is never sent for an append that rolled back, nor for a webhook of redeliveries only", async () => {
    const phoneNumberId = "5000002";
    const numberId = await register(phoneNumberId);
    const before = payloads.length;
    await runWrite(
      store,
      "whatsapp.appendWebhookEvents",
      webhookOf(numberId, phoneNumberId, ["x"]),
    );
    const afterFirst = before + 1;
    expect(await nextPayload(afterFirst)).toBe(`${numberId}:1`);

    // A webhook for a number that is no longer the registered one: NOT_FOUND, rolled back.
    const rejection = await runWrite(
      store,
      "whatsapp.appendWebhookEvents",
      webhookOf(numberId, "5000099", ["y"]),
    ).then(
      () => undefined,
      (error: unknown) => error,
    );
    expect(rejection).toBeInstanceOf(ServerError);
    expect((rejection as ServerError).errorCode).toBe("NOT_FOUND");
    // Only redeliveries: nothing appended, nothing announced.
    const redelivered = await runWrite(
      store,
      "whatsapp.appendWebhookEvents",
      webhookOf(numberId, phoneNumberId, ["x"]),
    );
    expect(redelivered.duplicates).toBe(1);
    await runWrite(
      store,
      "whatsapp.appendWebhookEvents",
      webhookOf(numberId, phoneNumberId, ["z"]),
    );
    // The next wake-up after the first is the last append's: head 2 (y was never stored).
    expect(await nextPayload(afterFirst + 1)).toBe(`${numberId}:2`);
    expect(payloads.slice(afterFirst)).toEqual([`${numberId}:2`]);
  });
});
