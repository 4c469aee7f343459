import {
  type CheckpointQueueOptions,
  createCheckpointQueue,
  type QueueProgress,
  type SequencedEvent,
} from "./checkpoint-queue.js";
import { invalidArgument } from "./errors.js";

/**
 * A resumable subscription to a sequenced log, e.g. `@threadline/whatsapp`'s
 * `client.events`: `subscribe({ afterSequence })` streams every event after that
 * sequence, reconnecting on its own without gaps, until closed.
 */
export interface ResumableSubscriptionSource<E extends SequencedEvent> {
  subscribe(options: { readonly afterSequence: number }): AsyncIterable<E> & {
    close(): void | Promise<void>;
  };
}

/** Options of {@link recoverFrom}: the queue's options plus the source. */
export interface RecoverFromOptions<E extends SequencedEvent> extends CheckpointQueueOptions<E> {
  /** Where the events come from, e.g. a WhatsApp client's `events`. */
  readonly source: ResumableSubscriptionSource<E>;
}

/** A running {@link recoverFrom}. */
export interface SubscriptionRecovery extends AsyncDisposable {
  /** The queue's counters. */
  progress(): QueueProgress;
  /**
   * Settles when the recovery stops: resolves after `close()`, rejects with the
   * handler failure that halted the queue or the subscription's unhealable failure.
   */
  readonly done: Promise<void>;
  /** Stops the subscription, lets started handlers finish, saves the checkpoint. Idempotent. */
  close(): Promise<void>;
}

const asyncDispose: typeof Symbol.asyncDispose =
  Symbol.asyncDispose ?? Symbol.for("Symbol.asyncDispose");

/**
 * {@link recover} for any resumable subscription: loads the checkpoint for `key`,
 * subscribes after it, and feeds every event into one checkpoint queue (deduplicated
 * by sequence, bounded concurrency, the checkpoint advanced only over a contiguous
 * prefix of completed sequences and saved coalesced). The subscription does the
 * reconnecting and the gap-free resume; across a crash at most the events above the
 * last saved checkpoint are handled again.
 *
 * @throws ValidationError for invalid options (before any network call).
 * @throws CheckpointStoreError when the checkpoint cannot be loaded.
 */
export async function recoverFrom<E extends SequencedEvent>(
  options: RecoverFromOptions<E>,
): Promise<SubscriptionRecovery> {
  if (typeof options !== "object" || options === null) {
    throw invalidArgument("options", "an object", options);
  }
  const source: unknown = options.source;
  if (
    typeof source !== "object" ||
    source === null ||
    typeof Reflect.get(source, "subscribe") !== "function"
  ) {
    throw invalidArgument(
      "source",
      "a resumable subscription source with subscribe({ afterSequence }), e.g. a WhatsApp client's events",
      source,
    );
  }
  const { source: _source, ...queueOptions } = options;
  const queue = await createCheckpointQueue<E>(queueOptions);
  const stream = options.source.subscribe({ afterSequence: queue.checkpoint });
  let stopping = false;
  let failure: { error: unknown } | undefined;
  const closeStream = async () => {
    try {
      await stream.close();
    } catch {
      // The stream is over either way.
    }
  };
  const feeding = queue.consume(stream).then(
    () => undefined,
    (error: unknown) => {
      // After close() the queue refuses pushes; that is not a failure.
      if (!stopping) failure ??= { error };
    },
  );
  // A halted queue must stop the subscription even if nobody calls close().
  queue.done.catch(() => {
    void closeStream();
  });
  let closing: Promise<void> | undefined;
  const close = () => {
    closing ??= (async () => {
      stopping = true;
      await closeStream();
      await feeding;
      await queue.close();
      if (failure !== undefined) throw failure.error;
    })();
    return closing;
  };
  const done = (async () => {
    await feeding;
    if (failure !== undefined) {
      await close().catch(() => undefined);
      throw failure.error;
    }
    await (closing ?? queue.done);
  })();
  done.catch(() => undefined);
  return {
    progress: () => queue.progress(),
    done,
    close,
    [asyncDispose]: close,
  };
}
