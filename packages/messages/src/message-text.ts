import { invalidArgument } from "@threadline/core";

/**
 * Longest text, subject or edit a Threadline server accepts, in UTF-16 units (what
 * `string.length` counts).
 */
export const maxMessageTextLength = 20_000;

/**
 * Checks message text: a string with something besides whitespace, at most
 * {@link maxMessageTextLength} UTF-16 units.
 *
 * @internal not covered by semver
 */
export function checkMessageText(field: string, value: unknown): string {
  const allowed = `non-empty text of at most ${maxMessageTextLength} UTF-16 units`;
  if (typeof value !== "string") throw invalidArgument(field, allowed, value);
  if (value.trim() === "") throw invalidArgument(field, allowed, value, "is blank");
  if (value.length > maxMessageTextLength) {
    throw invalidArgument(field, allowed, value, `is ${value.length} units long`);
  }
  return value;
}

/**
 * Checks an optional text option such as `subject`: absent, or like
 * {@link checkMessageText}.
 *
 * @internal not covered by semver
 */
export function checkOptionalText(field: string, value: unknown): string | undefined {
  return value === undefined ? undefined : checkMessageText(field, value);
}
