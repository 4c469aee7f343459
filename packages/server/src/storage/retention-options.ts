/** How long the log keeps events. Both limits apply when both are set. */
export interface RetentionOptions {
  /** Keep at most this many of the newest events per account (a positive integer). */
  readonly maxEvents?: number;
  /** Delete events older than this many milliseconds (a positive integer). */
  readonly maxAgeMs?: number;
}
