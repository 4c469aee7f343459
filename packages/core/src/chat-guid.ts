import { invalidArgument } from "./errors/invalid-argument.js";

declare const chatGuidBrand: unique symbol;

/**
 * A chat's stable key: `any;-;<address>` for a direct chat (named for the other
 * person, from the viewer's side) or `any;+;<id>` for a group. Branded so a plain
 * string must pass through {@link directChat}, {@link groupChat} or
 * {@link parseChatGuid} first; it is still a `string` wherever one is expected.
 */
export type ChatGuid = string & { readonly [chatGuidBrand]: true };

/** A chat GUID taken apart by {@link parseChatGuid}. */
export type ParsedChatGuid =
  | {
      readonly kind: "direct";
      readonly service: string;
      readonly address: string;
      readonly guid: ChatGuid;
    }
  | {
      readonly kind: "group";
      readonly service: string;
      readonly id: string;
      readonly guid: ChatGuid;
    };

const emailPattern = /^[^\s@;]+@[^\s@;]+$/;
const phonePattern = /^\+[1-9]\d{3,14}$/;

function brand(value: string): ChatGuid {
  // The only place a string becomes a ChatGuid; every caller has validated it.
  return value as ChatGuid;
}

/**
 * Normalises an address the way the server keys direct chats: emails lower-cased,
 * phone numbers as E.164 (`+` and digits; spaces, dashes, dots and brackets dropped).
 * Throws ValidationError for anything else.
 */
export function normalizeAddress(address: string): string {
  if (typeof address !== "string") {
    throw invalidArgument("address", "an email address or an E.164 phone number", address);
  }
  const trimmed = address.trim();
  if (trimmed.includes("@")) {
    if (emailPattern.test(trimmed)) return trimmed.toLowerCase();
  } else {
    const digits = trimmed.replace(/[\s\-.()]/g, "");
    if (phonePattern.test(digits)) return digits;
  }
  throw invalidArgument(
    "address",
    "an email address (name@host) or an E.164 phone number (+ then 4 to 15 digits)",
    address,
  );
}

/** The GUID of the direct chat with `address` (normalised). Throws ValidationError for a bad address. */
export function directChat(address: string): ChatGuid {
  return brand(`any;-;${normalizeAddress(address)}`);
}

/** The GUID of the group chat with server id `id`. Throws ValidationError for an empty id or one containing `;`. */
export function groupChat(id: string): ChatGuid {
  if (typeof id !== "string" || id.trim() === "" || id.includes(";") || id !== id.trim()) {
    throw invalidArgument("id", "a non-empty group id without ';' or surrounding spaces", id);
  }
  return brand(`any;+;${id}`);
}

/**
 * Parses and validates a chat GUID (`<service>;-;<address>` or `<service>;+;<id>`).
 * Throws ValidationError when `guid` has neither form.
 */
export function parseChatGuid(guid: string): ParsedChatGuid {
  const allowed = "a chat GUID like any;-;alice@example.com or any;+;<group id>";
  if (typeof guid !== "string") throw invalidArgument("chatGuid", allowed, guid);
  const first = guid.indexOf(";");
  const service = guid.slice(0, first);
  const marker = guid.slice(first + 1, first + 3);
  const rest = guid.slice(first + 3);
  if (first <= 0 || rest === "" || rest.includes(";") || rest.trim() !== rest) {
    throw invalidArgument("chatGuid", allowed, guid);
  }
  if (marker === "-;") return { kind: "direct", service, address: rest, guid: brand(guid) };
  if (marker === "+;") return { kind: "group", service, id: rest, guid: brand(guid) };
  throw invalidArgument("chatGuid", allowed, guid);
}

/** True when `value` is a well-formed chat GUID; narrows it to {@link ChatGuid}. */
export function isChatGuid(value: unknown): value is ChatGuid {
  if (typeof value !== "string") return false;
  try {
    parseChatGuid(value);
    return true;
  } catch {
    return false;
  }
}
