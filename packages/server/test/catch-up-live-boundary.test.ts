import {
  EventLogServiceDefinition,
  EventServiceDefinition,
  MessageServiceDefinition,
  type photon,
  type threadline,
} from "@threadline/protocol";
import fc from "fast-check";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { startTestServer, type TestServer } from "../src/testing.js";
import { appendMessages } from "./support/append-events.js";
import { readFrames } from "./support/frame-reader.js";
import { collect, createRawClient } from "./support/grpc-client.js";

type SubscribeFrame = threadline.v1.SubscribeEventsResponse;
type MessageFrame = photon.imessage.v1.SubscribeMessageEventsResponse;
type CatchUpFrame = photon.imessage.v1.CatchUpEventsResponse;

let server: TestServer;
let accountNumber = 0;

beforeAll(async () => {
  server = await startTestServer();
});
afterAll(async () => {
  await server.close();
});

/** Runs `writers` concurrent loops that each commit `writesEach` writes of 1 to 3 events. */
async function runWriters(
  accountId: number,
  writers: number,
  writesEach: number,
  sizes: readonly number[],
) {
  await Promise.all(
    Array.from({ length: writers }, async (_, writer) => {
      for (let write = 0; write < writesEach; write += 1) {
        const size = sizes[(writer * writesEach + write) % sizes.length] ?? 1;
        await appendMessages(server.server.store, accountId, size);
      }
    }),
  );
}

function range(from: number, to: number): number[] {
  return Array.from({ length: Math.max(0, to - from + 1) }, (_, index) => from + index);
}

describe("the catch-up / live boundary under concurrent writers", () => {
  it("SubscribeEvents delivers every sequence after the cursor exactly once, in order", async () => {
    await fc.assert(
      fc.asyncProperty(
        fc.record({
          writers: fc.integer({ min: 1, max: 4 }),
          writesBefore: fc.integer({ min: 0, max: 15 }),
          writesDuring: fc.integer({ min: 1, max: 15 }),
          sizes: fc.array(fc.integer({ min: 1, max: 3 }), { minLength: 1, maxLength: 8 }),
          cursorFraction: fc.option(fc.double({ min: 0, max: 1, noNaN: true }), { nil: undefined }),
          maxBatchSize: fc.integer({ min: 1, max: 8 }),
        }),
        async ({ writers, writesBefore, writesDuring, sizes, cursorFraction, maxBatchSize }) => {
          accountNumber += 1;
          const { account, token } = await server.accounts.create([
            `boundary${accountNumber}@example.com`,
          ]);
          await runWriters(account.id, writers, writesBefore, sizes);
          const headBefore = (await server.server.store.repositories.eventLog.readState(account.id))
            .headSequence;
          const cursor =
            cursorFraction === undefined ? undefined : Math.floor(headBefore * cursorFraction);
          const log = createRawClient(server.address, EventLogServiceDefinition, token);
          const frames = readFrames<SubscribeFrame>(
            log.stream("subscribeEvents", { afterSequence: cursor ?? null, maxBatchSize }),
          );
          try {
            // Writers keep committing while the stream replays its backlog and goes live.
            await runWriters(account.id, writers, writesDuring, sizes);
            const finalHead = (
              await server.server.store.repositories.eventLog.readState(account.id)
            ).headSequence;
            const received: number[] = [];
            const liveMarkers: number[] = [];
            let receivedBeforeLive = 0;
            while ((received.at(-1) ?? cursor ?? 0) < finalHead || liveMarkers.length === 0) {
              const frame = await frames.next();
              if (frame.live) {
                liveMarkers.push(frame.live.headSequence);
                receivedBeforeLive = received.length;
              }
              for (const event of frame.batch?.events ?? []) {
                if (event.sequence !== null) received.push(event.sequence);
              }
              expect(frame.batch?.events.length ?? 0).toBeLessThanOrEqual(maxBatchSize);
            }
            expect(received).toEqual(range((cursor ?? 0) + 1, finalHead));
            expect(liveMarkers).toHaveLength(1);
            // Everything before the marker is backlog up to its head; everything after is newer.
            expect(received[receivedBeforeLive - 1] ?? cursor ?? 0).toBe(liveMarkers[0]);
          } finally {
            frames.cancel();
            log.close();
          }
        },
      ),
      { numRuns: 25 },
    );
  });

  it("a live stream registered before catch-up starts plus catch-up covers every sequence", async () => {
    await fc.assert(
      fc.asyncProperty(
        fc.record({
          writers: fc.integer({ min: 1, max: 4 }),
          writesBefore: fc.integer({ min: 0, max: 10 }),
          writesDuring: fc.integer({ min: 1, max: 10 }),
          sizes: fc.array(fc.integer({ min: 1, max: 3 }), { minLength: 1, maxLength: 8 }),
        }),
        async ({ writers, writesBefore, writesDuring, sizes }) => {
          accountNumber += 1;
          const { account, token } = await server.accounts.create([
            `recipe${accountNumber}@example.com`,
          ]);
          await runWriters(account.id, writers, writesBefore, sizes);
          const messages = createRawClient(server.address, MessageServiceDefinition, token);
          const events = createRawClient(server.address, EventServiceDefinition, token);
          const live = readFrames<MessageFrame>(messages.stream("subscribeMessageEvents", {}));
          try {
            const writing = runWriters(account.id, writers, writesDuring, sizes);
            // The recipe: wait for the live stream's headers, then catch up while writes go on.
            await live.headers;
            const catchUp = await collect<CatchUpFrame>(events.stream("catchUpEvents", {}));
            await writing;
            const finalHead = (
              await server.server.store.repositories.eventLog.readState(account.id)
            ).headSequence;
            const head = catchUp.at(-1)?.complete?.headSequence;
            expect(head).toBeTypeOf("number");
            const replayed = catchUp.flatMap((frame) =>
              frame.sequence === null ? [] : [frame.sequence],
            );
            expect(replayed).toEqual(range(1, head ?? 0));
            const liveSequences: number[] = [];
            // Writes that committed before the stream registered are catch-up's to deliver.
            while ((head ?? 0) < finalHead && (liveSequences.at(-1) ?? 0) < finalHead) {
              const frame = await live.next();
              if (frame.sequence !== null) liveSequences.push(frame.sequence);
            }
            // Live frames are strictly increasing and include every sequence after the head.
            expect(liveSequences).toEqual([...new Set(liveSequences)].sort((a, b) => a - b));
            const seen = new Set([...replayed, ...liveSequences]);
            expect([...seen].sort((a, b) => a - b)).toEqual(range(1, finalHead));
            expect(liveSequences.filter((sequence) => sequence > (head ?? 0))).toEqual(
              range((head ?? 0) + 1, finalHead),
            );
          } finally {
            live.cancel();
            messages.close();
            events.close();
          }
        },
      ),
      { numRuns: 20 },
    );
  });
});
