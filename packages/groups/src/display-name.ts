import { invalidArgument } from "@threadline/core";

/** Longest group name, in UTF-16 code units after trimming (the server's limit). */
export const maxDisplayNameLength = 256;

/**
 * Checks a group name: a string of at most {@link maxDisplayNameLength} characters once
 * surrounding whitespace is trimmed (as the server stores it). An empty name clears it.
 *
 * @throws ValidationError naming `field`.
 * @internal not covered by semver
 */
export function checkDisplayName(field: string, value: unknown): string {
  const allowed = `a string of at most ${maxDisplayNameLength} characters ("" clears the name)`;
  if (typeof value !== "string") throw invalidArgument(field, allowed, value);
  const trimmed = value.trim();
  if (trimmed.length > maxDisplayNameLength) {
    throw invalidArgument(field, allowed, value, `is ${trimmed.length} characters long`);
  }
  return trimmed;
}
