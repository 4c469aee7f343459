import { createHash } from "node:crypto";
import { Redis } from "ioredis";
import type { CheckpointStore } from "./checkpoint-store.js";
import { CheckpointStoreError, invalidArgument } from "./errors.js";
import { assertCheckpointKey, assertCheckpointValue } from "./validation.js";

/** Options of {@link createRedisCheckpointStore}. */
export interface RedisCheckpointStoreOptions {
  /**
   * An ioredis client (the store never disconnects it), or a `redis://` URL from
   * which the store creates a client that `close()` disconnects.
   */
  readonly client: Redis | string;
  /** Prefix of every Redis key the store writes. Default `threadline:checkpoint:`. */
  readonly prefix?: string;
}

/** A checkpoint store in Redis. */
export interface RedisCheckpointStore extends CheckpointStore {
  /** Disconnect the client if the store created it. Idempotent. */
  close(): Promise<void>;
  [Symbol.asyncDispose](): Promise<void>;
}

// Compare-and-set in one script so concurrent savers can never lower the value.
const saveScript = `
local stored = redis.call('GET', KEYS[1])
if stored == false or tonumber(ARGV[1]) > tonumber(stored) then
  redis.call('SET', KEYS[1], ARGV[1])
  return 1
end
return 0
`;
const saveScriptSha = createHash("sha1").update(saveScript).digest("hex");

const asyncDispose: typeof Symbol.asyncDispose =
  Symbol.asyncDispose ?? Symbol.for("Symbol.asyncDispose");

/**
 * Create a checkpoint store in Redis via ioredis. A save runs an atomic Lua
 * compare-and-set, so saves are monotonic across any number of processes. Use a
 * Redis with persistence (AOF `appendfsync always` for the strongest guarantee):
 * the store is only as durable as the server.
 *
 * @throws ValidationError (from @threadline/core) for a bad client option or prefix.
 * @throws CheckpointStoreError (from load/save) when Redis fails.
 */
export function createRedisCheckpointStore(
  options: RedisCheckpointStoreOptions,
): RedisCheckpointStore {
  const given = options?.client;
  if (typeof given !== "string" && !(given instanceof Redis)) {
    throw invalidArgument("client", "an ioredis Redis client or a redis:// URL", given);
  }
  const prefix = options.prefix ?? "threadline:checkpoint:";
  if (typeof prefix !== "string") {
    throw invalidArgument("prefix", "a string", prefix);
  }
  const owned = typeof given === "string";
  const client =
    typeof given === "string"
      ? new Redis(given, { lazyConnect: false, maxRetriesPerRequest: 2 })
      : given;
  let closed: Promise<void> | undefined;

  async function runSave(key: string, sequence: number): Promise<void> {
    try {
      await client.evalsha(saveScriptSha, 1, key, String(sequence));
    } catch (error) {
      if (!(error instanceof Error) || !error.message.includes("NOSCRIPT")) throw error;
      await client.eval(saveScript, 1, key, String(sequence));
    }
  }

  const close = (): Promise<void> => {
    closed ??= owned ? client.quit().then(() => undefined) : Promise.resolve();
    return closed;
  };

  return {
    async load(key) {
      assertCheckpointKey("key", key);
      let stored: string | null;
      try {
        stored = await client.get(prefix + key);
      } catch (error) {
        throw new CheckpointStoreError(
          `loading the checkpoint for key ${JSON.stringify(key)} from Redis failed`,
          { cause: error },
        );
      }
      if (stored === null) return undefined;
      const value = Number(stored);
      if (!/^\d+$/.test(stored) || !Number.isSafeInteger(value)) {
        throw new CheckpointStoreError(
          `Redis key ${JSON.stringify(prefix + key)} holds ${JSON.stringify(stored)}; expected a non-negative safe integer`,
        );
      }
      return value;
    },
    async save(key, sequence) {
      assertCheckpointKey("key", key);
      assertCheckpointValue("sequence", sequence);
      try {
        await runSave(prefix + key, sequence);
      } catch (error) {
        throw new CheckpointStoreError(
          `saving checkpoint ${sequence} for key ${JSON.stringify(key)} to Redis failed`,
          { cause: error },
        );
      }
    },
    close,
    [asyncDispose]: close,
  };
}
