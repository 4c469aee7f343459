import { checkMessageGuid, invalidArgument } from "@threadline/core";

/**
 * Checks a poll message GUID with core's one message-GUID rule (1 to 128 printable ASCII
 * characters without spaces, as the server requires).
 *
 * @throws ValidationError naming `field`.
 * @internal not covered by semver
 */
export function checkPollMessageGuid(field: string, value: unknown): string {
  return checkMessageGuid(
    field,
    value,
    "a poll message GUID",
    "poll.pollMessageGuid from polls.create(), polls.get() or a poll event",
  );
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
