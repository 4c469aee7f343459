import type { handleServerStreamingCall } from "@grpc/grpc-js";
import type { photon } from "@threadline/protocol";
import type { Logger } from "pino";
import type { ServerConfig } from "../config.js";
import type { Store } from "../storage/write-context.js";

/** A server-streaming handler whose frames may be pre-encoded bytes. */
type Stream<Request, Response> = handleServerStreamingCall<Request, Response | Uint8Array>;

/**
 * The four live Subscribe* handlers, built by `createSubscriptionHandlers`. Domain
 * services put them into their service implementations unchanged.
 */
export interface SubscriptionHandlers {
  readonly subscribeMessageEvents: Stream<
    photon.imessage.v1.SubscribeMessageEventsRequest,
    photon.imessage.v1.SubscribeMessageEventsResponse
  >;
  readonly subscribeGroupEvents: Stream<
    photon.imessage.v1.SubscribeGroupEventsRequest,
    photon.imessage.v1.SubscribeGroupEventsResponse
  >;
  readonly subscribePollEvents: Stream<
    photon.imessage.v1.SubscribePollEventsRequest,
    photon.imessage.v1.SubscribePollEventsResponse
  >;
  readonly subscribeChatEvents: Stream<
    photon.imessage.v1.SubscribeChatEventsRequest,
    photon.imessage.v1.SubscribeChatEventsResponse
  >;
}

/**
 * What every service factory (`createChatServiceImplementation(deps)` and friends)
 * receives from the server wiring. `store` and `logger` are also what the
 * `unary` / `serverStream` wrappers in `handlers.ts` need, so pass `deps` to them.
 */
export interface ServiceDependencies {
  /** Group-committed named writes (`runWrite(store, …)`) and repositories over committed data (`store.repositories`). */
  readonly store: Store;
  /** The live Subscribe* handlers for the domain services. */
  readonly subscriptions: SubscriptionHandlers;
  /** Structured logger; silent when the server was started with `logger: false`. */
  readonly logger: Logger;
  /** Resolved server configuration. */
  readonly config: ServerConfig;
}

/** A function that builds one gRPC service implementation from the shared dependencies. */
export type ServiceImplementationFactory<Implementation> = (
  dependencies: ServiceDependencies,
) => Implementation;
