import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { resolveBackoff } from "./backoff.js";
import type { FailureDecision, HandlerFailure } from "./checkpoint-queue-types.js";
import { HandlerFailedError } from "./errors.js";
import { type FailureActions, FailurePolicy, type FailurePolicyOptions } from "./failure-policy.js";

interface Item {
  readonly sequence: number;
}

type Action =
  | { readonly kind: "retry"; readonly sequence: number; readonly attempt: number }
  | { readonly kind: "deadLettered"; readonly sequence: number }
  | { readonly kind: "halt"; readonly sequence: number; readonly error: HandlerFailedError }
  | { readonly kind: "abandon"; readonly sequence: number };

/** A fixed delay of `milliseconds` before every retry. */
function fixedDelay(milliseconds: number) {
  const fixed = {
    initialDelay: milliseconds,
    multiplier: 1,
    maxDelay: milliseconds,
    jitter: false,
  };
  return resolveBackoff("retry", fixed, fixed);
}
const noDelay = fixedDelay(0);

/**
 * A policy whose actions are recorded; `run` plays a handler that fails its first
 * `failures` attempts, retrying through the policy like the queue does.
 */
function recorded(options: Partial<FailurePolicyOptions<Item>>, cancelledFrom = Infinity) {
  const actions: Action[] = [];
  let cancelAt = cancelledFrom;
  let failuresLeft = 0;
  let settle: () => void = () => undefined;
  const host: FailureActions<Item> = {
    isCancelled: (sequence) => sequence >= cancelAt,
    retry: (sequence, event, attempt) => {
      actions.push({ kind: "retry", sequence, attempt });
      if (failuresLeft > 0) {
        failuresLeft--;
        policy.failed(sequence, event, attempt, new Error(`attempt ${attempt} failed`));
      } else {
        settle();
      }
    },
    deadLettered: (sequence) => {
      actions.push({ kind: "deadLettered", sequence });
      settle();
    },
    halt: (sequence, error) => actions.push({ kind: "halt", sequence, error }),
    abandon: (sequence) => {
      actions.push({ kind: "abandon", sequence });
      settle();
    },
  };
  const policy = new FailurePolicy<Item>(
    {
      key: "k",
      maxAttempts: 3,
      backoff: noDelay,
      onError: "halt",
      deadLetter: undefined,
      ...options,
    },
    host,
  );
  return {
    actions,
    policy,
    cancel(from: number): void {
      cancelAt = from;
    },
    /** Attempt 1 of `sequence` failed; `failures` more attempts fail after it. */
    run(sequence: number, failures: number): Promise<void> {
      failuresLeft = failures;
      return new Promise<void>((resolve) => {
        settle = resolve;
        policy.failed(sequence, { sequence }, 1, new Error("attempt 1 failed"));
      });
    },
  };
}

