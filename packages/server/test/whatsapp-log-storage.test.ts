import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { photon } from "@threadline/protocol";
import BetterSqlite3 from "better-sqlite3";
import fc from "fast-check";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { createLiveHub } from "../src/live/live-hub.js";
import type { SqliteStore } from "../src/storage/sqlite-store.js";
import { findRegisteredNumber, registerWhatsAppNumber } from "../src/whatsapp/number-registry.js";
import type { WebhookEvent } from "../src/whatsapp/webhook-payload.js";
import { decodeWhatsAppCursor } from "../src/whatsapp/whatsapp-cursor.js";
import { appendWebhookEvents, type WhatsAppLiveEvent } from "../src/whatsapp/whatsapp-log.js";
import { openTestStore, storeModes } from "./support/test-store.js";
import { credentials } from "./support/whatsapp-harness.js";

let directory: string;
let path: string;
beforeEach(async () => {
  directory = await mkdtemp(join(tmpdir(), "threadline-whatsapp-log-"));
  path = join(directory, "threadline.db");
});
afterEach(async () => {
  await rm(directory, { recursive: true, force: true });
});

/** A webhook event: a message (kind 1) or one status of a message (kind 2). */
function event(kind: 1 | 2, wamid: string, status = "delivered"): WebhookEvent {
  return kind === 1
    ? {
        phoneNumberId: credentials.main.phoneNumberId,
        kind,
        dedupeKey: `m:${wamid}`,
        event: { message: { id: wamid, type: "text" } },
      }
    : {
        phoneNumberId: credentials.main.phoneNumberId,
        kind,
        dedupeKey: `s:${wamid}:${status}`,
        event: { status: { id: wamid, status: status === "read" ? 3 : 2 } },
      };
}

describe.each(storeModes)("the per-number WhatsApp log (%s)", (mode) => {
  const open = () => openTestStore(path, mode);

  it("keeps each redelivered message or status once, with contiguous sequences and matching cursors, across restarts (property)", async () => {
    const delivery = fc.array(
      fc.record({
        kind: fc.constantFrom<1 | 2>(1, 2),
        wamid: fc.integer({ min: 0, max: 15 }).map((index) => `wamid.P${index}`),
        status: fc.constantFrom("delivered", "read"),
      }),
      { minLength: 1, maxLength: 6 },
    );
    let round = 0;
    await fc.assert(
      fc.asyncProperty(
        fc.array(
          fc.record({
            webhooks: fc.array(delivery, { minLength: 1, maxLength: 5 }),
            restart: fc.boolean(),
          }),
          {
            minLength: 1,
            maxLength: 4,
          },
        ),
        async (phases) => {
          round += 1;
          path = join(directory, `round-${round}.db`);
          let store: SqliteStore = open();
          await registerWhatsAppNumber(store, credentials.main);
          const numberId =
            (await findRegisteredNumber(store.repositories, credentials.main.phoneNumberId))?.id ??
            0;
          const hub = createLiveHub<WhatsAppLiveEvent>();
          const published: number[] = [];
          hub.register({
            accountId: numberId,
            offer: (events) => published.push(...events.map((live) => live.sequence)),
            start: () => undefined,
            end: () => undefined,
            detach: () => undefined,
            ended: Promise.resolve(),
            bufferedEvents: 0,
          });
          const seen = new Set<string>();
          try {
            for (const phase of phases) {
              // Webhooks of one phase arrive concurrently and share group commits.
              await Promise.all(
                phase.webhooks.map((deliveries) =>
                  appendWebhookEvents(
                    store,
                    hub,
                    new Map([
                      [
                        numberId,
                        deliveries.map((entry) => event(entry.kind, entry.wamid, entry.status)),
                      ],
                    ]),
                  ),
                ),
              );
              for (const deliveries of phase.webhooks) {
                for (const entry of deliveries)
                  seen.add(event(entry.kind, entry.wamid, entry.status).dedupeKey);
              }
              if (phase.restart) {
                await store.close();
                store = open();
              }
            }
            const head = await store.repositories.whatsapp.readHead(numberId);
            const rows = await store.repositories.whatsapp.readPage(numberId, 0, head, 10_000);
            expect(head).toBe(seen.size);
            expect(rows.map((row) => row.sequence)).toEqual(
              Array.from({ length: head }, (_, index) => index + 1),
            );
            for (const row of rows) {
              const decoded = photon.whatsapp.v1.Event.decode(row.payload);
              expect(decodeWhatsAppCursor(decoded.cursor?.value ?? "", numberId)).toBe(
                row.sequence,
              );
            }
            // Live subscribers were offered exactly the appended sequences, in order.
            expect(published).toEqual(rows.map((row) => row.sequence));
          } finally {
            await store.close();
          }
        },
      ),
      // Every run opens stores, and a writer thread takes a while to start.
      { numRuns: mode === "writer-thread" ? 5 : 25 },
    );
  }, 120_000);

  it("a data file written by a newer server's WhatsApp schema is refused", async () => {
    await open().close();
    const db = new BetterSqlite3(path);
    try {
      db.prepare("UPDATE schema_version SET version = 99 WHERE component = 'whatsapp'").run();
    } finally {
      db.close();
    }
    expect(() => open()).toThrow(/whatsapp schema version 99, newer than this server knows/);
  });
});
