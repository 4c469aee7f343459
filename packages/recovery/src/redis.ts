/**
 * `@threadline/recovery/redis`: a checkpoint store in Redis (needs the optional
 * peer `ioredis`), monotonic through an atomic Lua compare-and-set.
 */
export {
  createRedisCheckpointStore,
  type RedisCheckpointStore,
  type RedisCheckpointStoreOptions,
} from "./redis-checkpoint-store.js";
