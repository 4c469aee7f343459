import { normaliseAddress } from "./address-normalisation.js";
import { invalidArgument } from "./invalid-argument.js";

const directPrefix = "any;-;";
const groupPrefix = "any;+;";
const allowedShapes =
  'a chat GUID: "any;-;<address>" for a direct chat (e.g. "any;-;alice@example.com") or "any;+;<group id>" for a group; pass chat.guid from create(), get() or an event';
const groupIdPattern = /^[^\s;]+$/;

/**
 * Checks a chat GUID and returns it in the server's form. The address of a direct
 * GUID is normalised like a recipient (`any;-;Alice@Example.com` becomes
 * `any;-;alice@example.com`), because the server names direct chats by the normalised
 * address.
 *
 * @throws ValidationError when the value is not a string in one of the two shapes.
 * @internal not covered by semver
 */
export function checkChatGuid(field: string, value: unknown): string {
  if (typeof value !== "string") {
    throw invalidArgument(field, `${field} must be ${allowedShapes}`, value);
  }
  if (value.startsWith(directPrefix)) {
    const address = value.slice(directPrefix.length);
    if (address === "") {
      throw invalidArgument(
        field,
        `${field} has no address after "any;-;"; expected ${allowedShapes}`,
        value,
      );
    }
    return directPrefix + normaliseAddress(`${field} address`, address);
  }
  if (value.startsWith(groupPrefix)) {
    const groupId = value.slice(groupPrefix.length);
    if (!groupIdPattern.test(groupId)) {
      throw invalidArgument(
        field,
        `${field} needs a group id after "any;+;" without spaces or ";"; expected ${allowedShapes}`,
        value,
      );
    }
    return value;
  }
  throw invalidArgument(field, `${field} must be ${allowedShapes}`, value);
}
