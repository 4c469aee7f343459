import { invalidArgument } from "@threadline/core";

// Cursors are opaque to the client; what it can check before the network is their shape
// (what any server of this protocol issues: short URL-safe text).
const cursorPattern = /^[A-Za-z0-9_=-]{1,256}$/;

/**
 * Checks a cursor argument's shape before any network call: a non-empty string of at
 * most 256 URL-safe characters, as events carry them. Whether it belongs to this
 * number's log is the server's to say (a ValidationError naming the cursor).
 *
 * @internal not covered by semver
 */
export function checkCursor(field: string, value: unknown): string {
  if (typeof value !== "string" || !cursorPattern.test(value)) {
    throw invalidArgument(
      field,
      "the cursor string of an event you received (1 to 256 characters from A-Z a-z 0-9 - _ =)",
      value,
    );
  }
  return value;
}
