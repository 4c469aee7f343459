import { invalidArgument } from "../errors/invalid-argument.js";

const cursorPattern = /^v1:(0|[1-9][0-9]{0,15})$/;
const allowed = 'a cursor string from an event or fetchMissed (like "v1:42")';

/**
 * Encodes a resume point: everything up to and including `sequence` has been seen.
 * Treat the result as opaque; its format may change in a later major version.
 *
 * @internal not covered by semver
 */
export function encodeCursor(sequence: number): string {
  return `v1:${sequence}`;
}

/**
 * Decodes a cursor to the last sequence it covers. Throws ValidationError for anything
 * that is not a cursor this SDK produced.
 *
 * @internal not covered by semver
 */
export function decodeCursor(cursor: unknown, field = "cursor"): number {
  if (typeof cursor !== "string") throw invalidArgument(field, allowed, cursor);
  const match = cursorPattern.exec(cursor);
  const sequence = match?.[1] === undefined ? Number.NaN : Number(match[1]);
  if (!Number.isSafeInteger(sequence)) throw invalidArgument(field, allowed, cursor);
  return sequence;
}
