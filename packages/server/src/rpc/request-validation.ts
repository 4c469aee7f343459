import { invalidArgument } from "../errors/common-errors.js";

/**
 * Checks an optional `after_sequence` from a request: unset stays unset, anything
 * else must be a non-negative safe integer. Throws INVALID_ARGUMENT otherwise.
 */
export function validAfterSequence(value: number | null | undefined): number | undefined {
  if (value === null || value === undefined) return undefined;
  if (!Number.isSafeInteger(value) || value < 0) {
    throw invalidArgument(
      `after_sequence must be a non-negative safe integer; received ${String(value)}`,
      { field: "after_sequence" },
    );
  }
  return value;
}

/** A batch size request: unset or 0 gives the server maximum; larger values are capped. */
export function batchSizeFor(requested: number | null | undefined, maximum: number): number {
  if (requested === null || requested === undefined || requested <= 0) return maximum;
  return Math.min(requested, maximum);
}