describe("FailurePolicy", () => {
  it("retries until maxAttempts, then halts with the last error and abandons the event", async () => {
    const policy = recorded({ maxAttempts: 3 });
    await policy.run(5, 10);
    expect(policy.actions.map((action) => action.kind)).toEqual([
      "retry",
      "retry",
      "halt",
      "abandon",
    ]);
    expect(policy.policy.retries).toBe(2);
    const halt = policy.actions[2];
    if (halt?.kind !== "halt") throw new Error("expected a halt");
    expect(halt.error).toBeInstanceOf(HandlerFailedError);
    expect(halt.error.sequence).toBe(5);
    expect(halt.error.attempts).toBe(3);
    expect(halt.error.cause).toMatchObject({ message: "attempt 3 failed" });
  });

  it("a retry that succeeds ends the failure without a decision", async () => {
    const onErrorCalls: HandlerFailure<Item>[] = [];
    const policy = recorded({
      maxAttempts: 5,
      onError: (failure) => {
        onErrorCalls.push(failure);
        return "halt";
      },
    });
    await policy.run(1, 1);
    expect(policy.actions).toEqual([
      { kind: "retry", sequence: 1, attempt: 2 },
      { kind: "retry", sequence: 1, attempt: 3 },
    ]);
    expect(onErrorCalls).toEqual([]);
  });

  it("maxAttempts 1 decides at once, without a retry", async () => {
    const policy = recorded({ maxAttempts: 1 });
    await policy.run(1, 0);
    expect(policy.actions.map((action) => action.kind)).toEqual(["halt", "abandon"]);
    expect(policy.policy.retries).toBe(0);
  });

  it("dead-letter completes the event only after deadLetter resolved, with the whole failure", async () => {
    const recordedFailures: HandlerFailure<Item>[] = [];
    let finishRecording: () => void = () => undefined;
    const policy = recorded({
      maxAttempts: 2,
      onError: "dead-letter",
      deadLetter: (failure) => {
        recordedFailures.push(failure);
        return new Promise<void>((resolve) => {
          finishRecording = resolve;
        });
      },
    });
    const done = policy.run(9, 5);
    await new Promise((resolve) => setTimeout(resolve, 5));
    expect(recordedFailures).toHaveLength(1);
    expect(policy.actions.map((action) => action.kind)).toEqual(["retry"]);
    finishRecording();
    await done;
    expect(policy.actions.map((action) => action.kind)).toEqual(["retry", "deadLettered"]);
    const failure = recordedFailures[0];
    expect(failure?.event).toEqual({ sequence: 9 });
    expect(failure?.attempts).toBe(2);
    expect(failure?.key).toBe("k");
    expect(failure?.error).toMatchObject({ message: "attempt 2 failed" });
  });

  it("a deadLetter that fails halts with its error as the cause", async () => {
    const recordError = new Error("dead-letter table is gone");
    const policy = recorded({
      maxAttempts: 1,
      onError: "dead-letter",
      deadLetter: () => Promise.reject(recordError),
    });
    await policy.run(2, 0);
    const halt = policy.actions[0];
    if (halt?.kind !== "halt") throw new Error("expected a halt");
    expect(halt.error.cause).toBe(recordError);
    expect(halt.error.message).toContain("deadLetter failed to record it");
    expect(policy.actions[1]).toEqual({ kind: "abandon", sequence: 2 });
  });

  it("an onError that throws, answers something else, or picks dead-letter without a callback halts", async () => {
    const thrown = new Error("onError broke");
    const cases: {
      onError: FailurePolicyOptions<Item>["onError"];
      causedBy: "onError" | "handler";
      reason: string;
    }[] = [
      {
        onError: () => {
          throw thrown;
        },
        causedBy: "onError",
        reason: "onError threw",
      },
      {
        onError: () => "skip" as FailureDecision,
        causedBy: "handler",
        reason: 'onError must return "halt" or "dead-letter"; received skip',
      },
      {
        onError: async (): Promise<FailureDecision> => "dead-letter",
        causedBy: "handler",
        reason: 'onError chose "dead-letter" but no deadLetter callback was given',
      },
    ];
    for (const example of cases) {
      const policy = recorded({ maxAttempts: 1, onError: example.onError });
      await policy.run(4, 0);
      const halt = policy.actions[0];
      if (halt?.kind !== "halt") throw new Error("expected a halt");
      expect(halt.error.message).toContain(example.reason);
      if (example.causedBy === "onError") expect(halt.error.cause).toBe(thrown);
      else expect(halt.error.cause).toMatchObject({ message: "attempt 1 failed" });
      expect(policy.actions[1]).toEqual({ kind: "abandon", sequence: 4 });
    }
  });

  it("a failure at or above the halt point is abandoned without a retry or a decision", async () => {
    const policy = recorded({ maxAttempts: 3 }, 3);
    await policy.run(3, 10);
    expect(policy.actions).toEqual([{ kind: "abandon", sequence: 3 }]);
    expect(policy.policy.retries).toBe(0);
  });

  it("a halt during the backoff abandons the event instead of running it again", async () => {
    const policy = recorded({
      maxAttempts: 3,
      backoff: fixedDelay(20),
    });
    const done = policy.run(6, 10);
    policy.cancel(2);
    await done;
    expect(policy.actions).toEqual([{ kind: "abandon", sequence: 6 }]);
    expect(policy.policy.retries).toBe(1);
  });

  it("every failure ends in exactly one outcome: success after a retry, a dead letter, or a halt then abandon", async () => {
    await fc.assert(
      fc.asyncProperty(
        fc.record({
          maxAttempts: fc.integer({ min: 1, max: 5 }),
          extraFailures: fc.integer({ min: 0, max: 6 }),
          decision: fc.constantFrom("halt", "dead-letter", "throw", "nonsense"),
          asyncDecision: fc.boolean(),
          deadLetterFails: fc.boolean(),
          withDeadLetter: fc.boolean(),
        }),
        async (plan) => {
          const decide = (): FailureDecision => {
            if (plan.decision === "throw") throw new Error("onError broke");
            return plan.decision as FailureDecision;
          };
          let deadLetterCalls = 0;
          const policy = recorded({
            maxAttempts: plan.maxAttempts,
            onError: plan.asyncDecision ? async () => decide() : decide,
            deadLetter: plan.withDeadLetter
              ? async () => {
                  deadLetterCalls++;
                  if (plan.deadLetterFails) throw new Error("cannot record");
                }
              : undefined,
          });
          await policy.run(1, plan.extraFailures);
          const kinds = policy.actions.map((action) => action.kind);
          const failedAttempts = Math.min(plan.extraFailures + 1, plan.maxAttempts);
          const retries = kinds.filter((kind) => kind === "retry");
          expect(retries).toHaveLength(Math.min(plan.extraFailures + 1, plan.maxAttempts - 1));
          expect(policy.policy.retries).toBe(retries.length);
          const terminal = kinds.filter((kind) => kind !== "retry");
          if (plan.extraFailures + 1 < plan.maxAttempts) {
            expect(terminal).toEqual([]);
            expect(deadLetterCalls).toBe(0);
            return;
          }
          const recordedOk =
            plan.decision === "dead-letter" && plan.withDeadLetter && !plan.deadLetterFails;
          expect(terminal).toEqual(recordedOk ? ["deadLettered"] : ["halt", "abandon"]);
          expect(deadLetterCalls).toBe(
            plan.decision === "dead-letter" && plan.withDeadLetter ? 1 : 0,
          );
          const halt = policy.actions.find((action) => action.kind === "halt");
          if (halt?.kind === "halt") {
            expect(halt.error.sequence).toBe(1);
            expect(halt.error.attempts).toBe(failedAttempts);
          }
        },
      ),
      { numRuns: 200 },
    );
  });
});
