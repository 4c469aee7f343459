import { type EventServiceDefinition, photon } from "@threadline/protocol";
import { readLogState, resolveReadStart } from "../log/log-reader.js";
import { streamLogRange } from "../log/stream-log-range.js";
import { type HandlerDependencies, serverStream } from "./handlers.js";
import { validAfterSequence } from "./request-validation.js";
import type { ServiceDependencies } from "./service-dependencies.js";

const pageSize = 512;

/**
 * `photon.imessage.v1.EventService`: CatchUpEvents streams every retained event with
 * `after_sequence < sequence <= head` (head captured at the start), one per frame,
 * then `complete{head_sequence}`.
 */
export function createEventServiceImplementation(
  dependencies: Pick<ServiceDependencies, "store" | "logger" | "config"> & HandlerDependencies,
) {
  const { store, config } = dependencies;
  return {
    catchUpEvents: serverStream<
      photon.imessage.v1.CatchUpEventsRequest,
      photon.imessage.v1.CatchUpEventsResponse | Uint8Array
    >(dependencies, async (request, account, call) => {
      const afterSequence = validAfterSequence(request.afterSequence);
      const state = await readLogState(store.repositories, account.id);
      const start = resolveReadStart(state, afterSequence);
      const sent = await streamLogRange({
        store,
        call,
        accountId: account.id,
        afterSequence: start,
        upToSequence: state.headSequence,
        frames: "single",
        pageSize,
        heartbeatIntervalMs: config.heartbeatIntervalMs,
      });
      if (!sent) return;
      call.write(
        photon.imessage.v1.CatchUpEventsResponse.encode({
          complete: { headSequence: state.headSequence },
        }).finish(),
      );
    }),
  } satisfies Record<keyof typeof EventServiceDefinition, unknown>;
}
