import { ValidationError } from "./error-classes.js";

/**
 * A short, safe rendering of a rejected value for error messages: strings are quoted
 * and clipped so a huge bad input never ends up whole in a log line.
 */
export function describeReceived(value: unknown): string {
  if (typeof value === "string") {
    const clipped = value.length > 80 ? `${value.slice(0, 80)}…` : value;
    return JSON.stringify(clipped);
  }
  if (value === null) return "null";
  if (value === undefined) return "undefined";
  if (typeof value === "number" || typeof value === "boolean") return String(value);
  if (typeof value === "bigint") return `${value}n`;
  if (value instanceof Uint8Array) return `${value.constructor.name}(${value.byteLength} bytes)`;
  if (Array.isArray(value)) return `an array of ${value.length}`;
  if (typeof value === "function") return "a function";
  if (typeof value === "symbol") return value.toString();
  return "an object";
}

/**
 * The ValidationError for one bad argument, the one rule every Threadline package uses.
 * Without `problem` the message reads `"<field> must be <allowed>; received <x>"`; with
 * it, `"<field> <problem>; expected <allowed>; received <x>"` (for a rejection that
 * "must be" cannot say, such as a short code or a duplicate). The error carries
 * `field`, `allowed` and `received`.
 */
export function invalidArgument(
  field: string,
  allowed: string,
  received: unknown,
  problem?: string,
): ValidationError {
  const what = problem === undefined ? `must be ${allowed}` : `${problem}; expected ${allowed}`;
  return new ValidationError(`${field} ${what}; received ${describeReceived(received)}`, {
    field,
    allowed,
    received,
  });
}

/**
 * Checks a sequence number argument: a non-negative safe integer.
 *
 * @internal not covered by semver
 */
export function checkSequence(field: string, value: unknown): number {
  if (typeof value !== "number" || !Number.isSafeInteger(value) || value < 0) {
    throw invalidArgument(field, "a non-negative safe integer", value);
  }
  return value;
}

/**
 * Checks an optional positive millisecond duration.
 *
 * @internal not covered by semver
 */
export function checkOptionalDuration(field: string, value: unknown): number | undefined {
  if (value === undefined) return undefined;
  if (typeof value !== "number" || !Number.isFinite(value) || value <= 0) {
    throw invalidArgument(field, "a positive finite number of milliseconds", value);
  }
  return value;
}
