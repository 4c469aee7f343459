import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { type photon, type threadline, WhatsAppLogServiceDefinition } from "@threadline/protocol";
import fc from "fast-check";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { startServer, type ThreadlineServer } from "../src/server.js";
import { registerWhatsAppNumber } from "../src/whatsapp/number-registry.js";
import { signWebhookBody } from "../src/whatsapp/webhook-signature.js";
import { businessNumberId, webhookBody } from "./fixtures/whatsapp-webhooks.js";
import { createRawClient, type RawClient } from "./support/grpc-client.js";
import {
  createScratchDatabase,
  postgresReachable,
  type ScratchDatabase,
} from "./support/postgres-scratch.js";
import { credentials, numberMetadata } from "./support/whatsapp-harness.js";

// Three server processes' worth of servers on one PostgreSQL database, as behind a load
// balancer: Meta posts each webhook to one of them, and a live WhatsApp stream on any
// of them must carry every event of its number once, in sequence order.

const reachable = await postgresReachable();

type Frame = threadline.v1.SubscribeWhatsAppEventsResponse;
type FetchResponse = threadline.v1.FetchWhatsAppEventsResponse;
type Event = photon.whatsapp.v1.Event;

/** One received event: its sequence, cursor and wamid. */
interface Received {
  readonly sequence: number;
  readonly cursor: string;
  readonly wamid: string;
}

function receivedOf(sequence: number, event: Event | null | undefined): Received {
  return {
    sequence,
    cursor: event?.cursor?.value ?? "",
    wamid: event?.message?.id ?? "",
  };
}

/** A SubscribeWhatsAppEvents stream of the main number's log after `afterSequence`. */
function subscribeAfter(client: RawClient, afterSequence: number) {
  const stream = client.stream<Frame>(
    "subscribeWhatsAppEvents",
    { position: { afterSequence } },
    numberMetadata(credentials.main),
  );
  const received: Received[] = [];
  let live = false;
  let failure: unknown;
  const waiters: (() => void)[] = [];
  stream.on("data", (frame: Frame) => {
    if (frame.event) received.push(receivedOf(frame.event.sequence, frame.event.event));
    else if (frame.live) live = true;
    for (const wake of waiters.splice(0)) wake();
  });
  stream.on("error", (error: unknown) => {
    failure = error;
    for (const wake of waiters.splice(0)) wake();
  });
  return {
    received,
    isLive: () => live,
    async until(condition: () => boolean): Promise<void> {
      while (!condition()) {
        if (failure !== undefined) throw failure;
        await new Promise<void>((resolve) => waiters.push(resolve));
      }
    },
    cancel: () => stream.cancel(),
  };
}

