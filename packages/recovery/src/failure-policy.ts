import { backoffDelay, type ResolvedBackoff } from "./backoff.js";
import type {
  CheckpointQueueOptions,
  HandlerFailure,
  SequencedEvent,
} from "./checkpoint-queue-types.js";
import { HandlerFailedError } from "./errors.js";

/**
 * What a {@link FailurePolicy} does to the queue that runs the handler.
 *
 * @internal not covered by semver
 */
export interface FailureActions<E> {
  /** True once the queue halts at or below `sequence`: that event must not run again. */
  isCancelled(sequence: number): boolean;
  /** Run the handler again for `event`, as attempt `attempt`. */
  retry(sequence: number, event: E, attempt: number): void;
  /** `deadLetter` recorded the failure: the event counts as complete. */
  deadLettered(sequence: number): void;
  /** Halt the queue on `sequence`; {@link abandon} follows at once. */
  halt(sequence: number, error: HandlerFailedError): void;
  /** The event stays incomplete and no longer runs. */
  abandon(sequence: number): void;
}

/**
 * The checked options a {@link FailurePolicy} follows (a subset of the queue's settings).
 *
 * @internal not covered by semver
 */
export interface FailurePolicyOptions<E extends SequencedEvent> {
  /** The checkpoint key, passed on in each {@link HandlerFailure}. */
  readonly key: string;
  /** Total runs of the handler per event, the first included. */
  readonly maxAttempts: number;
  readonly backoff: ResolvedBackoff;
  readonly onError: CheckpointQueueOptions<E>["onError"];
  readonly deadLetter: ((failure: HandlerFailure<E>) => void | Promise<void>) | undefined;
}

/**
 * The failure policy of a checkpoint queue: a failing handler runs again after a
 * backoff until `maxAttempts`, then `onError` decides between halting and
 * dead-lettering. A failure is never dropped: every path ends in a retry, a
 * recorded dead letter, or a halt with a `HandlerFailedError` (an `onError` that
 * throws or answers something else, and a `deadLetter` that fails, halt too).
 *
 * @internal not covered by semver
 */
export class FailurePolicy<E extends SequencedEvent> {
  private retryCount = 0;

  constructor(
    private readonly options: FailurePolicyOptions<E>,
    private readonly actions: FailureActions<E>,
  ) {}

  /** Retries scheduled so far. */
  get retries(): number {
    return this.retryCount;
  }

  /** Attempt `attempt` of the handler for `event` threw or rejected with `error`. */
  failed(sequence: number, event: E, attempt: number, error: unknown): void {
    const actions = this.actions;
    if (actions.isCancelled(sequence)) {
      actions.abandon(sequence);
      return;
    }
    if (attempt < this.options.maxAttempts) {
      this.retryCount++;
      setTimeout(
        () => {
          if (actions.isCancelled(sequence)) actions.abandon(sequence);
          else actions.retry(sequence, event, attempt + 1);
        },
        backoffDelay(this.options.backoff, attempt),
      );
      return;
    }
    void this.decide(sequence, event, attempt, error);
  }

  private async decide(
    sequence: number,
    event: E,
    attempts: number,
    error: unknown,
  ): Promise<void> {
    const { onError, deadLetter, key } = this.options;
    const failure: HandlerFailure<E> = { event, error, attempts, key };
    let decision: unknown;
    try {
      decision = typeof onError === "function" ? await onError(failure) : onError;
    } catch (decisionError) {
      this.halt(
        sequence,
        new HandlerFailedError(sequence, attempts, decisionError, "onError threw"),
      );
      return;
    }
    if (decision === "dead-letter") {
      if (deadLetter === undefined) {
        this.halt(
          sequence,
          new HandlerFailedError(
            sequence,
            attempts,
            error,
            'onError chose "dead-letter" but no deadLetter callback was given',
          ),
        );
        return;
      }
      try {
        await deadLetter(failure);
      } catch (recordError) {
        this.halt(
          sequence,
          new HandlerFailedError(sequence, attempts, recordError, "deadLetter failed to record it"),
        );
        return;
      }
      this.actions.deadLettered(sequence);
      return;
    }
    const reason =
      decision === "halt"
        ? undefined
        : `onError must return "halt" or "dead-letter"; received ${String(decision)}`;
    this.halt(sequence, new HandlerFailedError(sequence, attempts, error, reason));
  }

  private halt(sequence: number, error: HandlerFailedError): void {
    this.actions.halt(sequence, error);
    this.actions.abandon(sequence);
  }
}
