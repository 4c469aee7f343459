/**
 * @threadline/recovery: recover every Threadline event after a crash or disconnect,
 * without gaps and without handling one twice in a process.
 *
 * - {@link recover}: the whole recovery flow against a Threadline client.
 * - {@link createCheckpointQueue}: the queue on its own, for any source of `{ sequence }` events.
 * - {@link createMemoryCheckpointStore}; durable stores live behind subpaths:
 *   `@threadline/recovery/file`, `/sqlite`, `/postgres`, `/redis`.
 */
// biome-ignore-all assist/source/organizeImports: the front door lists user-facing exports first

export {
  type Recovery,
  type RecoveryProgress,
  type RecoveryState,
  type RecoverOptions,
  recover,
} from "./recover.js";

export {
  type RecoverFromOptions,
  recoverFrom,
  type ResumableSubscriptionSource,
  type SubscriptionRecovery,
} from "./recover-from.js";

export {
  type CheckpointQueue,
  type CheckpointQueueOptions,
  createCheckpointQueue,
  type EventHandler,
  type FailureDecision,
  type HandlerContext,
  type HandlerFailure,
  type HandlerRetryOptions,
  type QueueProgress,
  type QueueStatus,
  type SequencedEvent,
} from "./checkpoint-queue.js";

export {
  createMemoryCheckpointStore,
  type MemoryCheckpointStore,
} from "./memory-checkpoint-store.js";

export {
  CheckpointStoreError,
  HandlerFailedError,
  QueueClosedError,
  RecoveryError,
} from "./errors.js";

export type { BackoffOptions } from "./backoff.js";

// ---- integration points: implement this to keep checkpoints anywhere else -----------
export type { CheckpointStore } from "./checkpoint-store.js";