describe.runIf(reachable)("live WhatsApp streams across servers on one PostgreSQL database", () => {
  let database: ScratchDatabase;
  let directory: string;
  const servers: ThreadlineServer[] = [];
  const clients: RawClient[] = [];
  beforeAll(async () => {
    database = await createScratchDatabase();
    directory = await mkdtemp(join(tmpdir(), "threadline-postgres-whatsapp-"));
    for (const name of ["first", "second", "third"]) {
      const server = await startServer({
        database: database.url,
        databasePoolSize: 2,
        dataPath: join(directory, name),
        port: 0,
        httpPort: 0,
        logger: false,
      });
      servers.push(server);
      clients.push(createRawClient(server.address, WhatsAppLogServiceDefinition, undefined));
    }
    // Registered once, on the first server: the others see it in the shared database.
    const first = servers[0];
    if (first === undefined) throw new Error("no server started");
    await registerWhatsAppNumber(first.store, credentials.main);
  });
  afterAll(async () => {
    for (const client of clients) client.close();
    for (const server of servers) await server.close({ graceMs: 1000 });
    await database?.drop();
    if (directory !== undefined) await rm(directory, { recursive: true, force: true });
  });

  async function postTo(server: ThreadlineServer, wamids: readonly string[]): Promise<number> {
    const body = Buffer.from(
      JSON.stringify(
        webhookBody(businessNumberId, {
          messages: wamids.map((id) => ({
            from: "4915112345678",
            id,
            timestamp: "1733056000",
            type: "text",
            text: { body: `text of ${id}` },
          })),
        }),
      ),
    );
    const response = await fetch(`http://127.0.0.1:${server.httpPort}/webhooks/whatsapp`, {
      method: "POST",
      headers: {
        "content-type": "application/json",
        "x-hub-signature-256": signWebhookBody(body, credentials.main.appSecret),
      },
      body,
    });
    await response.text();
    return response.status;
  }

  /** Text messages with these wamids, one webhook each, posted at once to the given servers. */
  async function postAll(
    webhooks: readonly { readonly server: number; readonly wamids: readonly string[] }[],
  ): Promise<void> {
    const statuses = await Promise.all(
      webhooks.map(({ server, wamids }) => postTo(servers[server] as ThreadlineServer, wamids)),
    );
    expect(statuses).toEqual(webhooks.map(() => 200));
  }

  async function storedLog(): Promise<Received[]> {
    const client = clients[0];
    if (client === undefined) throw new Error("no client");
    const stored: Received[] = [];
    for (;;) {
      const page = await client.unary<FetchResponse>(
        "fetchWhatsAppEvents",
        { position: { afterSequence: stored.at(-1)?.sequence ?? 0 }, limit: 1000 },
        numberMetadata(credentials.main),
      );
      for (const event of page.events) stored.push(receivedOf(event.sequence, event.event));
      if (!page.hasMore) return stored;
    }
  }

  it("webhooks posted to random servers, redeliveries included: a live stream on every server receives every event once, in sequence order (property)", async () => {
    const streams = clients.map((client) => subscribeAfter(client, 0));
    try {
      await Promise.all(streams.map((stream) => stream.until(stream.isLive)));
      let nextWamid = 0;
      await fc.assert(
        fc.asyncProperty(
          fc.array(
            fc.record({
              server: fc.integer({ min: 0, max: 2 }),
              // Negative numbers name earlier messages again: Meta's redeliveries.
              wamids: fc.array(fc.integer({ min: -3, max: 2 }), { minLength: 1, maxLength: 3 }),
            }),
            { minLength: 1, maxLength: 8 },
          ),
          async (webhooks) => {
            const base = nextWamid;
            nextWamid += 3;
            const statuses = await Promise.all(
              webhooks.map(({ server, wamids }) =>
                postTo(
                  servers[server] as ThreadlineServer,
                  wamids.map((offset) => `wamid.LB${Math.max(0, base + offset)}`),
                ),
              ),
            );
            expect(statuses).toEqual(webhooks.map(() => 200));
            const stored = await storedLog();
            // Every message stored once, whichever server each delivery reached.
            expect(new Set(stored.map((event) => event.wamid)).size).toBe(stored.length);
            expect(stored.map((event) => event.sequence)).toEqual(
              stored.map((_, index) => index + 1),
            );
            const head = stored.length;
            for (const stream of streams) {
              await stream.until(() => (stream.received.at(-1)?.sequence ?? 0) >= head);
              expect(stream.received).toEqual(stored);
            }
          },
        ),
        { numRuns: 10 },
      );
    } finally {
      for (const stream of streams) stream.cancel();
    }
  }, 120_000);

  it("a stream opened from a random cursor on a server with no other stream of the number (which so far skipped the number's events) continues the log with no gap and no repeat while webhooks keep landing on every server (property)", async () => {
    let nextWamid = 10_000;
    const webhookArbitrary = fc.record({
      server: fc.integer({ min: 0, max: 2 }),
      wamids: fc.array(fc.integer({ min: -2, max: 1 }), { minLength: 1, maxLength: 3 }),
    });
    await fc.assert(
      fc.asyncProperty(
        fc.array(webhookArbitrary, { maxLength: 5 }),
        fc.array(webhookArbitrary, { minLength: 1, maxLength: 5 }),
        fc.integer({ min: 0, max: 2 }),
        fc.double({ min: 0, max: 1, noNaN: true }),
        async (before, during, streamServer, cursorFraction) => {
          const base = nextWamid;
          nextWamid += 3;
          const named = (webhooks: typeof before) =>
            webhooks.map(({ server, wamids }) => ({
              server,
              wamids: wamids.map((offset) => `wamid.LATE${base + offset}`),
            }));
          await postAll(named(before));
          const headBefore = (await storedLog()).length;
          const cursor = Math.floor(cursorFraction * headBefore);
          // Opened while the next webhooks are being posted: registration, the head read
          // and the live events interleave with their commits on all three servers.
          const stream = subscribeAfter(clients[streamServer] as RawClient, cursor);
          try {
            await postAll(named(during));
            const stored = await storedLog();
            expect(stored.map((event) => event.sequence)).toEqual(
              stored.map((_, index) => index + 1),
            );
            const head = stored.length;
            await stream.until(
              () => stream.isLive() && (stream.received.at(-1)?.sequence ?? cursor) >= head,
            );
            expect(stream.received).toEqual(stored.slice(cursor));
          } finally {
            stream.cancel();
          }
        },
      ),
      { numRuns: 10 },
    );
  }, 120_000);
});
