import { metadataKeys } from "@threadline/protocol";
import { runWrite } from "../domain/write-operations.js";
import { ServerError } from "../errors/server-error.js";
import type { LiveHub } from "../live/live-hub.js";
import type { LiveEvent } from "../live/live-subscriber.js";
import type { WhatsAppLogRecord } from "../storage/repositories/whatsapp-repository.js";
import type { Repositories } from "../storage/repositories.js";
import type { Store } from "../storage/write-context.js";
import type { WebhookEvent } from "./webhook-payload.js";

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
  store: Pick<Store, "run">,
  hub: Pick<LiveHub<WhatsAppLiveEvent>, "publish">,
  eventsByNumber: ReadonlyMap<number, readonly WebhookEvent[]>,
): Promise<AppendOutcome> {
  const numbers = [...eventsByNumber].map(([numberId, events]) => ({ numberId, events }));
  const committed = await runWrite(store, "whatsapp.appendWebhookEvents", { numbers });
  // The live hub is this process's memory: it hears of the rows only after the commit.
  let appended = 0;
  const live: WhatsAppLiveEvent[] = [];
  for (const { numberId, rows } of committed.numbers) {
    appended += rows.length;
    for (const row of rows)
      live.push({ accountId: numberId, sequence: row.sequence, payload: row.payload });
  }
  if (live.length > 0) hub.publish(live);
  return { appended, duplicates: committed.duplicates };
}

/** The head (highest sequence, 0 when empty) of a number's log. */
export function whatsappHead(repositories: Repositories, numberId: number): Promise<number> {
  return repositories.whatsapp.readHead(numberId);
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
  repositories: Repositories,
  numberId: number,
  after: number,
  upTo: number,
  limit: number,
): Promise<WhatsAppLogRecord[]> {
  return repositories.whatsapp.readPage(numberId, after, upTo, limit);
}
