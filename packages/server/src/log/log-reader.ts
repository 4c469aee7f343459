import { metadataKeys } from "@threadline/protocol";
import { ServerError } from "../errors/server-error.js";
import type {
  LogFrame,
  LoggedEvent,
  LogState,
} from "../storage/repositories/event-log-repository.js";
import type { Repositories } from "../storage/repositories.js";

export type { LogState } from "../storage/repositories/event-log-repository.js";

/** Reads an account's committed head and retention window. */
export function readLogState(repositories: Repositories, accountId: number): Promise<LogState> {
  return repositories.eventLog.readState(accountId);
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
  repositories: Repositories,
  accountId: number,
  afterSequence: number,
  upToSequence: number,
  limit: number,
): Promise<LoggedEvent[]> {
  return repositories.eventLog.readPage(accountId, afterSequence, upToSequence, limit);
}

/**
 * Like {@link readLogPage} but reads only what frames are built from (sequence, kind,
 * payload): the fast path of catch-up and fetch.
 */
export function readFramePage(
  repositories: Repositories,
  accountId: number,
  afterSequence: number,
  upToSequence: number,
  limit: number,
): Promise<LogFrame[]> {
  return repositories.eventLog.readFrames(accountId, afterSequence, upToSequence, limit);
}
