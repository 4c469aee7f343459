import { EventLogServiceDefinition, MessageServiceDefinition, photon } from "@threadline/protocol";
import fc from "fast-check";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { runWrite } from "../src/domain/write-operations.js";
import { startTestServer, type TestServer } from "../src/testing.js";
import { createRawClient, type RawClient } from "./support/grpc-client.js";
import { type LiveRecorder, recordLive } from "./support/live-recorder.js";

const chats = ["any;-;ann@example.com", "any;-;bob@example.com", "any;-;cat@example.com"];

let server: TestServer;
let accountNumber = 0;

beforeAll(async () => {
  server = await startTestServer();
});
afterAll(async () => {
  await server.close();
});

/** A log event as the test wrote it. */
interface Written {
  readonly sequence: number;
  readonly chatGuid: string;
}

let guidNumber = 0;

/**
 * Commits one write appending one message event per chat index (each with a GUID of
 * its own) and resolves with the sequences the log gave them. Sequences are assigned
 * when the write commits, so they are found in the log by GUID afterwards; other writes
 * may commit concurrently.
 */
async function writeEvents(accountId: number, chatIndexes: readonly number[]): Promise<Written[]> {
  const written = chatIndexes.map((index) => {
    guidNumber += 1;
    return { chatGuid: chats[index] ?? chats[0] ?? "", guid: `fan-out-${guidNumber}` };
  });
  await runWrite(server.server.store, "log.appendEvents", {
    events: written.map(({ chatGuid, guid }) => ({
      accountId,
      event: {
        kind: "message" as const,
        event: {
          chatGuid,
          isFromMe: false,
          messageReceived: { message: { guid, chatGuids: [chatGuid] } },
        },
      },
    })),
  });
  const log = server.server.store.repositories.eventLog;
  const { headSequence } = await log.readState(accountId);
  const sequences = new Map<string, number>();
  for (const event of await log.readPage(accountId, 0, headSequence, headSequence)) {
    const guid = photon.imessage.v1.MessageChangeEvent.decode(event.payload).messageReceived
      ?.message?.guid;
    if (guid !== undefined && guid !== null) sequences.set(guid, event.sequence);
  }
  return written.map(({ chatGuid, guid }) => {
    const sequence = sequences.get(guid);
    if (sequence === undefined) throw new Error(`the write's event ${guid} is not in the log`);
    return { sequence, chatGuid };
  });
}

/** Commits one write per entry of `chatIndexes`, one after another; returns what they stored. */
async function writeOneByOne(
  accountId: number,
  chatIndexes: readonly number[],
): Promise<Written[]> {
  const written: Written[] = [];
  for (const index of chatIndexes) written.push(...(await writeEvents(accountId, [index])));
  return written;
}

/** Commits one write holding one event per chat index, all in one transaction. */
function writeTogether(accountId: number, chatIndexes: readonly number[]): Promise<Written[]> {
  return writeEvents(accountId, chatIndexes);
}

type StreamSpec =
  | { readonly stream: "batched"; readonly maxBatchSize: number }
  | { readonly stream: "messages"; readonly chat: number | undefined };

type Step =
  | { readonly type: "write"; readonly chats: readonly number[]; readonly together: boolean }
  | { readonly type: "subscribe"; readonly spec: StreamSpec }
  | { readonly type: "settle" };

const chatIndex = fc.integer({ min: 0, max: chats.length - 1 });
const step: fc.Arbitrary<Step> = fc.oneof(
  {
    weight: 4,
    arbitrary: fc.record({
      type: fc.constant("write" as const),
      chats: fc.array(chatIndex, { minLength: 1, maxLength: 6 }),
      together: fc.boolean(),
    }),
  },
  {
    weight: 2,
    arbitrary: fc.record({
      type: fc.constant("subscribe" as const),
      spec: fc.oneof(
        fc.record({
          stream: fc.constant("batched" as const),
          maxBatchSize: fc.integer({ min: 1, max: 5 }),
        }),
        fc.record({
          stream: fc.constant("messages" as const),
          chat: fc.option(chatIndex, { nil: undefined }),
        }),
      ),
    }),
  },
  { weight: 1, arbitrary: fc.constant({ type: "settle" as const }) },
);

