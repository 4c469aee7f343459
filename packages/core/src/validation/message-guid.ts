import { invalidArgument } from "../errors/invalid-argument.js";

/** 1 to 128 printable ASCII characters without spaces: the shape the server accepts. */
const messageGuidPattern = /^[\x21-\x7e]{1,128}$/;

/**
 * Checks a message GUID (a message's, or a poll's message): 1 to 128 printable ASCII
 * characters without spaces, the rule the server applies. `what` names the GUID in the
 * error, e.g. `"a poll message GUID"`; `hint` says where a valid one comes from.
 *
 * @throws ValidationError naming `field`.
 */
export function checkMessageGuid(
  field: string,
  value: unknown,
  what = "a message GUID",
  hint = "message.guid from sendText() or an event",
): string {
  if (typeof value !== "string" || !messageGuidPattern.test(value)) {
    throw invalidArgument(
      field,
      `${what} (1 to 128 printable ASCII characters without spaces); pass ${hint}`,
      value,
    );
  }
  return value;
}
