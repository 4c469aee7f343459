import { createHash, randomBytes } from "node:crypto";
import { mkdir, open, readFile, rename, rm } from "node:fs/promises";
import { join } from "node:path";
import type { CheckpointStore } from "./checkpoint-store.js";
import { CheckpointStoreError, invalidArgument } from "./errors.js";
import { assertCheckpointKey, assertCheckpointValue } from "./validation.js";

/** Options of {@link createFileCheckpointStore}. */
export interface FileCheckpointStoreOptions {
  /** Directory holding one small file per key; created if missing. */
  readonly directory: string;
}

/**
 * Create a checkpoint store that keeps one file per key in `directory`.
 *
 * Each save is atomic and durable: the value goes to a temporary file that is
 * fsync'd, renamed over the old file, and then the directory is fsync'd so the
 * rename itself survives a power loss. Saves of one key through one store are
 * serialised and never lower the stored value. Two stores (or processes) saving
 * the same key at the same moment are not coordinated: give each consumer its own
 * key, or use the SQLite, PostgreSQL or Redis store.
 *
 * @throws ValidationError (from @threadline/core) if `directory` is not a non-empty string.
 */
export function createFileCheckpointStore(options: FileCheckpointStoreOptions): CheckpointStore {
  const directory = options?.directory;
  if (typeof directory !== "string" || directory.length === 0) {
    throw invalidArgument("directory", "a non-empty path string", directory);
  }
  const chains = new Map<string, Promise<unknown>>();
  let created: Promise<unknown> | undefined;

  function fileOf(key: string): string {
    // Keys may contain any character; a digest gives a safe, bounded file name.
    return join(
      directory,
      `${createHash("sha256").update(key).digest("hex").slice(0, 40)}.checkpoint`,
    );
  }

  async function read(key: string): Promise<number | undefined> {
    let text: string;
    try {
      text = await readFile(fileOf(key), "utf8");
    } catch (error) {
      if (isNotFound(error)) return undefined;
      throw new CheckpointStoreError(
        `reading the checkpoint file for key ${JSON.stringify(key)} failed`,
        {
          cause: error,
        },
      );
    }
    return parse(key, text);
  }

  async function write(key: string, sequence: number): Promise<void> {
    created ??= mkdir(directory, { recursive: true });
    await created;
    const target = fileOf(key);
    const temporary = `${target}.${process.pid}.${randomBytes(6).toString("hex")}.tmp`;
    try {
      const handle = await open(temporary, "w", 0o644);
      try {
        await handle.writeFile(`${JSON.stringify({ key, sequence })}\n`, "utf8");
        await handle.sync();
      } finally {
        await handle.close();
      }
      await rename(temporary, target);
    } catch (error) {
      await rm(temporary, { force: true });
      throw new CheckpointStoreError(
        `writing the checkpoint file for key ${JSON.stringify(key)} failed`,
        {
          cause: error,
        },
      );
    }
    await syncDirectory(directory);
  }

  /** Runs `task` after every earlier operation on the same key. */
  function serialised<T>(key: string, task: () => Promise<T>): Promise<T> {
    const previous = chains.get(key) ?? Promise.resolve();
    const next = previous.then(task, task);
    const settled = next.then(
      () => undefined,
      () => undefined,
    );
    chains.set(key, settled);
    void settled.then(() => {
      if (chains.get(key) === settled) chains.delete(key);
    });
    return next;
  }

  return {
    async load(key) {
      assertCheckpointKey("key", key);
      return serialised(key, () => read(key));
    },
    async save(key, sequence) {
      assertCheckpointKey("key", key);
      assertCheckpointValue("sequence", sequence);
      return serialised(key, async () => {
        // Re-read so a value saved by an earlier process run is never lowered.
        const current = await read(key);
        if (current === undefined || sequence > current) await write(key, sequence);
      });
    },
  };
}

function parse(key: string, text: string): number {
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch (error) {
    throw new CheckpointStoreError(
      `the checkpoint file for key ${JSON.stringify(key)} is not JSON`,
      {
        cause: error,
      },
    );
  }
  if (
    typeof value !== "object" ||
    value === null ||
    !("key" in value) ||
    value.key !== key ||
    !("sequence" in value) ||
    typeof value.sequence !== "number" ||
    !Number.isSafeInteger(value.sequence) ||
    value.sequence < 0
  ) {
    throw new CheckpointStoreError(
      `the checkpoint file for key ${JSON.stringify(key)} does not hold {"key","sequence"} with a non-negative safe integer`,
    );
  }
  return value.sequence;
}

async function syncDirectory(directory: string): Promise<void> {
  // Windows cannot open a directory for fsync; the rename is as durable as it gets there.
  if (process.platform === "win32") return;
  const handle = await open(directory, "r");
  try {
    await handle.sync();
  } finally {
    await handle.close();
  }
}

function isNotFound(error: unknown): boolean {
  return typeof error === "object" && error !== null && "code" in error && error.code === "ENOENT";
}
