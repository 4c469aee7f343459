import { type FlowControlledCall, waitForDrain } from "../live/wait-for-drain.js";
import type { Store } from "../storage/write-context.js";
import { encodeBatchFrame, encodeCatchUpFrame, heartbeatFrame } from "./frame-encoding.js";
import { readFramePage, readLogState, resolveReadStart } from "./log-reader.js";

/** Options of {@link streamLogRange}. */
export interface StreamLogRangeOptions {
  readonly store: Store;
  readonly call: FlowControlledCall;
  readonly accountId: number;
  readonly afterSequence: number;
  readonly upToSequence: number;
  /** "single": one CatchUpEventsResponse per event; "batch": EventBatch frames. */
  readonly frames: "single" | "batch";
  /** Events per frame in batch mode; rows per page read in both. */
  readonly pageSize: number;
  readonly heartbeatIntervalMs: number;
}

/**
 * Sends the account's events with `afterSequence < sequence <= upToSequence`, one
 * page at a time, so the log is never in memory at once. Honours flow control (waits
 * for 'drain' when `write` returns false) and sends a heartbeat when the last frame
 * went out more than a heartbeat interval ago. Resolves false when the call went
 * away before the range was sent. Throws SEQUENCE_NOT_RETAINED when retention
 * deletes events of the range while it is being sent.
 */
export async function streamLogRange(options: StreamLogRangeOptions): Promise<boolean> {
  const { call } = options;
  let after = options.afterSequence;
  let lastFrameAt = Date.now();
  while (after < options.upToSequence) {
    if (call.cancelled || call.destroyed || call.writableEnded) return false;
    const page = await readFramePage(
      options.store.repositories,
      options.accountId,
      after,
      options.upToSequence,
      options.pageSize,
    );
    const first = page[0];
    const last = page.at(-1);
    if (first === undefined || last === undefined || first.sequence !== after + 1) {
      // Sequences are contiguous, so a hole means retention deleted events while this
      // stream was replaying: fail loudly (SEQUENCE_NOT_RETAINED) rather than skip them.
      const state = await readLogState(options.store.repositories, options.accountId);
      resolveReadStart(state, after);
      throw new Error(
        `event log of account ${options.accountId} has a hole after sequence ${after}`,
      );
    }
    after = last.sequence;
    if (Date.now() - lastFrameAt >= options.heartbeatIntervalMs && !call.write(heartbeatFrame)) {
      if (!(await waitForDrain(call))) return false;
    }
    if (options.frames === "batch") {
      if (!call.write(encodeBatchFrame(page)) && !(await waitForDrain(call))) return false;
    } else {
      for (const event of page) {
        if (!call.write(encodeCatchUpFrame(event)) && !(await waitForDrain(call))) return false;
      }
    }
    lastFrameAt = Date.now();
  }
  return !(call.cancelled || call.destroyed);
}
