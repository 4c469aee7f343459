import { invalidArgument } from "../errors/common-errors.js";
import { normalizeAddress } from "./address.js";

/** A chat GUID taken apart: a direct chat names the other party, a group its id. */
export type ParsedChatGuid =
  | { readonly kind: "direct"; readonly address: string }
  | { readonly kind: "group"; readonly groupId: string };

const directPrefix = "any;-;";
const groupPrefix = "any;+;";
const groupIdPattern = /^[A-Za-z0-9_-]{1,128}$/;
const allowedShapes = `"${directPrefix}<email or E.164 phone>" or "${groupPrefix}<group id>"`;

/** The GUID of a direct chat, as the viewer whose counterpart is `otherAddress` names it. */
export function directChatGuid(otherAddress: string): string {
  return `${directPrefix}${otherAddress}`;
}

/** The GUID of a group chat; every participant names it the same. */
export function groupChatGuid(groupId: string): string {
  return `${groupPrefix}${groupId}`;
}

/**
 * Parses a chat GUID from a request. The address of a direct GUID is normalised, so
 * `any;-;Bob@Example.com` and `any;-;bob@example.com` name the same chat. Throws
 * INVALID_ARGUMENT naming `field` and the two allowed shapes.
 */
export function parseChatGuid(raw: string, field = "chat_guid"): ParsedChatGuid {
  if (raw.startsWith(directPrefix)) {
    const address = raw.slice(directPrefix.length);
    try {
      return { kind: "direct", address: normalizeAddress(address) };
    } catch {
      throw invalidArgument(
        `${field} ${JSON.stringify(raw)} names an invalid address; it must be ${allowedShapes}`,
        { field },
      );
    }
  }
  if (raw.startsWith(groupPrefix)) {
    const groupId = raw.slice(groupPrefix.length);
    if (groupIdPattern.test(groupId)) return { kind: "group", groupId };
    throw invalidArgument(
      `${field} ${JSON.stringify(raw)} has an invalid group id (letters, digits, "-" and "_", 1 to 128 characters); it must be ${allowedShapes}`,
      { field },
    );
  }
  const shown =
    raw.length === 0 ? "is empty" : `${JSON.stringify(raw.slice(0, 200))} is not a chat GUID`;
  throw invalidArgument(`${field} ${shown}; it must be ${allowedShapes}`, { field });
}

/**
 * A chat GUID from a request in the form the log stores it (a direct chat's address
 * normalised). Throws like {@link parseChatGuid}.
 */
export function normalizeChatGuid(raw: string, field = "chat_guid"): string {
  const parsed = parseChatGuid(raw, field);
  return parsed.kind === "direct" ? directChatGuid(parsed.address) : groupChatGuid(parsed.groupId);
}
