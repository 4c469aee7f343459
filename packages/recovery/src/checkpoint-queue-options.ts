import {
  type BackoffDefaults,
  type ResolvedBackoff,
  resolveBackoff,
  resolveMaxAttempts,
} from "./backoff.js";
import type {
  CheckpointQueueOptions,
  EventHandler,
  HandlerFailure,
  SequencedEvent,
} from "./checkpoint-queue-types.js";
import type { CheckpointStore } from "./checkpoint-store.js";
import { invalidArgument } from "./errors.js";
import {
  assertCheckpointKey,
  assertFunction,
  assertNonNegativeNumber,
  assertPositiveInteger,
} from "./validation.js";

/**
 * The options of a checkpoint queue after checking, with every default filled in.
 *
 * @internal not covered by semver
 */
export interface CheckpointQueueSettings<E extends SequencedEvent> {
  readonly store: CheckpointStore;
  readonly key: string;
  readonly handler: EventHandler<E>;
  readonly concurrency: number;
  readonly window: number;
  readonly orderBy: ((event: E) => string | number | undefined) | undefined;
  readonly filter: ((event: E) => boolean) | undefined;
  readonly maxAttempts: number;
  readonly backoff: ResolvedBackoff;
  readonly onError: CheckpointQueueOptions<E>["onError"];
  readonly deadLetter: ((failure: HandlerFailure<E>) => void | Promise<void>) | undefined;
  readonly flushIntervalMs: number;
  readonly maxUnsavedEvents: number;
  readonly storeMaxAttempts: number;
  readonly storeBackoff: ResolvedBackoff;
}

const defaultBackoff: BackoffDefaults = {
  initialDelay: 100,
  multiplier: 2,
  maxDelay: 10_000,
  jitter: true,
};

/**
 * Check the options of `createCheckpointQueue` and fill in the defaults; nothing is
 * loaded or started, so a bad option fails before any I/O.
 *
 * @throws ValidationError (from @threadline/core) naming the option, what is allowed
 *   and what was received.
 * @internal not covered by semver
 */
export function resolveCheckpointQueueOptions<E extends SequencedEvent>(
  options: CheckpointQueueOptions<E>,
): CheckpointQueueSettings<E> {
  if (typeof options !== "object" || options === null) {
    throw invalidArgument("options", "an object", options);
  }
  const store: unknown = options.store;
  if (
    typeof store !== "object" ||
    store === null ||
    !("load" in store) ||
    typeof store.load !== "function" ||
    !("save" in store) ||
    typeof store.save !== "function"
  ) {
    throw invalidArgument(
      "store",
      "a CheckpointStore (an object with load and save methods)",
      store,
    );
  }
  assertCheckpointKey("key", options.key);
  assertFunction("handler", options.handler);
  const concurrency = options.concurrency ?? 1;
  assertPositiveInteger("concurrency", concurrency, 65_536);
  const window = options.window ?? Math.max(4096, concurrency);
  assertPositiveInteger("window", window, 1 << 24);
  if (window < concurrency) {
    throw invalidArgument("window", `at least concurrency (${concurrency})`, options.window);
  }
  if (options.orderBy !== undefined) assertFunction("orderBy", options.orderBy);
  if (options.filter !== undefined) assertFunction("filter", options.filter);
  if (options.deadLetter !== undefined) assertFunction("deadLetter", options.deadLetter);
  const onError = options.onError ?? (options.deadLetter ? "dead-letter" : "halt");
  if (typeof onError !== "function" && onError !== "halt" && onError !== "dead-letter") {
    throw invalidArgument("onError", '"halt", "dead-letter" or a function', onError);
  }
  if (onError === "dead-letter" && options.deadLetter === undefined) {
    throw invalidArgument(
      "deadLetter",
      'a function when onError is "dead-letter" (the failure must be recorded somewhere)',
      options.deadLetter,
    );
  }
  const retry = options.retry;
  if (retry !== undefined && retry !== false && (typeof retry !== "object" || retry === null)) {
    throw invalidArgument("retry", "an object or false", retry);
  }
  const maxAttempts =
    retry === false ? 1 : resolveMaxAttempts("retry.maxAttempts", retry?.maxAttempts, 3);
  const backoff = resolveBackoff("retry", retry === false ? undefined : retry, defaultBackoff);
  const flushIntervalMs = options.flushIntervalMs ?? 1000;
  assertNonNegativeNumber("flushIntervalMs", flushIntervalMs);
  const maxUnsavedEvents = options.maxUnsavedEvents ?? 10_000;
  assertPositiveInteger("maxUnsavedEvents", maxUnsavedEvents);
  const storeMaxAttempts = resolveMaxAttempts(
    "storeRetry.maxAttempts",
    options.storeRetry?.maxAttempts,
    5,
  );
  const storeBackoff = resolveBackoff("storeRetry", options.storeRetry, defaultBackoff);
  return {
    store: options.store,
    key: options.key,
    handler: options.handler,
    concurrency,
    window,
    orderBy: options.orderBy,
    filter: options.filter,
    maxAttempts,
    backoff,
    onError,
    deadLetter: options.deadLetter,
    flushIntervalMs,
    maxUnsavedEvents,
    storeMaxAttempts,
    storeBackoff,
  };
}
