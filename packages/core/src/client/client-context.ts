import type { EventsResource } from "../events/events-resource.js";
import type { RpcCalls } from "../transport/rpc-calls.js";
import type { ServerCapabilities } from "./server-capabilities.js";

/**
 * What a resource package (chats, messages, ...) gets from the client: authenticated,
 * deadline-bound calls with typed errors and safe retries, the long-lived stream channel,
 * and the events resource.
 */
export interface ClientContext extends RpcCalls {
  /**
   * What the server supports (cached after the first successful call). Pass the
   * user-facing `operation` (e.g. `"chats.archive()"`) so that a failure names it.
   */
  serverCapabilities(operation?: string): Promise<ServerCapabilities>;
  /** The durable event log. */
  readonly events: EventsResource;
}

/**
 * Builds a resource from the client context. A resource package exports one, e.g.
 * `export const chats: ResourceFactory<ChatsResource>`, and users write
 * `createClient({ address, token, resources: { chats } })` to get a typed `im.chats`.
 */
export type ResourceFactory<Resource> = (context: ClientContext) => Resource;
