import { EventLogServiceDefinition } from "@threadline/protocol";
import { capability, type ServerCapabilities } from "../client/server-capabilities.js";
import { invalidArgument } from "../errors/invalid-argument.js";
import type { Transport } from "../transport/grpc-transport.js";
import { openStandardCatchUp } from "./catch-up.js";
import type { SubscribedEvent } from "./domain-events.js";
import { decodeCursor, encodeCursor } from "./event-cursor.js";
import { eventFromFrame } from "./event-mapper.js";
import type { FetchMissedOptions, FetchMissedResult } from "./events-resource.js";

/** Events per page when `limit` is omitted. */
export const defaultFetchLimit = 100;
/** Largest `limit` accepted. */
export const maxFetchLimit = 1000;

/**
 * Validates fetchMissed options before any network call.
 *
 * @internal not covered by semver
 */
export function checkFetchOptions(options: unknown): { after: number | undefined; limit: number } {
  if (typeof options !== "object" || options === null) {
    throw invalidArgument("options", "an object like { cursor, limit }", options);
  }
  const cursor: unknown = Reflect.get(options, "cursor");
  const limit: unknown = Reflect.get(options, "limit") ?? defaultFetchLimit;
  if (typeof limit !== "number" || !Number.isInteger(limit) || limit < 1 || limit > maxFetchLimit) {
    throw invalidArgument(
      "limit",
      `an integer from 1 to ${maxFetchLimit} (default ${defaultFetchLimit})`,
      limit,
    );
  }
  return { after: cursor === undefined ? undefined : decodeCursor(cursor), limit };
}

function withCursor(
  events: readonly SubscribedEvent[],
  after: number | undefined,
  hasMore: boolean,
): FetchMissedResult {
  const lastEvent = events[events.length - 1];
  const cursor = lastEvent !== undefined ? lastEvent.cursor : encodeCursor(after ?? 0);
  return { events, cursor, hasMore };
}

/**
 * One page of events after a cursor: FetchEvents when the server lists
 * `threadline.fetch_events`, else a standard catch-up read for `limit + 1` events and
 * then cancelled (the extra one only tells whether there are more).
 *
 * @internal not covered by semver
 */
export async function fetchMissed(
  transport: Transport,
  capabilities: (operation?: string) => Promise<ServerCapabilities>,
  options: FetchMissedOptions,
): Promise<FetchMissedResult> {
  const { after, limit } = checkFetchOptions(options);
  const server = await capabilities("events.fetchMissed()");
  if (server.capabilities.has(capability.fetchEvents)) {
    const response = await transport.unary(EventLogServiceDefinition.fetchEvents, {
      ...(after === undefined ? {} : { afterSequence: after }),
      limit,
    });
    const events: SubscribedEvent[] = [];
    for (const frame of response.events ?? []) {
      const event = eventFromFrame(frame);
      if (event !== undefined) events.push({ ...event, cursor: encodeCursor(event.sequence) });
    }
    return withCursor(events, after, response.hasMore === true);
  }
  const { source } = openStandardCatchUp(transport, after);
  const events: SubscribedEvent[] = [];
  let hasMore = false;
  try {
    reading: for (;;) {
      const batch = await source.pull();
      if (batch === undefined) break;
      for (const event of batch) {
        if (event.type === "catchup.complete") break reading;
        if (events.length === limit) {
          hasMore = true;
          break reading;
        }
        events.push({ ...event, cursor: encodeCursor(event.sequence) });
      }
    }
  } finally {
    source.cancel();
  }
  return withCursor(events, after, hasMore);
}
