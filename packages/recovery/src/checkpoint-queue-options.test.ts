import { ValidationError } from "@threadline/core";
import { describe, expect, it } from "vitest";
import { resolveCheckpointQueueOptions } from "./checkpoint-queue-options.js";
import type { CheckpointQueueOptions, SequencedEvent } from "./checkpoint-queue-types.js";
import { createMemoryCheckpointStore } from "./memory-checkpoint-store.js";

const store = createMemoryCheckpointStore();
const handler = (): void => undefined;
const base: CheckpointQueueOptions<SequencedEvent> = { store, key: "k", handler };

/** The ValidationError that `options` is rejected with. */
function rejection(options: unknown): ValidationError {
  try {
    // A deliberately bad value, checked at run time like a caller in plain JavaScript.
    resolveCheckpointQueueOptions(options as CheckpointQueueOptions<SequencedEvent>);
  } catch (error) {
    if (error instanceof ValidationError) return error;
    throw error;
  }
  throw new Error("the options were accepted");
}

describe("resolveCheckpointQueueOptions", () => {
  it("fills in the documented defaults", () => {
    const settings = resolveCheckpointQueueOptions(base);
    expect(settings).toMatchObject({
      store,
      key: "k",
      handler,
      concurrency: 1,
      window: 4096,
      orderBy: undefined,
      filter: undefined,
      maxAttempts: 3,
      backoff: { schedule: { initialDelay: 100, multiplier: 2, maxDelay: 10_000 }, jitter: true },
      onError: "halt",
      deadLetter: undefined,
      flushIntervalMs: 1000,
      maxUnsavedEvents: 10_000,
      storeMaxAttempts: 5,
      storeBackoff: {
        schedule: { initialDelay: 100, multiplier: 2, maxDelay: 10_000 },
        jitter: true,
      },
    });
  });

  it("the default window is at least the concurrency", () => {
    expect(resolveCheckpointQueueOptions({ ...base, concurrency: 10_000 }).window).toBe(10_000);
    expect(resolveCheckpointQueueOptions({ ...base, concurrency: 16 }).window).toBe(4096);
  });

  it("onError defaults to dead-letter exactly when a deadLetter callback is given", () => {
    const deadLetter = (): void => undefined;
    expect(resolveCheckpointQueueOptions({ ...base, deadLetter }).onError).toBe("dead-letter");
    expect(resolveCheckpointQueueOptions({ ...base, deadLetter, onError: "halt" }).onError).toBe(
      "halt",
    );
  });

  it("retry: false runs the handler once; retry options override only what they name", () => {
    expect(resolveCheckpointQueueOptions({ ...base, retry: false }).maxAttempts).toBe(1);
    const settings = resolveCheckpointQueueOptions({
      ...base,
      retry: { maxAttempts: Number.POSITIVE_INFINITY, initialDelay: 5 },
      storeRetry: { maxAttempts: 2, jitter: false },
    });
    expect(settings.maxAttempts).toBe(Number.POSITIVE_INFINITY);
    expect(settings.backoff).toMatchObject({
      schedule: { initialDelay: 5, multiplier: 2, maxDelay: 10_000 },
      jitter: true,
    });
    expect(settings.storeMaxAttempts).toBe(2);
    expect(settings.storeBackoff.jitter).toBe(false);
  });

  it("rejects each bad option with a ValidationError naming it and what is allowed", () => {
    const cases: { options: unknown; field: string; allowed: string }[] = [
      { options: null, field: "options", allowed: "an object" },
      {
        options: { ...base, store: { load: async () => undefined } },
        field: "store",
        allowed: "a CheckpointStore (an object with load and save methods)",
      },
      { options: { ...base, handler: "run" }, field: "handler", allowed: "a function" },
      {
        options: { ...base, window: 1 << 25 },
        field: "window",
        allowed: `an integer from 1 to ${1 << 24}`,
      },
      { options: { ...base, orderBy: "chat" }, field: "orderBy", allowed: "a function" },
      { options: { ...base, filter: true }, field: "filter", allowed: "a function" },
      { options: { ...base, deadLetter: {} }, field: "deadLetter", allowed: "a function" },
      {
        options: { ...base, onError: "skip" },
        field: "onError",
        allowed: '"halt", "dead-letter" or a function',
      },
      { options: { ...base, retry: 3 }, field: "retry", allowed: "an object or false" },
      {
        options: { ...base, retry: { multiplier: 0.5 } },
        field: "retry.multiplier",
        allowed: "a finite number >= 1",
      },
      {
        options: { ...base, flushIntervalMs: -1 },
        field: "flushIntervalMs",
        allowed: "a finite number >= 0",
      },
      {
        options: { ...base, maxUnsavedEvents: 0 },
        field: "maxUnsavedEvents",
        allowed: "a positive safe integer",
      },
      {
        options: { ...base, storeRetry: { maxAttempts: 0 } },
        field: "storeRetry.maxAttempts",
        allowed: "a positive safe integer",
      },
    ];
    for (const example of cases) {
      const error = rejection(example.options);
      expect(error.field).toBe(example.field);
      expect(error.allowed).toBe(example.allowed);
      expect(
        error.message.startsWith(`${example.field} must be ${example.allowed}; received `),
      ).toBe(true);
    }
  });
});
