import type { Pipeline } from "./pipeline.js";

/** @internal not covered by semver */
export const filterOperation = 0;
/** @internal not covered by semver */
export const mapOperation = 1;
/** @internal not covered by semver */
export const takeOperation = 2;

/**
 * One derived step. A chain of single children runs its steps as a plain loop inside
 * one pull loop; a stream with several children starts a new list per branch.
 *
 * @internal not covered by semver
 */
export type Operation =
  | { readonly kind: typeof filterOperation; readonly apply: (value: unknown) => boolean }
  | { readonly kind: typeof mapOperation; readonly apply: (value: unknown) => unknown }
  | { readonly kind: typeof takeOperation; remaining: number };

/**
 * A pipeline and the steps that turn what it holds into one stream's events.
 * `empty` is set when a `take(0)` is among the steps: the stream must not pull.
 *
 * @internal not covered by semver
 */
export interface Lane {
  readonly pipeline: Pipeline;
  readonly operations: readonly Operation[];
  readonly empty: boolean;
}

/** @internal not covered by semver */
export const needMore: unique symbol = Symbol("needMore");
/** @internal not covered by semver */
export const finished: unique symbol = Symbol("finished");

/** @internal not covered by semver */
export function isTakeZero(operation: Operation): boolean {
  return operation.kind === takeOperation && operation.remaining <= 0;
}

/**
 * Reads the next value that passes every step of `lane` from the buffered batch,
 * without awaiting: `needMore` when the batch is used up, `finished` when the lane is
 * done. A take that counts its last value closes the lane's pipeline. Throws what a
 * predicate or transform throws.
 *
 * @internal not covered by semver
 */
export function readNext(lane: Lane): unknown {
  const pipeline = lane.pipeline;
  if (lane.empty) {
    void pipeline.close();
    return finished;
  }
  const operations = lane.operations;
  const count = operations.length;
  for (;;) {
    const batch = pipeline.batch;
    if (pipeline.index >= batch.length) return pipeline.done ? finished : needMore;
    let value: unknown = batch[pipeline.index++];
    let keep = true;
    let last = false;
    for (let position = 0; position < count; position++) {
      const operation = operations[position];
      if (operation === undefined) continue;
      if (operation.kind === filterOperation) {
        if (!operation.apply(value)) {
          keep = false;
          break;
        }
      } else if (operation.kind === mapOperation) {
        value = operation.apply(value);
      } else {
        operation.remaining -= 1;
        if (operation.remaining === 0) last = true;
      }
    }
    // A take that just counted its last event ends the lane even when a later filter
    // drops that event.
    if (last) void pipeline.close();
    if (!keep) {
      if (last) return finished;
      continue;
    }
    return value;
  }
}
