import { metadataKeys } from "@threadline/protocol";
import type { Database } from "better-sqlite3";
import { ServerError } from "../errors/server-error.js";
import { cachedStatement } from "../storage/statement-cache.js";
import type { EncodableEvent } from "./frame-encoding.js";
import { kindFromCode, type LoggedEvent } from "./logged-event.js";

/** Head and retention window of one account's log. */
export interface LogState {
  /** Sequence of the newest event; 0 for an empty log. */
  readonly headSequence: number;
  /** Lowest sequence not deleted by retention (headSequence + 1 when every event expired). */
  readonly retainedFrom: number;
}

interface HeadRow {
  readonly head_sequence: number;
  readonly retained_from: number;
}

type PageRow = [
  sequence: number,
  kind: number,
  chatGuid: string,
  pollGuid: string | null,
  payload: Buffer,
];

/** Reads an account's committed head and retention window. */
export function readLogState(db: Database, accountId: number): LogState {
  const row = cachedStatement<[number], HeadRow>(
    db,
    "SELECT head_sequence, retained_from FROM log_heads WHERE account_id = ?",
  ).get(accountId);
  if (row === undefined) return { headSequence: 0, retainedFrom: 1 };
  return { headSequence: row.head_sequence, retainedFrom: row.retained_from };
}

/** The oldest retained sequence as the wire reports it: 0 for a log that never had an event. */
export function oldestRetainedSequence(state: LogState): number {
  return state.headSequence === 0 ? 0 : state.retainedFrom;
}

/**
 * Where a read that resumes after `afterSequence` starts. Unset means the start of
 * the retained log. Throws FAILED_PRECONDITION / SEQUENCE_NOT_RETAINED (with the
 * `oldest-retained-sequence` trailer) when events right after `afterSequence` have
 * been deleted by retention, and FAILED_PRECONDITION / CURSOR_AHEAD_OF_HEAD (with the
 * `head-sequence` and `after-sequence` trailers) when `afterSequence` is above the head,
 * so a caller never skips events silently.
 */
export function resolveReadStart(
  state: LogState,
  afterSequence: number | null | undefined,
): number {
  if (afterSequence === null || afterSequence === undefined) return state.retainedFrom - 1;
  if (afterSequence > state.headSequence)
    throw cursorAheadOfHead(afterSequence, state.headSequence);
  if (afterSequence + 1 < state.retainedFrom && afterSequence < state.headSequence) {
    const oldest = state.retainedFrom;
    throw new ServerError(
      "SEQUENCE_NOT_RETAINED",
      `events after sequence ${afterSequence} are no longer retained; the oldest retained sequence is ${oldest}, so after_sequence must be at least ${oldest - 1} (catch up from there and resynchronise what was lost)`,
      { trailers: { [metadataKeys.oldestRetainedSequence]: String(oldest) } },
    );
  }
  return afterSequence;
}

/**
 * FAILED_PRECONDITION / CURSOR_AHEAD_OF_HEAD: the caller resumes after a sequence this
 * log never reached. Replaying nothing would look like "caught up" and the caller would
 * then drop the next events as already handled, so it is refused instead.
 */
function cursorAheadOfHead(afterSequence: number, headSequence: number): ServerError {
  return new ServerError(
    "CURSOR_AHEAD_OF_HEAD",
    `after_sequence ${afterSequence} is ahead of this log's head ${headSequence}: the cursor or checkpoint was not issued by this log (a data file restored from an older backup, or a checkpoint saved against another server or account); resume from at most ${headSequence}, after checking which events were lost`,
    {
      trailers: {
        [metadataKeys.headSequence]: String(headSequence),
        [metadataKeys.afterSequence]: String(afterSequence),
      },
    },
  );
}

/**
 * Reads up to `limit` events with `afterSequence < sequence <= upToSequence`, in
 * sequence order. Callers page through a long log with repeated calls so that it is
 * never held in memory at once.
 */
export function readLogPage(
  db: Database,
  accountId: number,
  afterSequence: number,
  upToSequence: number,
  limit: number,
): LoggedEvent[] {
  const rows = cachedStatement<[number, number, number, number], PageRow>(
    db,
    "SELECT sequence, kind, chat_guid, poll_guid, payload FROM event_log WHERE account_id = ? AND sequence > ? AND sequence <= ? ORDER BY sequence LIMIT ?",
  )
    .raw(true)
    .all(accountId, afterSequence, upToSequence, limit);
  return rows.map(([sequence, kind, chatGuid, pollGuid, payload]) => ({
    accountId,
    sequence,
    kind: kindFromCode(kind),
    chatGuid,
    pollGuid,
    payload,
  }));
}

type FrameRow = [sequence: number, kind: number, payloadHex: string];

/**
 * Like {@link readLogPage} but reads only what frames are built from (sequence, kind,
 * payload as hex text, which better-sqlite3 returns much faster than a Buffer per
 * row): the fast path of catch-up and fetch.
 */
export function readFramePage(
  db: Database,
  accountId: number,
  afterSequence: number,
  upToSequence: number,
  limit: number,
): EncodableEvent[] {
  const rows = cachedStatement<[number, number, number, number], FrameRow>(
    db,
    "SELECT sequence, kind, hex(payload) FROM event_log WHERE account_id = ? AND sequence > ? AND sequence <= ? ORDER BY sequence LIMIT ?",
  )
    .raw(true)
    .all(accountId, afterSequence, upToSequence, limit);
  const events: EncodableEvent[] = new Array(rows.length);
  for (let index = 0; index < rows.length; index += 1) {
    const row = rows[index];
    if (row === undefined) continue;
    events[index] = { sequence: row[0], kind: kindFromCode(row[1]), payloadHex: row[2] };
  }
  return events;
}
