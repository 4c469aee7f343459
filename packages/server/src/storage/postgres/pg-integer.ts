// What PostgreSQL prints for an integer; Number() alone would also take "", " 1" or "0x1f".
const integerText = /^-?\d+$/;

/**
 * The one place PostgreSQL integers become JavaScript numbers. node-postgres returns
 * bigint (int8) columns and COUNT(*) as decimal strings, so nothing outside this file
 * calls `Number()` on a row value: a value past Number.MAX_SAFE_INTEGER (or anything
 * that is not an integer at all) throws instead of silently losing precision.
 */
export function integerFromPg(value: unknown, column: string): number {
  const number =
    typeof value === "number"
      ? value
      : typeof value === "string" && integerText.test(value)
        ? Number(value)
        : Number.NaN;
  if (!Number.isSafeInteger(number)) {
    throw new Error(
      `PostgreSQL returned ${String(value)} for ${column}; a safe integer was expected`,
    );
  }
  return number;
}

/** {@link integerFromPg} for a nullable column: SQL NULL stays null. */
export function nullableIntegerFromPg(value: unknown, column: string): number | null {
  return value === null || value === undefined ? null : integerFromPg(value, column);
}
