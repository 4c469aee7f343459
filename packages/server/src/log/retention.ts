import type { Repositories } from "../storage/repositories.js";

/**
 * Deletes, per account, the prefix of the log recorded before `cutoffMs` and moves
 * `retained_from` past it, so the retained window stays contiguous. Resolves with the
 * number of events deleted. Run it inside a write (`context.repositories`).
 */
export function expireEventsBefore(repositories: Repositories, cutoffMs: number): Promise<number> {
  return repositories.eventLog.expireBefore(cutoffMs);
}
