/**
 * Where a checkpoint queue keeps, per key, the highest sequence below which
 * every event has been handled.
 *
 * Contract every adapter honours (and the shared contract suite checks):
 * - `load` returns `undefined` for a key that was never saved;
 * - `save` is monotonic: saving a value lower than or equal to the stored one
 *   leaves the stored value unchanged, even when saves race;
 * - once `save` resolves, a later `load` (also from another process) sees a value
 *   at least that high;
 * - keys are independent.
 */
export interface CheckpointStore {
  /** The stored checkpoint for `key`, or `undefined` if none was saved. */
  load(key: string): Promise<number | undefined>;
  /** Raise the stored checkpoint for `key` to `sequence`; never lowers it. */
  save(key: string, sequence: number): Promise<void>;
}
