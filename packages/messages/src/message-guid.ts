import { invalidArgument } from "@threadline/core";

const messageGuidPattern = /^[\x21-\x7e]{1,128}$/;
const allowedMessageGuids =
  "a message GUID (1 to 128 printable ASCII characters without spaces), e.g. message.guid from sendText() or an event";

/**
 * Checks a message GUID the way the server does: 1 to 128 printable ASCII characters,
 * no spaces.
 *
 * @throws ValidationError naming `field`.
 * @internal not covered by semver
 */
export function checkMessageGuid(field: string, value: unknown): string {
  if (typeof value !== "string" || !messageGuidPattern.test(value)) {
    throw invalidArgument(field, allowedMessageGuids, value);
  }
  return value;
}
