import { Metadata } from "@grpc/grpc-js";
import { type photon, WhatsAppMessageServiceDefinition } from "@threadline/protocol";
import { invalidArgument } from "../errors/common-errors.js";
import { assertSubscriberCapacity, type LiveHub } from "../live/live-hub.js";
import { createFramedLiveSubscriber } from "../live/live-subscriber.js";
import type { GraphApiClient } from "../whatsapp/graph-api-client.js";
import { graphMessageBody } from "../whatsapp/graph-message-body.js";
import {
  createSendOnce,
  idempotencyOwnerOf,
  whatsappIdempotencyKey,
} from "../whatsapp/send-once.js";
import { decodeWhatsAppCursor } from "../whatsapp/whatsapp-cursor.js";
import { encodeFetchMissedResponse } from "../whatsapp/whatsapp-frames.js";
import {
  assertNotAheadOfHead,
  readWhatsAppEvents,
  type WhatsAppLiveEvent,
  whatsappFetchLimits,
  whatsappHead,
} from "../whatsapp/whatsapp-log.js";
import { serviceErrorOf } from "./error-status.js";
import type { HandlerDependencies } from "./handlers.js";
import type { ServiceDependencies } from "./service-dependencies.js";
import { whatsappServerStream, whatsappUnary } from "./whatsapp-handlers.js";

type v1 = typeof photon.whatsapp.v1;

/** What the WhatsApp services need besides the store and logger. */
export type WhatsAppServiceDependencies = Pick<ServiceDependencies, "store" | "logger" | "config"> &
  HandlerDependencies & {
    readonly whatsappHub: LiveHub<WhatsAppLiveEvent>;
    readonly graph: GraphApiClient;
  };

/** A FetchMissedEvents / FetchWhatsAppEvents limit: 0 or unset means the default. */
export function whatsappPageLimit(requested: number | null | undefined): number {
  const value = requested ?? 0;
  if (!Number.isSafeInteger(value) || value < 0 || value > whatsappFetchLimits.maxLimit) {
    throw invalidArgument(
      `limit must be an integer from 0 to ${whatsappFetchLimits.maxLimit} (0 or unset means the default of ${whatsappFetchLimits.defaultLimit}); received ${String(value)}`,
      { field: "limit" },
    );
  }
  return value === 0 ? whatsappFetchLimits.defaultLimit : value;
}

/**
 * `photon.whatsapp.v1.MessageService`: SendMessage and MarkRead through the Graph
 * API, SubscribeEvents (live from registration, heartbeats, the slow-subscriber cut)
 * and FetchMissedEvents (a page after a cursor, oldest first).
 */
export function createWhatsAppMessageServiceImplementation(
  dependencies: WhatsAppServiceDependencies,
) {
  const { store, config, whatsappHub, graph } = dependencies;
  const sendOnce = createSendOnce(store);

  return {
    sendMessage: whatsappUnary<
      InstanceType<v1["SendMessageRequest"]>,
      photon.whatsapp.v1.SendMessageResponse.$Properties
    >(dependencies, async (request, number, call) => {
      const body = graphMessageBody(request);
      const key = whatsappIdempotencyKey(call.metadata);
      return sendOnce(
        {
          method: WhatsAppMessageServiceDefinition.sendMessage,
          request,
          accountId: idempotencyOwnerOf(number.id),
          key,
        },
        async () => graph.sendMessage(number, body),
      );
    }),

    markRead: whatsappUnary<
      InstanceType<v1["MarkReadRequest"]>,
      photon.whatsapp.v1.MarkReadResponse.$Properties
    >(dependencies, async (request, number) => {
      if (request.messageId === "") {
        throw invalidArgument("message_id must be the wamid of an inbound message", {
          field: "message_id",
        });
      }
      await graph.markRead(number, request.messageId, request.typingIndicator);
      return {};
    }),

    subscribeEvents: whatsappServerStream<InstanceType<v1["SubscribeEventsRequest"]>, Uint8Array>(
      dependencies,
      async (_request, number, call) => {
        assertSubscriberCapacity(whatsappHub, number.id, config.maxSubscribersPerAccount);
        const subscriber = createFramedLiveSubscriber<WhatsAppLiveEvent>({
          accountId: number.id,
          call,
          accepts: () => true,
          // A stored Event is already a SubscribeEventsResponse (same field numbers).
          encode: (buffer, start) => {
            const event = buffer[start];
            if (event === undefined) throw new RangeError("no event to frame");
            return { frame: event.payload, taken: 1 };
          },
          limits: config.subscriberBuffer,
          heartbeatIntervalMs: config.heartbeatIntervalMs,
          startImmediately: true,
          onEnd: (ended) => whatsappHub.unregister(ended),
          wireError: serviceErrorOf,
          resumeHint: "fetch missed events from the last cursor you handled and subscribe again",
          coalesceWrites: true,
        });
        whatsappHub.register(subscriber);
        // Headers go out once the subscription is registered: from here on no event is missed.
        call.sendMetadata(new Metadata());
        await subscriber.ended;
      },
    ),

    fetchMissedEvents: whatsappUnary<InstanceType<v1["FetchMissedEventsRequest"]>, Uint8Array>(
      dependencies,
      async (request, number) => {
        const limit = whatsappPageLimit(request.limit);
        const cursor = request.cursor?.value ?? "";
        const after = cursor === "" ? 0 : decodeWhatsAppCursor(cursor, number.id, "cursor");
        const head = await whatsappHead(store.repositories, number.id);
        assertNotAheadOfHead(after, head, "cursor");
        return encodeFetchMissedResponse(
          await readWhatsAppEvents(store.repositories, number.id, after, head, limit),
        );
      },
    ),
  } satisfies Record<keyof typeof WhatsAppMessageServiceDefinition, unknown>;
}
