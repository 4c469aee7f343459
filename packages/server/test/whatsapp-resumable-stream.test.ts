import { status as GrpcStatus } from "@grpc/grpc-js";
import type { photon, threadline } from "@threadline/protocol";
import fc from "fast-check";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { businessNumberId, webhookBody } from "./fixtures/whatsapp-webhooks.js";
import { rejectionOf, trailer } from "./support/grpc-client.js";
import {
  credentials,
  numberMetadata,
  startWhatsAppHarness,
  type WhatsAppHarness,
} from "./support/whatsapp-harness.js";

type Frame = threadline.v1.SubscribeWhatsAppEventsResponse;
type FetchResponse = threadline.v1.FetchWhatsAppEventsResponse;

let harness: WhatsAppHarness;
let nextMessage = 0;
beforeAll(async () => {
  harness = await startWhatsAppHarness();
});
afterAll(async () => {
  await harness.close();
});

/** Posts one signed webhook with `count` new text messages; resolves after the 200. */
async function postMessages(count: number): Promise<void> {
  const messages = Array.from({ length: count }, () => {
    nextMessage += 1;
    return {
      from: "4915112345678",
      id: `wamid.RESUME${nextMessage}`,
      timestamp: "1733052000",
      type: "text",
      text: { body: `message ${nextMessage}` },
    };
  });
  const answer = await harness.postSigned(webhookBody(businessNumberId, { messages }));
  expect(answer.status).toBe(200);
}

function fetchPage(position: threadline.v1.WhatsAppLogPosition.$Properties | undefined, limit = 0) {
  return harness.log.unary<FetchResponse>(
    "fetchWhatsAppEvents",
    { ...(position === undefined ? {} : { position }), limit },
    numberMetadata(credentials.main),
  );
}

/**
 * Opens SubscribeWhatsAppEvents after `afterSequence` and collects event sequences until
 * `until` has been reached (live marker noted), then cancels.
 */
function subscribe(position: threadline.v1.WhatsAppLogPosition.$Properties) {
  const stream = harness.log.stream<Frame>(
    "subscribeWhatsAppEvents",
    { position },
    numberMetadata(credentials.main),
  );
  const sequences: number[] = [];
  const cursors: string[] = [];
  let liveHead: number | undefined;
  const waiters: (() => void)[] = [];
  let failure: unknown;
  stream.on("data", (frame: Frame) => {
    if (frame.event) {
      sequences.push(frame.event.sequence);
      cursors.push(frame.event.event?.cursor?.value ?? "");
    } else if (frame.live) {
      liveHead = frame.live.headSequence;
    }
    for (const wake of waiters.splice(0)) wake();
  });
  stream.on("error", (error: unknown) => {
    failure = error;
    for (const wake of waiters.splice(0)) wake();
  });
  const registered = new Promise<void>((resolve) => stream.once("metadata", () => resolve()));
  return {
    registered,
    sequences,
    cursors,
    live: () => liveHead,
    async until(sequence: number): Promise<void> {
      while ((sequences.at(-1) ?? 0) < sequence) {
        if (failure !== undefined) throw failure;
        await new Promise<void>((resolve) => waiters.push(resolve));
      }
    },
    cancel: () => stream.cancel(),
  };
}

async function head(): Promise<number> {
  return (await fetchPage({ afterSequence: 0 }, 1)).headSequence;
}

