import { Metadata } from "@grpc/grpc-js";
import { type EventLogServiceDefinition, threadline } from "@threadline/protocol";
import { invalidArgument } from "../errors/common-errors.js";
import { assertSubscriberCapacity, type LiveHub } from "../live/live-hub.js";
import { createLiveSubscriber } from "../live/live-subscriber.js";
import { encodeFetchResponse } from "../log/frame-encoding.js";
import {
  oldestRetainedSequence,
  readFramePage,
  readLogState,
  resolveReadStart,
} from "../log/log-reader.js";
import { streamLogRange } from "../log/stream-log-range.js";
import { serviceErrorOf } from "./error-status.js";
import { type HandlerDependencies, serverStream, unary } from "./handlers.js";
import { batchSizeFor, validAfterSequence } from "./request-validation.js";
import type { ServiceDependencies } from "./service-dependencies.js";

/** Default and largest page of FetchEvents. */
export const fetchLimits = { defaultLimit: 100, maxLimit: 1000 } as const;

type Dependencies = Pick<ServiceDependencies, "store" | "logger" | "config"> &
  HandlerDependencies & { readonly hub: LiveHub };

/**
 * `threadline.v1.EventLogService`: batched catch-up, one resumable backlog-then-live
 * stream, paged fetch, and log info. Every read is bounded by the head captured when
 * the call started.
 */
export function createEventLogServiceImplementation(dependencies: Dependencies) {
  const { store, config, hub } = dependencies;
  const v1 = threadline.v1;

  return {
    catchUpEventBatches: serverStream<
      threadline.v1.CatchUpEventBatchesRequest,
      threadline.v1.CatchUpEventBatchesResponse | Uint8Array
    >(dependencies, async (request, account, call) => {
      const afterSequence = validAfterSequence(request.afterSequence);
      const batchSize = batchSizeFor(request.maxBatchSize, config.maxBatchSize);
      const state = await readLogState(store.repositories, account.id);
      const start = resolveReadStart(state, afterSequence);
      const sent = await streamLogRange({
        store,
        call,
        accountId: account.id,
        afterSequence: start,
        upToSequence: state.headSequence,
        frames: "batch",
        pageSize: batchSize,
        heartbeatIntervalMs: config.heartbeatIntervalMs,
      });
      if (!sent) return;
      call.write(
        v1.CatchUpEventBatchesResponse.encode({
          complete: { headSequence: state.headSequence },
        }).finish(),
      );
    }),

    subscribeEvents: serverStream<
      threadline.v1.SubscribeEventsRequest,
      threadline.v1.SubscribeEventsResponse | Uint8Array
    >(dependencies, async (request, account, call) => {
      const afterSequence = validAfterSequence(request.afterSequence);
      const batchSize = batchSizeFor(request.maxBatchSize, config.maxBatchSize);
      // Register before reading the head: every event committed after this point
      // reaches the buffer, and those at or below the head are dropped on start.
      assertSubscriberCapacity(hub, account.id, config.maxSubscribersPerAccount);
      const subscriber = createLiveSubscriber({
        accountId: account.id,
        call,
        frames: { type: "batch", maxBatchSize: batchSize },
        limits: config.subscriberBuffer,
        heartbeatIntervalMs: config.heartbeatIntervalMs,
        startImmediately: false,
        onEnd: (ended) => hub.unregister(ended),
        wireError: serviceErrorOf,
      });
      hub.register(subscriber);
      try {
        const state = await readLogState(store.repositories, account.id);
        const start = resolveReadStart(state, afterSequence);
        call.sendMetadata(new Metadata());
        const sent = await streamLogRange({
          store,
          call,
          accountId: account.id,
          afterSequence: Math.max(start, 0),
          upToSequence: state.headSequence,
          frames: "batch",
          pageSize: batchSize,
          heartbeatIntervalMs: config.heartbeatIntervalMs,
        });
        if (!sent) {
          subscriber.end();
          return;
        }
        subscriber.start(
          Math.max(state.headSequence, start),
          v1.SubscribeEventsResponse.encode({
            live: { headSequence: state.headSequence },
          }).finish(),
        );
      } catch (error) {
        subscriber.detach();
        throw error;
      }
      await subscriber.ended;
    }),

    fetchEvents: unary<threadline.v1.FetchEventsRequest, Uint8Array>(
      dependencies,
      async (request, account) => {
        const afterSequence = validAfterSequence(request.afterSequence);
        const requested = request.limit ?? 0;
        if (!Number.isSafeInteger(requested) || requested < 0 || requested > fetchLimits.maxLimit) {
          throw invalidArgument(
            `limit must be an integer from 0 to ${fetchLimits.maxLimit} (0 means the default of ${fetchLimits.defaultLimit}); received ${String(requested)}`,
            { field: "limit" },
          );
        }
        const limit = requested === 0 ? fetchLimits.defaultLimit : requested;
        const state = await readLogState(store.repositories, account.id);
        const start = resolveReadStart(state, afterSequence);
        const page = await readFramePage(
          store.repositories,
          account.id,
          start,
          state.headSequence,
          limit + 1,
        );
        const hasMore = page.length > limit;
        if (hasMore) page.length = limit;
        return encodeFetchResponse(page, state.headSequence, hasMore);
      },
    ),

    getLogInfo: unary<threadline.v1.GetLogInfoRequest, threadline.v1.LogInfo.$Properties>(
      dependencies,
      async (_request, account) => {
        const state = await readLogState(store.repositories, account.id);
        return {
          headSequence: state.headSequence,
          oldestRetainedSequence: oldestRetainedSequence(state),
        };
      },
    ),
  } satisfies Record<keyof typeof EventLogServiceDefinition, unknown>;
}
