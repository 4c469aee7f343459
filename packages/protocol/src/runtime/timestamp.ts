/** The wire shape of `google.protobuf.Timestamp`. */
export interface TimestampFields {
  seconds?: number | null;
  nanos?: number | null;
}

const MIN_SECONDS = -62135596800; // 0001-01-01T00:00:00Z
const MAX_SECONDS = 253402300799; // 9999-12-31T23:59:59Z

/**
 * Converts a `Date` to a protobuf Timestamp. Throws `RangeError` for an invalid date
 * or one outside 0001-01-01..9999-12-31, the range a Timestamp may hold.
 */
export function timestampFromDate(date: Date): { seconds: number; nanos: number } {
  const millis = date.getTime();
  if (!Number.isFinite(millis))
    throw new RangeError("timestamp must be a valid Date; received Invalid Date");
  const seconds = Math.floor(millis / 1000);
  if (seconds < MIN_SECONDS || seconds > MAX_SECONDS) {
    throw new RangeError(
      `timestamp must be between 0001-01-01 and 9999-12-31; received ${date.toISOString()}`,
    );
  }
  return { seconds, nanos: (millis - seconds * 1000) * 1_000_000 };
}

/**
 * Converts a protobuf Timestamp to a `Date` (millisecond precision; sub-millisecond
 * nanos are truncated). An absent timestamp is the Unix epoch, as proto3 defines it.
 * Throws `RangeError` when the fields are outside what a Timestamp may hold.
 */
export function timestampToDate(timestamp: TimestampFields | null | undefined): Date {
  const seconds = timestamp?.seconds ?? 0;
  const nanos = timestamp?.nanos ?? 0;
  if (!Number.isInteger(seconds) || seconds < MIN_SECONDS || seconds > MAX_SECONDS) {
    throw new RangeError(
      `timestamp seconds must be an integer in [${MIN_SECONDS}, ${MAX_SECONDS}]; received ${seconds}`,
    );
  }
  if (!Number.isInteger(nanos) || nanos < 0 || nanos > 999_999_999) {
    throw new RangeError(`timestamp nanos must be an integer in [0, 999999999]; received ${nanos}`);
  }
  return new Date(seconds * 1000 + Math.floor(nanos / 1_000_000));
}
