import { invalidArgument } from "@threadline/core";

/** @internal not covered by semver */
export function assertCheckpointKey(field: string, value: unknown): asserts value is string {
  if (typeof value !== "string" || value.length === 0 || value.length > 512) {
    throw invalidArgument(field, "a non-empty string of at most 512 characters", value);
  }
}

/** @internal not covered by semver */
export function assertCheckpointValue(field: string, value: unknown): asserts value is number {
  if (typeof value !== "number" || !Number.isSafeInteger(value) || value < 0) {
    throw invalidArgument(field, "a non-negative safe integer", value);
  }
}

/** @internal not covered by semver */
export function assertPositiveInteger(
  field: string,
  value: unknown,
  maximum = Number.MAX_SAFE_INTEGER,
): asserts value is number {
  if (typeof value !== "number" || !Number.isSafeInteger(value) || value < 1 || value > maximum) {
    throw invalidArgument(
      field,
      maximum === Number.MAX_SAFE_INTEGER
        ? "a positive safe integer"
        : `an integer from 1 to ${maximum}`,
      value,
    );
  }
}

/** @internal not covered by semver */
export function assertNonNegativeNumber(field: string, value: unknown): asserts value is number {
  if (typeof value !== "number" || !Number.isFinite(value) || value < 0) {
    throw invalidArgument(field, "a finite number >= 0", value);
  }
}

/** @internal not covered by semver */
export function assertFunction(field: string, value: unknown): void {
  if (typeof value !== "function") {
    throw invalidArgument(field, "a function", value);
  }
}

/** @internal not covered by semver */
export function assertSqlIdentifier(field: string, value: unknown): asserts value is string {
  if (typeof value !== "string" || !/^[A-Za-z_][A-Za-z0-9_]{0,62}$/.test(value)) {
    throw invalidArgument(
      field,
      "an SQL identifier: a letter or underscore, then letters, digits or underscores, at most 63 characters",
      value,
    );
  }
}
