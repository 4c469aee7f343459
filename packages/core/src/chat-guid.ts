import { invalidArgument } from "./errors/invalid-argument.js";
import { normalizeAddress } from "./validation/address.js";

declare const chatGuidBrand: unique symbol;

/**
 * A chat's stable key: `any;-;<address>` for a direct chat (named for the other
 * person, from the viewer's side) or `any;+;<id>` for a group. Branded so a plain
 * string must pass through {@link directChat}, {@link groupChat} or
 * {@link parseChatGuid} first; it is still a `string` wherever one is expected.
 */
export type ChatGuid = string & { readonly [chatGuidBrand]: true };

/** A chat GUID taken apart by {@link parseChatGuid}; `guid` is the normalised GUID. */
export type ParsedChatGuid =
  | {
      readonly kind: "direct";
      /** Always `"any"`: the only service prefix chat GUIDs have. */
      readonly service: string;
      /** The other party, normalised like {@link normalizeAddress}. */
      readonly address: string;
      readonly guid: ChatGuid;
    }
  | {
      readonly kind: "group";
      /** Always `"any"`: the only service prefix chat GUIDs have. */
      readonly service: string;
      readonly id: string;
      readonly guid: ChatGuid;
    };

const service = "any";
const directPrefix = "any;-;";
const groupPrefix = "any;+;";
const allowedShapes =
  'a chat GUID: "any;-;<address>" for a direct chat (e.g. "any;-;alice@example.com") or "any;+;<group id>" for a group; pass chat.guid from create(), get() or an event';
const allowedGroupIds = "a non-empty group id without spaces or ';'";
const groupIdPattern = /^[^\s;]+$/;

function brand(value: string): ChatGuid {
  // The only place a string becomes a ChatGuid; every caller has validated it.
  return value as ChatGuid;
}

/**
 * The GUID of the direct chat with `address`, normalised by {@link normalizeAddress}.
 *
 * @throws ValidationError for an address that is not an email address or an E.164
 * phone number (short codes, national numbers and service numbers included).
 */
export function directChat(address: string): ChatGuid {
  return brand(`${directPrefix}${normalizeAddress(address)}`);
}

/**
 * The GUID of the group chat with server id `id`.
 *
 * @throws ValidationError for an empty id or one containing whitespace or `;`.
 */
export function groupChat(id: string): ChatGuid {
  if (typeof id !== "string" || !groupIdPattern.test(id)) {
    throw invalidArgument("id", allowedGroupIds, id);
  }
  return brand(`${groupPrefix}${id}`);
}

/**
 * Parses and validates a chat GUID: `any;-;<address>` (the address is normalised, so
 * `any;-;Bob@Example.com` parses to `any;-;bob@example.com`) or `any;+;<group id>`.
 * These are the only two shapes; another service prefix (`iMessage;-;…`) is refused.
 *
 * @throws ValidationError naming `field` (default `"chatGuid"`) when `guid` is not a
 * string of either shape, or its address or group id is invalid.
 */
export function parseChatGuid(guid: unknown, field = "chatGuid"): ParsedChatGuid {
  if (typeof guid !== "string") throw invalidArgument(field, allowedShapes, guid);
  if (guid.startsWith(directPrefix)) {
    const rest = guid.slice(directPrefix.length);
    if (rest === "") {
      throw invalidArgument(field, allowedShapes, guid, `has no address after "${directPrefix}"`);
    }
    const address = normalizeAddress(rest, `${field} address`);
    return { kind: "direct", service, address, guid: brand(`${directPrefix}${address}`) };
  }
  if (guid.startsWith(groupPrefix)) {
    const id = guid.slice(groupPrefix.length);
    if (!groupIdPattern.test(id)) {
      throw invalidArgument(
        field,
        allowedShapes,
        guid,
        `needs a group id after "${groupPrefix}" without spaces or ';'`,
      );
    }
    return { kind: "group", service, id, guid: brand(guid) };
  }
  throw invalidArgument(field, allowedShapes, guid);
}

/** True when `value` is a well-formed chat GUID; narrows it to {@link ChatGuid}. */
export function isChatGuid(value: unknown): value is ChatGuid {
  try {
    parseChatGuid(value);
    return true;
  } catch {
    return false;
  }
}
