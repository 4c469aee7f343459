import { metadataKeys, photon } from "@threadline/protocol";
import { ServerError } from "../errors/server-error.js";
import type { LiveHub } from "../live/live-hub.js";
import type { LiveEvent } from "../live/live-subscriber.js";
import {
  appendWhatsAppEvents,
  readWhatsAppHead,
  readWhatsAppPage,
  type WhatsAppLogRow,
} from "../storage/whatsapp-store.js";
import type { Store } from "../storage/write-context.js";
import type { WebhookEvent } from "./webhook-payload.js";
import { encodeWhatsAppCursor } from "./whatsapp-cursor.js";

/** A committed WhatsApp event as the live hub carries it; `accountId` is the number's id. */
export type WhatsAppLiveEvent = LiveEvent;

/** What one webhook added: events appended and redeliveries skipped. */
export interface AppendOutcome {
  readonly appended: number;
  readonly duplicates: number;
}

/** Default and largest page of FetchMissedEvents and FetchWhatsAppEvents. */
export const whatsappFetchLimits = { defaultLimit: 100, maxLimit: 1000 } as const;

/**
 * Appends the events of one webhook to their numbers' logs in one group-committed
 * write, skipping redeliveries (a message by wamid, a status by wamid + status), and
 * resolves once the commit is fsync'd; only then are the new events offered to live
 * subscribers. Nothing is stored when the write fails.
 */
export async function appendWebhookEvents(
  store: Store,
  hub: LiveHub<WhatsAppLiveEvent>,
  eventsByNumber: ReadonlyMap<number, readonly WebhookEvent[]>,
): Promise<AppendOutcome> {
  const committed = await store.write((context) => {
    const rows: { numberId: number; rows: WhatsAppLogRow[] }[] = [];
    let duplicates = 0;
    for (const [numberId, events] of eventsByNumber) {
      const result = appendWhatsAppEvents(
        context.db,
        numberId,
        events,
        context.now.getTime(),
        (sequence, input) =>
          photon.whatsapp.v1.Event.encode({
            ...input.event,
            cursor: { value: encodeWhatsAppCursor(numberId, sequence) },
          }).finish(),
      );
      duplicates += result.duplicates;
      rows.push({ numberId, rows: result.appended });
    }
    return { rows, duplicates };
  });
  let appended = 0;
  const live: WhatsAppLiveEvent[] = [];
  for (const { numberId, rows } of committed.rows) {
    appended += rows.length;
    for (const row of rows)
      live.push({ accountId: numberId, sequence: row.sequence, payload: row.payload });
  }
  if (live.length > 0) hub.publish(live);
  return { appended, duplicates: committed.duplicates };
}

/** The head (highest sequence, 0 when empty) of a number's log. */
export function whatsappHead(store: Store, numberId: number): number {
  return store.read((db) => readWhatsAppHead(db, numberId));
}

/**
 * Throws FAILED_PRECONDITION / CURSOR_AHEAD_OF_HEAD when `afterSequence` is beyond the
 * head: the cursor was not issued by this log (an older backup, another server), and an
 * empty answer would silently lose the events that follow.
 */
export function assertNotAheadOfHead(
  afterSequence: number,
  headSequence: number,
  field: string,
): void {
  if (afterSequence <= headSequence) return;
  throw new ServerError(
    "CURSOR_AHEAD_OF_HEAD",
    `${field} points at sequence ${afterSequence}, ahead of this number's log head ${headSequence}: it was not issued by this log (a data file restored from an older backup, or a cursor saved against another server); resume from at most ${headSequence}, after checking which events were lost`,
    {
      trailers: {
        [metadataKeys.headSequence]: String(headSequence),
        [metadataKeys.afterSequence]: String(afterSequence),
      },
    },
  );
}

/** Up to `limit` stored events with `after < sequence <= upTo`, oldest first. */
export function readWhatsAppEvents(
  store: Store,
  numberId: number,
  after: number,
  upTo: number,
  limit: number,
): WhatsAppLogRow[] {
  return store.read((db) => readWhatsAppPage(db, numberId, after, upTo, limit));
}