describe("threadline.v1.WhatsAppLogService", () => {
  it("FetchWhatsAppEvents pages with numeric sequences, the head and has_more", async () => {
    await postMessages(5);
    const first = await fetchPage({ afterSequence: 0 }, 3);
    expect(first.events.map((event) => event.sequence)).toEqual([1, 2, 3]);
    expect(first.headSequence).toBe(5);
    expect(first.hasMore).toBe(true);
    const cursor = first.events.at(-1)?.event?.cursor?.value ?? "";
    const rest = await fetchPage({ afterCursor: { value: cursor } });
    expect(rest.events.map((event) => event.sequence)).toEqual([4, 5]);
    expect(rest.hasMore).toBe(false);
  });

  it("the numeric sequence and the photon cursor name the same position", async () => {
    const bySequence = await fetchPage({ afterSequence: 2 });
    const page = await fetchPage({ afterSequence: 1 }, 1);
    const byCursor = await fetchPage({
      afterCursor: { value: page.events[0]?.event?.cursor?.value ?? "" },
    });
    expect(byCursor.events.map((event) => event.sequence)).toEqual(
      bySequence.events.map((event) => event.sequence),
    );
  });

  it("the stream sends the backlog after the cursor, a live marker, then live events, with no gap", async () => {
    const start = await head();
    const page = await fetchPage({ afterSequence: start - 2 }, 1);
    const cursor = page.events[0]?.event?.cursor?.value ?? "";
    const stream = subscribe({ afterCursor: { value: cursor } });
    await stream.registered;
    await postMessages(3);
    await stream.until(start + 3);
    stream.cancel();
    expect(stream.sequences).toEqual([start, start + 1, start + 2, start + 3]);
    expect(stream.live()).toBeGreaterThanOrEqual(start);
  });

  it("a position ahead of the head is CURSOR_AHEAD_OF_HEAD; another number's cursor is INVALID_ARGUMENT", async () => {
    const current = await head();
    const ahead = await rejectionOf(fetchPage({ afterSequence: current + 1 }));
    expect(ahead.code).toBe(GrpcStatus.FAILED_PRECONDITION);
    expect(trailer(ahead, "error-code")).toBe("CURSOR_AHEAD_OF_HEAD");
    const streamed = await rejectionOf(
      new Promise((resolve, reject) => {
        const stream = harness.log.stream(
          "subscribeWhatsAppEvents",
          { position: { afterSequence: current + 10 } },
          numberMetadata(credentials.main),
        );
        stream.on("data", () => undefined);
        stream.on("error", reject);
        stream.on("end", resolve);
      }),
    );
    expect(trailer(streamed, "error-code")).toBe("CURSOR_AHEAD_OF_HEAD");
    const foreign = Buffer.from("wa1.2.1").toString("base64url");
    const wrongLog = await rejectionOf(fetchPage({ afterCursor: { value: foreign } }));
    expect(wrongLog.code).toBe(GrpcStatus.INVALID_ARGUMENT);
    expect(wrongLog.details).toContain("position.after_cursor");
  });

  it("resuming while webhooks keep arriving delivers every later sequence exactly once, in order (property)", async () => {
    await fc.assert(
      fc.asyncProperty(
        fc.array(fc.integer({ min: 1, max: 4 }), { minLength: 1, maxLength: 6 }),
        fc.integer({ min: 0, max: 5 }),
        fc.nat(),
        async (batches, openAfterBatch, backoff) => {
          const base = await head();
          const resumeFrom = Math.max(0, base - (backoff % 4));
          const posts: Promise<void>[] = [];
          let stream: ReturnType<typeof subscribe> | undefined;
          for (const [index, size] of batches.entries()) {
            if (index === Math.min(openAfterBatch, batches.length - 1)) {
              stream = subscribe({ afterSequence: resumeFrom });
            }
            // Webhooks race the subscription: some are in flight while it registers.
            posts.push(postMessages(size));
          }
          await Promise.all(posts);
          const final = await head();
          if (stream === undefined) throw new Error("the stream was never opened");
          await stream.until(final);
          stream.cancel();
          const expected = Array.from(
            { length: final - resumeFrom },
            (_, index) => resumeFrom + index + 1,
          );
          expect(stream.sequences).toEqual(expected);
          expect(new Set(stream.cursors).size).toBe(stream.cursors.length);
        },
      ),
      { numRuns: 25 },
    );
  });
});

describe("photon.whatsapp.v1.SubscribeEvents", () => {
  it("sends headers once registered, then every event committed after that", async () => {
    const stream = harness.messages.stream<photon.whatsapp.v1.SubscribeEventsResponse>(
      "subscribeEvents",
      {},
      numberMetadata(credentials.main),
    );
    const ids: string[] = [];
    const arrived = new Promise<void>((resolve, reject) => {
      stream.on("data", (frame: photon.whatsapp.v1.SubscribeEventsResponse) => {
        if (frame.message) ids.push(frame.message.id);
        if (ids.length === 4) resolve();
      });
      stream.on("error", reject);
    });
    await new Promise<void>((resolve) => stream.once("metadata", () => resolve()));
    const first = nextMessage + 1;
    await postMessages(2);
    await postMessages(2);
    await arrived;
    stream.cancel();
    expect(ids).toEqual([0, 1, 2, 3].map((offset) => `wamid.RESUME${first + offset}`));
  });

  it("an idle stream carries heartbeats", async () => {
    const quick = await startWhatsAppHarness({ heartbeatIntervalMs: 20 });
    try {
      const stream = quick.messages.stream<photon.whatsapp.v1.SubscribeEventsResponse>(
        "subscribeEvents",
        {},
        numberMetadata(credentials.main),
      );
      await new Promise<void>((resolve, reject) => {
        stream.on("data", (frame: photon.whatsapp.v1.SubscribeEventsResponse) => {
          if (frame.heartbeat) resolve();
        });
        stream.on("error", reject);
      });
      stream.cancel();
    } finally {
      await quick.close();
    }
  });
});
