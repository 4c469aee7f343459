import {
  ChatServiceDefinition,
  GroupServiceDefinition,
  MessageServiceDefinition,
  PollServiceDefinition,
} from "@threadline/protocol";
import { parseChatGuid } from "../chat-guid.js";
import type { ServerCapabilities } from "../client/server-capabilities.js";
import { invalidArgument } from "../errors/invalid-argument.js";
import { createTransportWatchdog } from "../resumable/stream-watchdog.js";
import type {
  SourceCallOptions,
  StreamConnection,
  Transport,
} from "../transport/grpc-transport.js";
import type { DomainEvent, EventDomain, LiveEventMap } from "./domain-events.js";
import { eventFromFrame } from "./event-mapper.js";
import type { LiveFilter } from "./events-resource.js";

const domains: readonly EventDomain[] = ["message", "chat", "group", "poll"];

/**
 * Validates `live(domain, filter)` arguments before any network call.
 *
 * @internal not covered by semver
 */
export function checkLiveArguments(domain: unknown, filter: unknown): LiveFilter {
  if (typeof domain !== "string" || !domains.includes(domain as EventDomain)) {
    throw invalidArgument("domain", '"message", "chat", "group" or "poll"', domain);
  }
  if (filter === undefined) return {};
  if (typeof filter !== "object" || filter === null) {
    throw invalidArgument("filter", "an object like { chat } (or { poll } for polls)", filter);
  }
  const chat: unknown = Reflect.get(filter, "chat");
  const poll: unknown = Reflect.get(filter, "poll");
  for (const key of Object.keys(filter)) {
    if (key !== "chat" && key !== "poll") {
      throw invalidArgument(
        `filter.${key}`,
        "absent: live filters accept only chat (or poll for polls)",
        Reflect.get(filter, key),
      );
    }
  }
  if (domain === "poll") {
    if (chat !== undefined) {
      throw invalidArgument(
        "filter.chat",
        "absent for the poll domain, which filters by poll message GUID: use { poll }",
        chat,
      );
    }
    if (poll !== undefined && (typeof poll !== "string" || poll.trim() === "")) {
      throw invalidArgument("filter.poll", "a non-empty poll message GUID", poll);
    }
    return poll === undefined ? {} : { poll };
  }
  if (poll !== undefined) {
    throw invalidArgument("filter.poll", `absent for the ${domain} domain; use { chat }`, poll);
  }
  if (chat === undefined) return {};
  if (typeof chat !== "string") throw invalidArgument("filter.chat", "a chat GUID string", chat);
  parseChatGuid(chat);
  return { chat };
}

/**
 * Opens one domain's live stream. Every frame goes through the shared event mapper, so
 * events have the same shapes as catch-up's.
 *
 * @internal not covered by semver
 */
export function openLiveSource<Domain extends EventDomain>(
  transport: Transport,
  domain: Domain,
  filter: LiveFilter,
  callerOptions: SourceCallOptions = {},
): StreamConnection<LiveEventMap[Domain]> {
  // Errors name what the user called, not the domain's Subscribe*Events RPC.
  const options: SourceCallOptions = {
    operation: `events.live(${JSON.stringify(domain)})`,
    ...callerOptions,
  };
  const chatRequest = filter.chat === undefined ? {} : { chatGuid: filter.chat };
  // Every domain's frames carry a subset of the payloads the mapper knows; the mapper
  // yields only the domain's own events or `unknown`, which is what LiveEventMap says.
  const expand =
    (decode: (bytes: Buffer) => Parameters<typeof eventFromFrame>[0]) =>
    (bytes: Buffer, emit: (event: LiveEventMap[Domain]) => void) => {
      const event: DomainEvent | undefined = eventFromFrame(decode(bytes));
      if (event !== undefined) emit(event as LiveEventMap[Domain]);
    };
  switch (domain) {
    case "message":
      return transport.openSource(
        MessageServiceDefinition.subscribeMessageEvents,
        chatRequest,
        expand((bytes) =>
          MessageServiceDefinition.subscribeMessageEvents.responseDeserialize(bytes),
        ),
        options,
      );
    case "chat":
      return transport.openSource(
        ChatServiceDefinition.subscribeChatEvents,
        chatRequest,
        expand((bytes) => ChatServiceDefinition.subscribeChatEvents.responseDeserialize(bytes)),
        options,
      );
    case "group":
      return transport.openSource(
        GroupServiceDefinition.subscribeGroupEvents,
        chatRequest,
        expand((bytes) => GroupServiceDefinition.subscribeGroupEvents.responseDeserialize(bytes)),
        options,
      );
    default:
      return transport.openSource(
        PollServiceDefinition.subscribePollEvents,
        filter.poll === undefined ? {} : { pollMessageGuid: filter.poll },
        expand((bytes) => PollServiceDefinition.subscribePollEvents.responseDeserialize(bytes)),
        options,
      );
  }
}

/**
 * Opens one domain's live stream with a watchdog: a reader that waits twice the
 * server's heartbeat interval without a frame gets a `ConnectionError`
 * (`STREAM_STALLED`) instead of waiting for TCP keepalive.
 *
 * @internal not covered by semver
 */
export function openWatchedLiveSource<Domain extends EventDomain>(
  transport: Transport,
  capabilities: () => Promise<ServerCapabilities>,
  domain: Domain,
  filter: LiveFilter,
  options: Omit<SourceCallOptions, "onFrame"> = {},
): StreamConnection<LiveEventMap[Domain]> {
  const watchdog = createTransportWatchdog(transport, capabilities, `events.live("${domain}")`);
  return watchdog.watch(
    openLiveSource(transport, domain, filter, { ...options, onFrame: watchdog.frame }),
  );
}
