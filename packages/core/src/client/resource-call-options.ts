import { checkOptionalDuration, invalidArgument } from "../errors/invalid-argument.js";
import type { UnaryCallOptions } from "../transport/rpc-calls.js";

/** Per-call options every resource method accepts. */
export interface ResourceCallOptions {
  /** Abandons the call; the promise rejects with a CancelledError. */
  readonly signal?: AbortSignal;
  /** Deadline for this call in milliseconds, overriding the client default. */
  readonly timeoutMs?: number;
}

/** Per-call options of a resource method that writes. */
export interface ResourceWriteOptions extends ResourceCallOptions {
  /**
   * Idempotency key for this logical write, for job systems that may repeat it after a
   * crash: a retry with the same key returns the first result. Without it the SDK still
   * makes its own retries of the call safe.
   */
  readonly clientMessageId?: string;
}

/** What {@link resourceWriteSettings} derives from a write's options. */
export interface ResourceWriteSettings {
  /** The caller's key, to send as the request's `client_message_id` too. */
  readonly clientMessageId: string | undefined;
  /** Options for `context.unary`: mutating, with the caller's key when given. */
  readonly settings: UnaryCallOptions;
}

function optionsObject(field: string, value: unknown): object {
  if (value === undefined) return {};
  if (typeof value !== "object" || value === null || Array.isArray(value)) {
    throw invalidArgument(field, "an object or omitted", value);
  }
  return value;
}

/**
 * Checks a read's `{ signal?, timeoutMs? }` before any network call and returns the
 * options for `context.unary`.
 *
 * @throws ValidationError for options that are not an object, a `signal` that is not
 * an AbortSignal, or a `timeoutMs` that is not a positive number.
 */
export function resourceCallSettings(field: string, options: unknown): UnaryCallOptions {
  const given = optionsObject(field, options);
  const signal: unknown = Reflect.get(given, "signal");
  const timeout: unknown = Reflect.get(given, "timeoutMs");
  if (signal !== undefined && !(signal instanceof AbortSignal)) {
    throw invalidArgument(
      `${field}.signal`,
      "an AbortSignal (from an AbortController) or omitted",
      signal,
    );
  }
  const timeoutMs = checkOptionalDuration(`${field}.timeoutMs`, timeout);
  return {
    ...(signal !== undefined ? { signal } : {}),
    ...(timeoutMs !== undefined ? { timeoutMs } : {}),
  };
}

/**
 * Checks a write's `{ clientMessageId?, signal?, timeoutMs? }` before any network call.
 * The settings are `mutating`, so the write carries an `x-idempotency-key` (the caller's
 * `clientMessageId`, or a fresh one) that every retry of this call reuses.
 *
 * @throws ValidationError as {@link resourceCallSettings} does, and for a
 * `clientMessageId` that is not a non-empty string without surrounding whitespace.
 */
export function resourceWriteSettings(field: string, options: unknown): ResourceWriteSettings {
  const call = resourceCallSettings(field, options);
  const key: unknown = Reflect.get(optionsObject(field, options), "clientMessageId");
  if (key !== undefined && (typeof key !== "string" || key.trim() === "" || key.trim() !== key)) {
    throw invalidArgument(
      `${field}.clientMessageId`,
      "a non-empty string without leading or trailing whitespace (a UUID, say), or omitted",
      key,
    );
  }
  return {
    clientMessageId: key,
    settings: { ...call, mutating: true, ...(key !== undefined ? { idempotencyKey: key } : {}) },
  };
}
