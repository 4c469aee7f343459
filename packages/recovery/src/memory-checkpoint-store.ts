import type { CheckpointStore } from "./checkpoint-store.js";
import { assertCheckpointKey, assertCheckpointValue } from "./validation.js";

/** A checkpoint store that lives in this process, for tests and throwaway consumers. */
export interface MemoryCheckpointStore extends CheckpointStore {
  /** Every key and its stored checkpoint, for inspection. */
  entries(): ReadonlyMap<string, number>;
}

/**
 * Create an in-process checkpoint store. Nothing survives a restart of the
 * process; use the file, SQLite, PostgreSQL or Redis store for that.
 *
 * @param initial checkpoints to start from, by key.
 * @throws ValidationError (from @threadline/core) for a key that is not a non-empty string or a
 *   value that is not a non-negative safe integer.
 */
export function createMemoryCheckpointStore(
  initial?: Readonly<Record<string, number>>,
): MemoryCheckpointStore {
  const values = new Map<string, number>();
  for (const [key, value] of Object.entries(initial ?? {})) {
    assertCheckpointKey("initial key", key);
    assertCheckpointValue(`initial[${JSON.stringify(key)}]`, value);
    values.set(key, value);
  }
  return {
    async load(key) {
      assertCheckpointKey("key", key);
      return values.get(key);
    },
    async save(key, sequence) {
      assertCheckpointKey("key", key);
      assertCheckpointValue("sequence", sequence);
      const current = values.get(key);
      if (current === undefined || sequence > current) values.set(key, sequence);
    },
    entries() {
      return new Map(values);
    },
  };
}
