import { Metadata, type ServerWritableStream } from "@grpc/grpc-js";
import type { photon } from "@threadline/protocol";
import type { Account } from "../auth/account.js";
import { normalizeChatGuid } from "../domain/chat-guid.js";
import { invalidArgument } from "../errors/common-errors.js";
import { assertSubscriberCapacity, type LiveHub } from "../live/live-hub.js";
import { createLiveSubscriber } from "../live/live-subscriber.js";
import type { LoggedEvent } from "../storage/repositories/event-log-repository.js";
import type { EventDomain } from "../storage/write-context.js";
import { serviceErrorOf } from "./error-status.js";
import { type HandlerDependencies, serverStream } from "./handlers.js";
import type { ServiceDependencies, SubscriptionHandlers } from "./service-dependencies.js";

/** What {@link createSubscriptionHandlers} needs. */
export type SubscriptionDependencies = Pick<ServiceDependencies, "store" | "logger" | "config"> &
  HandlerDependencies & { readonly hub: LiveHub };

/** The chat filter of a subscription, normalised so it matches the GUIDs the log stores. */
function chatFilter(value: string | null | undefined): string | undefined {
  if (value === null || value === undefined || value === "") return undefined;
  return normalizeChatGuid(value, "chat_guid");
}

function pollFilter(value: string | null | undefined): string | undefined {
  if (value === null || value === undefined || value === "") return undefined;
  if (value.length > 512 || /\s/.test(value)) {
    throw invalidArgument(
      `poll_message_guid must be a message GUID without spaces, at most 512 characters; received ${JSON.stringify(value.slice(0, 64))}`,
      { field: "poll_message_guid" },
    );
  }
  return value;
}

/**
 * Builds the four live `Subscribe{Message,Group,Poll,Chat}Events` handlers. Each
 * registers a bounded subscriber for the caller's account, sends response headers
 * at once (the client's "ready": from then on nothing committed is missed), then
 * streams matching events and heartbeats until the client goes away, falls too far
 * behind (RESOURCE_EXHAUSTED / SUBSCRIBER_TOO_SLOW) or the server shuts down.
 */
export function createSubscriptionHandlers(
  dependencies: SubscriptionDependencies,
): SubscriptionHandlers {
  const { config, hub } = dependencies;

  function live<Request, Response>(
    domain: EventDomain,
    filterOf: (request: Request) => (event: LoggedEvent) => boolean,
  ) {
    return serverStream<Request, Response | Uint8Array>(
      dependencies,
      async (
        request: Request,
        account: Account,
        call: ServerWritableStream<Request, Response | Uint8Array>,
      ) => {
        const matches = filterOf(request);
        assertSubscriberCapacity(hub, account.id, config.maxSubscribersPerAccount);
        const subscriber = createLiveSubscriber({
          accountId: account.id,
          call,
          accepts: (event) => event.kind === domain && matches(event),
          frames: { type: "single" },
          limits: config.subscriberBuffer,
          heartbeatIntervalMs: config.heartbeatIntervalMs,
          startImmediately: true,
          onEnd: (ended) => hub.unregister(ended),
          wireError: serviceErrorOf,
        });
        hub.register(subscriber);
        call.sendMetadata(new Metadata());
        await subscriber.ended;
      },
    );
  }

  function byChat(request: { chatGuid?: string | null }) {
    const chatGuid = chatFilter(request.chatGuid);
    return (event: LoggedEvent) => chatGuid === undefined || event.chatGuid === chatGuid;
  }

  return {
    subscribeMessageEvents: live<
      photon.imessage.v1.SubscribeMessageEventsRequest,
      photon.imessage.v1.SubscribeMessageEventsResponse
    >("message", byChat),
    subscribeGroupEvents: live<
      photon.imessage.v1.SubscribeGroupEventsRequest,
      photon.imessage.v1.SubscribeGroupEventsResponse
    >("group", byChat),
    subscribeChatEvents: live<
      photon.imessage.v1.SubscribeChatEventsRequest,
      photon.imessage.v1.SubscribeChatEventsResponse
    >("chat", byChat),
    subscribePollEvents: live<
      photon.imessage.v1.SubscribePollEventsRequest,
      photon.imessage.v1.SubscribePollEventsResponse
    >("poll", (request) => {
      const pollGuid = pollFilter(request.pollMessageGuid);
      return (event) => pollGuid === undefined || event.pollGuid === pollGuid;
    }),
  };
}
