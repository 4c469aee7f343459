import { invalidArgument } from "@threadline/core";

const printableWithoutSpaces = /^[\x21-\x7e]{1,128}$/;

/**
 * Checks a poll message GUID: 1 to 128 printable ASCII characters without spaces, the
 * shape every message GUID has (the server applies the same rule).
 *
 * @throws ValidationError naming `field`.
 * @internal not covered by semver
 */
export function checkPollMessageGuid(field: string, value: unknown): string {
  if (typeof value !== "string" || !printableWithoutSpaces.test(value)) {
    throw invalidArgument(
      field,
      "a poll message GUID (1 to 128 printable characters without spaces); pass poll.pollMessageGuid from polls.create(), polls.get() or a poll event",
      value,
    );
  }
  return value;
}

/**
 * Checks an option identifier: a non-empty string without surrounding whitespace.
 * Whether it names an option of the poll only the server can tell.
 *
 * @throws ValidationError naming `field`.
 * @internal not covered by semver
 */
export function checkOptionIdentifier(field: string, value: unknown): string {
  if (typeof value !== "string" || value.trim() === "" || value.trim() !== value) {
    throw invalidArgument(
      field,
      "an option identifier: poll.options[i].optionIdentifier from polls.create(), polls.get() or a poll event",
      value,
    );
  }
  return value;
}
