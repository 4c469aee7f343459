import type { ChannelOptions } from "@grpc/grpc-js";
import { checkOptionalDuration, invalidArgument } from "../errors/invalid-argument.js";
import { createEventsResource } from "../events/create-events-resource.js";
import type { EventsResource } from "../events/events-resource.js";
import { checkTokenSource, type TokenSource } from "../transport/auth-metadata.js";
import type { TlsOptions } from "../transport/channel-setup.js";
import { createTransport } from "../transport/grpc-transport.js";
import type { RetryOptions } from "../transport/retry-options.js";
import { createCapabilitiesCache } from "./capabilities-cache.js";
import type { ClientContext, ResourceFactory } from "./client-context.js";
import { openHeartbeatWatchedStream } from "./heartbeat-watched-stream.js";

const asyncDispose: typeof Symbol.asyncDispose =
  Symbol.asyncDispose ?? Symbol.for("Symbol.asyncDispose");

/** Resource factories keyed by the property name they get on the client. */
export type ResourceFactories = Readonly<Record<string, ResourceFactory<unknown>>>;

/** Options of {@link createClient}. */
export interface ClientOptions<Resources extends ResourceFactories = Record<never, never>> {
  /** Server address, `"host:port"`. */
  readonly address: string;
  /** Bearer token, or an async function called before every call (for rotating tokens). */
  readonly token: TokenSource;
  /** TLS: `true` for the system roots, or PEM material; default plaintext. */
  readonly tls?: TlsOptions;
  /** Default deadline of unary calls, in ms. Default 30000. Streams have none. */
  readonly timeoutMs?: number;
  /** Retries of retryable unary failures; `false` disables them. Default 4 attempts, 100 ms to 5 s full-jitter backoff. */
  readonly retry?: RetryOptions | false;
  /** grpc-js channel options, applied over the keepalive defaults (30 s ping, 10 s timeout, also when idle). */
  readonly channelOptions?: ChannelOptions;
  /** Resource factories, e.g. `{ chats }` from `@threadline/chats`; each becomes a typed property. */
  readonly resources?: Resources;
  /**
   * Use Threadline protocol additions (batched catch-up, SubscribeEvents, FetchEvents,
   * GetLogInfo) when the server lists them. Default true; `false` sticks to the
   * standard photon.imessage.v1 RPCs.
   */
  readonly useExtensions?: boolean;
  /**
   * Heartbeat cadence to assume when the server does not report one (a plain
   * photon.imessage.v1 server, or `useExtensions: false`), in ms. Default 15000.
   * `subscribe()` treats a stream silent for twice this long as dead.
   */
  readonly heartbeatIntervalMs?: number;
}

/** The client core without resources. */
export interface BaseClient extends AsyncDisposable {
  /** The durable event log: catch-up, live streams, subscribe, fetchMissed, getLogInfo. */
  readonly events: EventsResource;
  /** The integration point resources are built from (for advanced use and custom resources). */
  readonly context: ClientContext;
  /** Closes every open stream and both channels. Idempotent; returns the same promise. */
  close(): Promise<void>;
}

/** A client with one typed property per resource factory. */
export type ThreadlineClient<Resources extends ResourceFactories = Record<never, never>> =
  BaseClient & {
    readonly [Name in keyof Resources]: ReturnType<Resources[Name]>;
  };

const reservedNames = new Set(["events", "context", "close", "then"]);

/**
 * Creates a client. Nothing connects until the first call.
 *
 * ```ts
 * import { chats } from "@threadline/chats";
 * const im = createClient({ address: "127.0.0.1:50051", token, resources: { chats } });
 * await im.chats.create(...);
 * ```
 *
 * Throws ValidationError for a bad address, token, timeout, retry or resources option.
 */
export function createClient<const Resources extends ResourceFactories = Record<never, never>>(
  options: ClientOptions<Resources>,
): ThreadlineClient<Resources> {
  if (typeof options !== "object" || options === null) {
    throw invalidArgument("options", "an object like { address, token }", options);
  }
  const token = checkTokenSource(options.token);
  const resources = options.resources ?? {};
  if (typeof resources !== "object" || resources === null) {
    throw invalidArgument(
      "resources",
      "an object of resource factories, e.g. { chats }",
      resources,
    );
  }
  for (const [name, factory] of Object.entries(resources)) {
    if (reservedNames.has(name)) {
      throw invalidArgument(
        `resources.${name}`,
        `a name other than ${[...reservedNames].join(", ")}`,
        name,
      );
    }
    if (typeof factory !== "function") {
      throw invalidArgument(`resources.${name}`, "a resource factory function", factory);
    }
  }
  const transport = createTransport({
    address: options.address,
    token,
    ...(options.tls === undefined ? {} : { tls: options.tls }),
    ...(options.timeoutMs === undefined ? {} : { timeoutMs: options.timeoutMs }),
    ...(options.retry === undefined ? {} : { retry: options.retry }),
    ...(options.channelOptions === undefined ? {} : { channelOptions: options.channelOptions }),
  });
  const capabilities = createCapabilitiesCache(
    transport,
    options.useExtensions !== false,
    checkOptionalDuration("heartbeatIntervalMs", options.heartbeatIntervalMs),
  );
  const events = createEventsResource(transport, capabilities);
  const context: ClientContext = {
    unary: (method, request, callOptions) => transport.unary(method, request, callOptions),
    stream: (method, request, map, streamOptions) =>
      streamOptions?.heartbeats === true
        ? openHeartbeatWatchedStream(transport, capabilities, method, request, map, streamOptions)
        : transport.stream(method, request, map, streamOptions),
    serverCapabilities: capabilities,
    events,
  };
  const close = () => transport.close();
  const client: Record<string, unknown> = {
    events,
    context,
    close,
    [asyncDispose]: close,
  };
  for (const [name, factory] of Object.entries(resources)) client[name] = factory(context);
  // Built from the validated factories above: one property per resource, typed by its factory.
  return client as ThreadlineClient<Resources>;
}