interface OpenStream {
  readonly spec: StreamSpec;
  readonly recorder: LiveRecorder;
  /** Highest sequence of the writes finished before the call (the batched cursor). */
  readonly afterSequence: number;
  /** Logical time the call was made and its headers arrived. */
  readonly calledAt: number;
  headersAt: number;
}

interface WriteRecord {
  readonly startedAt: number;
  finishedAt: number;
  events: Written[];
}

function wants(spec: StreamSpec, event: Written): boolean {
  return (
    spec.stream === "batched" || spec.chat === undefined || chats[spec.chat] === event.chatGuid
  );
}

describe("live fan-out to many subscribers", () => {
  it("every subscriber gets each event it asked for exactly once, in log order, across random write/subscribe interleavings", async () => {
    await fc.assert(
      fc.asyncProperty(fc.array(step, { minLength: 1, maxLength: 24 }), async (steps) => {
        accountNumber += 1;
        const { account, token } = await server.accounts.create([
          `fanout${accountNumber}@example.com`,
        ]);
        const log = createRawClient(server.address, EventLogServiceDefinition, token);
        const messages = createRawClient(server.address, MessageServiceDefinition, token);
        const streams: OpenStream[] = [];
        const writes: WriteRecord[] = [];
        const inFlight: Promise<unknown>[] = [];
        let clock = 0;
        let finishedHead = 0;
        try {
          for (const next of steps) {
            if (next.type === "write") {
              const record: WriteRecord = { startedAt: ++clock, finishedAt: Infinity, events: [] };
              writes.push(record);
              const writing = (next.together ? writeTogether : writeOneByOne)(
                account.id,
                next.chats,
              );
              inFlight.push(
                writing.then((events) => {
                  record.events = events;
                  record.finishedAt = ++clock;
                  for (const event of events) finishedHead = Math.max(finishedHead, event.sequence);
                }),
              );
            } else if (next.type === "subscribe") {
              const spec = next.spec;
              const afterSequence = finishedHead;
              const stream =
                spec.stream === "batched"
                  ? log.stream("subscribeEvents", {
                      afterSequence,
                      maxBatchSize: spec.maxBatchSize,
                    })
                  : messages.stream("subscribeMessageEvents", {
                      chatGuid: spec.chat === undefined ? "" : chats[spec.chat],
                    });
              const open: OpenStream = {
                spec,
                recorder: recordLive(stream, spec.stream === "batched" ? "batched" : "single"),
                afterSequence,
                calledAt: ++clock,
                headersAt: Infinity,
              };
              open.recorder.headers.then(() => {
                open.headersAt = ++clock;
              });
              streams.push(open);
            } else {
              await Promise.all(inFlight.splice(0));
            }
          }
          await Promise.all(inFlight.splice(0));
          await Promise.all(streams.map((open) => open.recorder.headers));
          // One last event per chat, written after every stream is registered, so each
          // stream has a known last event to wait for.
          const sentinel: WriteRecord = { startedAt: ++clock, finishedAt: Infinity, events: [] };
          sentinel.events = await writeTogether(
            account.id,
            chats.map((_, index) => index),
          );
          sentinel.finishedAt = ++clock;
          writes.push(sentinel);

          const logEvents = writes
            .flatMap((record) => record.events)
            .sort((a, b) => a.sequence - b.sequence);
          // The log is contiguous from 1: nothing the test wrote is missing.
          expect(logEvents.map((event) => event.sequence)).toEqual(
            logEvents.map((_, index) => index + 1),
          );
          for (const open of streams) {
            const matching = logEvents.filter((event) => wants(open.spec, event));
            const last = matching.at(-1);
            if (last === undefined) throw new Error("every stream matches a sentinel event");
            await open.recorder.reach(last.sequence);
            const received = open.recorder.events;
            if (open.spec.stream === "batched") {
              // Backlog after the cursor, then live: every event after it, once, in order.
              expect(received).toEqual(
                matching.filter((event) => event.sequence > open.afterSequence),
              );
              continue;
            }
            // A live-only stream gets a contiguous run of its matching events, ending with
            // the newest: exactly once, in order, chat filter respected.
            const first = received[0]?.sequence ?? Infinity;
            expect(received).toEqual(matching.filter((event) => event.sequence >= first));
            // ...that includes every event written after its headers arrived...
            const mustHave = writes
              .filter((record) => record.startedAt > open.headersAt)
              .flatMap((record) => record.events)
              .filter((event) => wants(open.spec, event));
            for (const event of mustHave) expect(received).toContainEqual(event);
            // ...and none committed before the call was made.
            const tooEarly = writes
              .filter((record) => record.finishedAt < open.calledAt)
              .flatMap((record) => record.events);
            for (const event of tooEarly) expect(received).not.toContainEqual(event);
          }
          expect(server.server.hub.slowSubscriberCuts).toBe(0);
        } finally {
          for (const open of streams) open.recorder.cancel();
          log.close();
          messages.close();
        }
      }),
      { numRuns: 20 },
    );
  });

  it("60 subscribers (batched, per account and per chat) each get all of 2,200 events from 4 concurrent writers, in order, none cut", async () => {
    accountNumber += 1;
    const { account, token } = await server.accounts.create([`load${accountNumber}@example.com`]);
    const clients: RawClient[] = [];
    const streams: { spec: StreamSpec; recorder: LiveRecorder }[] = [];
    const cutsBefore = server.server.hub.slowSubscriberCuts;
    try {
      for (let index = 0; index < 60; index += 1) {
        const spec: StreamSpec =
          index % 3 === 0
            ? { stream: "batched", maxBatchSize: 1 + (index % 64) }
            : { stream: "messages", chat: index % 3 === 1 ? undefined : index % chats.length };
        const client =
          spec.stream === "batched"
            ? createRawClient(server.address, EventLogServiceDefinition, token)
            : createRawClient(server.address, MessageServiceDefinition, token);
        clients.push(client);
        const stream =
          spec.stream === "batched"
            ? client.stream("subscribeEvents", {
                afterSequence: 0,
                maxBatchSize: spec.maxBatchSize,
              })
            : client.stream("subscribeMessageEvents", {
                chatGuid: spec.chat === undefined ? "" : chats[spec.chat],
              });
        streams.push({
          spec,
          recorder: recordLive(stream, spec.stream === "batched" ? "batched" : "single"),
        });
      }
      await Promise.all(streams.map(({ recorder }) => recorder.headers));
      expect(server.server.hub.countFor(account.id)).toBe(60);

      const written: Written[] = [];
      await Promise.all(
        Array.from({ length: 4 }, async (_, writer) => {
          for (let round = 0; round < 100; round += 1) {
            // Commits of 1 to 10 events (2,200 in all), chats cycling with the writer and the round.
            const size = 1 + ((writer * 7 + round * 3) % 10);
            const events = await writeTogether(
              account.id,
              Array.from({ length: size }, (_, index) => (writer + round + index) % chats.length),
            );
            written.push(...events);
          }
        }),
      );
      const logEvents = written.sort((a, b) => a.sequence - b.sequence);
      expect(logEvents.map((event) => event.sequence)).toEqual(
        logEvents.map((_, index) => index + 1),
      );
      expect(logEvents.length).toBe(2200);
      for (const { spec, recorder } of streams) {
        const matching = logEvents.filter((event) => wants(spec, event));
        const last = matching.at(-1);
        if (last === undefined) throw new Error("every stream matches some event");
        await recorder.reach(last.sequence);
        expect(recorder.events).toEqual(matching);
      }
      expect(server.server.hub.slowSubscriberCuts).toBe(cutsBefore);
      expect(server.server.hub.countFor(account.id)).toBe(60);
    } finally {
      for (const { recorder } of streams) recorder.cancel();
      for (const client of clients) client.close();
    }
  }, 60_000);
});
