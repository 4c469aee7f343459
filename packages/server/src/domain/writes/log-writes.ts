import { expireEventsBefore } from "../../log/retention.js";
import type { LogEventInput } from "../../storage/write-context.js";
import { writeOperation } from "../write-operation.js";

/** One event for one account's log, as `log.appendEvents` takes it. */
export interface EventToAppend {
  readonly accountId: number;
  readonly event: LogEventInput;
}

/**
 * The named writes of this area, keyed "<area>.<operation>"; `write-operations.ts`
 * merges every area's map into the one registry.
 */
export const logWrites = {
  /**
   * Appends already-built events to their accounts' logs, in order, in one write (the
   * engine assigns their sequences): for seeding, tools and tests that fill a log
   * without going through an RPC.
   */
  "log.appendEvents": writeOperation(
    async (context, { events }: { events: readonly EventToAppend[] }): Promise<void> => {
      for (const { accountId, event } of events) context.appendEvent(accountId, event);
    },
  ),

  /**
   * Age retention: deletes each account's prefix of events recorded before `cutoffMs`
   * (epoch ms) and moves its retained window past it; resolves with how many were deleted.
   */
  "log.expireEventsBefore": writeOperation(
    async (context, { cutoffMs }: { cutoffMs: number }): Promise<number> =>
      expireEventsBefore(context.repositories, cutoffMs),
  ),
} as const;
