import { ValidationError } from "@threadline/core";

/**
 * A short, safe rendering of a rejected value for error messages: strings are quoted
 * and clipped so a megabyte of bad input does not end up in a log line.
 *
 * @internal not covered by semver
 */
export function describeReceived(value: unknown): string {
  if (typeof value === "string") {
    const clipped = value.length > 80 ? `${value.slice(0, 80)}…` : value;
    return JSON.stringify(clipped);
  }
  if (value === null) return "null";
  if (value === undefined) return "undefined";
  if (value instanceof Uint8Array) return `${value.constructor.name}(${value.byteLength} bytes)`;
  if (Array.isArray(value)) return `an array of ${value.length}`;
  if (typeof value === "object") return "an object";
  if (typeof value === "function") return "a function";
  return String(value);
}

/**
 * The ValidationError for one bad argument. `message` says what was wrong and what is
 * allowed; the received value is appended so the caller can find the culprit.
 *
 * @internal not covered by semver
 */
export function invalidArgument(
  field: string,
  message: string,
  received: unknown,
): ValidationError {
  return new ValidationError(`${message}; received ${describeReceived(received)}`, {
    field,
    received,
  });
}
