import { Metadata } from "@grpc/grpc-js";
import { threadline, type WhatsAppLogServiceDefinition } from "@threadline/protocol";
import { invalidArgument } from "../errors/common-errors.js";
import { assertSubscriberCapacity } from "../live/live-hub.js";
import { createFramedLiveSubscriber } from "../live/live-subscriber.js";
import { shareFrames } from "../live/shared-frames.js";
import { waitForDrain } from "../live/wait-for-drain.js";
import { decodeWhatsAppCursor } from "../whatsapp/whatsapp-cursor.js";
import {
  encodeFetchWhatsAppResponse,
  encodeSequencedStreamFrame,
} from "../whatsapp/whatsapp-frames.js";
import {
  assertNotAheadOfHead,
  readWhatsAppEvents,
  type WhatsAppLiveEvent,
  whatsappHead,
} from "../whatsapp/whatsapp-log.js";
import { serviceErrorOf } from "./error-status.js";
import { whatsappServerStream, whatsappUnary } from "./whatsapp-handlers.js";
import { type WhatsAppServiceDependencies, whatsappPageLimit } from "./whatsapp-message-service.js";

type v1 = typeof threadline.v1;

/** The sequence a WhatsAppLogPosition resumes after (0: from the oldest event). */
function positionSequence(
  position: InstanceType<v1["WhatsAppLogPosition"]> | null | undefined,
  numberId: number,
): number {
  if (position === null || position === undefined) return 0;
  if (position.position === "afterCursor") {
    const cursor = position.afterCursor?.value ?? "";
    return cursor === "" ? 0 : decodeWhatsAppCursor(cursor, numberId, "position.after_cursor");
  }
  if (position.position === "afterSequence") {
    const sequence = position.afterSequence ?? 0;
    if (!Number.isSafeInteger(sequence) || sequence < 0) {
      throw invalidArgument(
        `position.after_sequence must be a non-negative safe integer; received ${String(sequence)}`,
        { field: "position.after_sequence" },
      );
    }
    return sequence;
  }
  return 0;
}

const backlogPageSize = 256;

/** Live frames, encoded once per event for all of a number's streams. */
const sharedStreamFrame = shareFrames<WhatsAppLiveEvent>(encodeSequencedStreamFrame);

/**
 * `threadline.v1.WhatsAppLogService`: a backlog-then-live stream that resumes after a
 * cursor or sequence with no gap and no repeat, and a sequenced page fetch.
 */
export function createWhatsAppLogServiceImplementation(dependencies: WhatsAppServiceDependencies) {
  const { store, config, whatsappHub } = dependencies;

  return {
    subscribeWhatsAppEvents: whatsappServerStream<
      InstanceType<v1["SubscribeWhatsAppEventsRequest"]>,
      Uint8Array
    >(dependencies, async (request, number, call) => {
      const after = positionSequence(request.position, number.id);
      assertSubscriberCapacity(whatsappHub, number.id, config.maxSubscribersPerAccount);
      // Register before reading the head: every event committed from now on reaches the
      // buffer, and those at or below the head are dropped when live sending starts.
      const subscriber = createFramedLiveSubscriber<WhatsAppLiveEvent>({
        accountId: number.id,
        call,
        accepts: () => true,
        encode: (buffer, start) => {
          const event = buffer[start];
          if (event === undefined) throw new RangeError("no event to frame");
          return { frame: sharedStreamFrame(event), taken: 1 };
        },
        limits: config.subscriberBuffer,
        heartbeatIntervalMs: config.heartbeatIntervalMs,
        startImmediately: false,
        onEnd: (ended) => whatsappHub.unregister(ended),
        wireError: serviceErrorOf,
        resumeHint: "resume after the last sequence you handled and subscribe again",
        coalesceWrites: true,
      });
      whatsappHub.register(subscriber);
      let head: number;
      try {
        head = await whatsappHead(store.repositories, number.id);
        assertNotAheadOfHead(after, head, "position");
      } catch (error) {
        subscriber.detach();
        throw error;
      }
      call.sendMetadata(new Metadata());
      let sent = after;
      while (sent < head) {
        if (call.cancelled || call.destroyed || call.writableEnded) {
          subscriber.detach();
          return;
        }
        const page = await readWhatsAppEvents(
          store.repositories,
          number.id,
          sent,
          head,
          backlogPageSize,
        );
        if (page.length === 0) break;
        for (const event of page) {
          if (!call.write(encodeSequencedStreamFrame(event)) && !(await waitForDrain(call))) {
            subscriber.end();
            return;
          }
          sent = event.sequence;
        }
      }
      subscriber.start(
        head,
        threadline.v1.SubscribeWhatsAppEventsResponse.encode({
          live: { headSequence: head },
        }).finish(),
      );
      await subscriber.ended;
    }),

    fetchWhatsAppEvents: whatsappUnary<InstanceType<v1["FetchWhatsAppEventsRequest"]>, Uint8Array>(
      dependencies,
      async (request, number) => {
        const limit = whatsappPageLimit(request.limit);
        const after = positionSequence(request.position, number.id);
        const head = await whatsappHead(store.repositories, number.id);
        assertNotAheadOfHead(after, head, "position");
        const page = await readWhatsAppEvents(
          store.repositories,
          number.id,
          after,
          head,
          limit + 1,
        );
        const hasMore = page.length > limit;
        if (hasMore) page.length = limit;
        return encodeFetchWhatsAppResponse(page, head, hasMore);
      },
    ),
  } satisfies Record<keyof typeof WhatsAppLogServiceDefinition, unknown>;
}
