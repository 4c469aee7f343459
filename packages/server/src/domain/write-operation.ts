import type { WriteContext } from "../storage/write-context.js";

/**
 * One named write of the domain: it runs inside a group commit, on the main thread
 * (PostgreSQL) or on SQLite's writer thread, so its input and its result must be
 * plain, structured-cloneable data (no functions, no class instances but Uint8Array
 * and Date), and it reaches storage only through `context`.
 */
export type WriteOperation<Input, Result> = (
  context: WriteContext,
  input: Input,
) => Promise<Result>;

/** Names a write operation with its types checked (for the per-area maps in `writes/`). */
export function writeOperation<Input, Result>(
  body: WriteOperation<Input, Result>,
): WriteOperation<Input, Result> {
  return body;
}
