import { invalidArgument } from "../errors/common-errors.js";

/**
 * Checks a required text field: not blank, at most `maxLength` UTF-16 units. Returns
 * it unchanged (whitespace is the sender's business). Throws INVALID_ARGUMENT.
 */
export function requireText(value: string, field: string, maxLength: number): string {
  if (value.trim().length === 0) {
    throw invalidArgument(`${field} must not be empty; send 1 to ${maxLength} characters of text`, {
      field,
    });
  }
  return limitText(value, field, maxLength);
}

/** Checks an optional text field's length; throws INVALID_ARGUMENT when it is too long. */
export function limitText(value: string, field: string, maxLength: number): string {
  if (value.length > maxLength) {
    throw invalidArgument(
      `${field} is ${value.length} characters long; at most ${maxLength} are allowed`,
      { field },
    );
  }
  return value;
}

/** An optional string field as a value or null (absent and null are the same on the wire). */
export function optionalText(value: string | null | undefined): string | null {
  return value === undefined || value === null ? null : value;
}

/** Longest message text, subject or edit. */
export const maxMessageTextLength = 20_000;
/** Longest group name, poll title or poll option. */
export const maxShortTextLength = 256;
