import type { ClientContext } from "../client/client-context.js";
import type { LiveFilter } from "../events/events-resource.js";
import type { UnaryCallOptions } from "../transport/rpc-calls.js";

/** One unary call a resource asked its context to make. */
export interface RecordedCall {
  /** The gRPC method path, e.g. `/photon.imessage.v1.ChatService/CreateChat`. */
  readonly path: string;
  readonly request: unknown;
  readonly options: UnaryCallOptions | undefined;
}

/** One live stream a resource asked for through `context.events.live(...)`. */
export interface RecordedLiveStream {
  readonly domain: string;
  readonly filter: LiveFilter | undefined;
}

/** What {@link recordingContext} returns. */
export interface RecordingContext {
  /** Unary calls, in the order the resource made them. */
  readonly calls: readonly RecordedCall[];
  /** Live streams, in the order the resource opened them. */
  readonly streams: readonly RecordedLiveStream[];
  /** Hand this to a resource factory instead of the client's own context. */
  readonly context: ClientContext;
}

/**
 * Wraps a client's real {@link ClientContext} so that every unary call and live stream
 * is recorded on its way through. The calls still reach the real server; a test sees
 * what a resource asked for (the idempotency options of a write, say) and, for an
 * argument the resource refuses, that it asked for nothing.
 */
export function recordingContext(context: ClientContext): RecordingContext {
  const calls: RecordedCall[] = [];
  const streams: RecordedLiveStream[] = [];
  const recorded: ClientContext = {
    unary(method, request, options) {
      calls.push({ path: method.path, request, options });
      return context.unary(method, request, options);
    },
    stream: (method, request, map, options) => context.stream(method, request, map, options),
    serverCapabilities: (operation) => context.serverCapabilities(operation),
    events: {
      ...context.events,
      live(domain, filter) {
        streams.push({ domain, filter });
        return context.events.live(domain, filter);
      },
    },
  };
  return { calls, streams, context: recorded };
}
