import { invalidArgument, ProtocolError, type Transport } from "@threadline/core";
import {
  type photon,
  type threadline,
  WhatsAppLogServiceDefinition,
  WhatsAppMessageServiceDefinition,
} from "@threadline/protocol";
import { checkCursor } from "./cursor-shape.js";
import { eventFromWire } from "./event-from-wire.js";
import type { WhatsAppEvent } from "./whatsapp-types.js";

/** Events per page when `limit` is omitted. */
export const defaultFetchLimit = 100;
/** Largest `limit` accepted (the server's maximum page). */
export const maxFetchLimit = 1000;

/** Options of `events.fetchMissed()`. */
export interface FetchMissedOptions {
  /** Events strictly after this cursor; omit (or `""`) to start at the oldest logged event. */
  readonly cursor?: string | undefined;
  /** Events per page, 1 to {@link maxFetchLimit}; default {@link defaultFetchLimit}. */
  readonly limit?: number;
}

/** One page of `events.fetchMissed()`. */
export interface FetchMissedResult {
  /** The events after the cursor, oldest first. */
  readonly events: readonly WhatsAppEvent[];
  /** More events follow: call again with `cursor`. */
  readonly hasMore: boolean;
  /** Where to continue: the last event's cursor, or the given cursor when the page is empty. */
  readonly cursor: string;
}

/** @internal not covered by semver */
export function checkFetchOptions(options: unknown): { cursor: string; limit: number } {
  if (typeof options !== "object" || options === null) {
    throw invalidArgument("fetchMissed options", "an object like { cursor, limit }", options);
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
  return {
    cursor: cursor === undefined || cursor === "" ? "" : checkCursor("cursor", cursor),
    limit,
  };
}

type SequencedEvent = threadline.v1.SequencedWhatsAppEvent;

/** A logged event with its sequence, as the Threadline log RPCs send it. @internal */
export function sequencedFromWire(element: SequencedEvent): WhatsAppEvent {
  const event = element.event;
  const cursor = event?.cursor?.value;
  const mapped =
    event === null || event === undefined || cursor === undefined
      ? undefined
      : eventFromWire(event, cursor, element.sequence);
  if (mapped === undefined) {
    throw new ProtocolError(
      `the server sent logged event ${element.sequence} without a cursor, message or status`,
    );
  }
  return mapped;
}

/** A position message of the Threadline log RPCs. @internal not covered by semver */
export function logPosition(
  cursor: string,
  afterSequence: number | undefined,
): threadline.v1.WhatsAppLogPosition.$Properties {
  if (afterSequence !== undefined) return { afterSequence };
  return cursor === "" ? {} : { afterCursor: { value: cursor } };
}

/**
 * One page of events after a cursor: FetchWhatsAppEvents (with sequences and has_more)
 * when the server has the Threadline log RPCs, otherwise the published
 * FetchMissedEvents asked for one extra event to learn whether more follow. In that
 * fallback `sequence` counts from `firstSequence` (default 1) within the page.
 *
 * @internal not covered by semver
 */
export async function fetchPage(
  transport: Transport,
  withLog: boolean,
  cursor: string,
  limit: number,
  operation: string,
  firstSequence = 1,
): Promise<FetchMissedResult> {
  if (withLog) {
    const page = await transport.unary(
      WhatsAppLogServiceDefinition.fetchWhatsAppEvents,
      { position: logPosition(cursor, undefined), limit },
      { operation },
    );
    const events = page.events.map(sequencedFromWire);
    return { events, hasMore: page.hasMore, cursor: events.at(-1)?.cursor ?? cursor };
  }
  // One more than asked tells whether more follow; at the maximum page a full page
  // counts as "maybe more" (the next call may then be empty).
  const ask = Math.min(limit + 1, maxFetchLimit);
  const page = await transport.unary(
    WhatsAppMessageServiceDefinition.fetchMissedEvents,
    { ...(cursor === "" ? {} : { cursor: { value: cursor } }), limit: ask },
    { operation },
  );
  const wire: readonly photon.whatsapp.v1.Event[] = page.events;
  const events: WhatsAppEvent[] = [];
  for (const element of wire.slice(0, limit)) {
    const at = element.cursor?.value;
    const mapped =
      at === undefined ? undefined : eventFromWire(element, at, firstSequence + events.length);
    if (mapped === undefined) {
      throw new ProtocolError("the server sent a missed event without a cursor, message or status");
    }
    events.push(mapped);
  }
  const hasMore = wire.length > limit || (ask === limit && wire.length === limit);
  return { events, hasMore, cursor: events.at(-1)?.cursor ?? cursor };
}
