import { type NumberType, parsePhoneNumberFromString } from "libphonenumber-js/max";
import { invalidArgument } from "./invalid-argument.js";

const allowedAddresses =
  "an email address such as alice@example.com or a phone number in international E.164 form such as +14155550100";

// Numbers that reach a service rather than a person cannot join an iMessage chat (the
// same list the Threadline server refuses). Toll-free numbers can text, so they pass.
const serviceNumberKinds: ReadonlyMap<NumberType, string> = new Map<NumberType, string>([
  ["PREMIUM_RATE", "a premium-rate number"],
  ["SHARED_COST", "a shared-cost number"],
  ["UAN", "a universal access number"],
  ["VOICEMAIL", "a voicemail access number"],
  ["PAGER", "a pager number"],
]);

// RFC 5321 dot-atom local part (no quoted strings) and a DNS host name with an
// alphabetic top-level label; IP-literal domains are not messaging addresses.
const localPartPattern = /^[a-z0-9!#$%&'*+/=?^_`{|}~-]+(?:\.[a-z0-9!#$%&'*+/=?^_`{|}~-]+)*$/;
const domainLabelPattern = /^[a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?$/;
const topLevelLabelPattern = /^[a-z]{2,63}$/;

function normaliseEmail(field: string, input: string): string {
  const email = input.toLowerCase();
  const at = email.lastIndexOf("@");
  const localPart = email.slice(0, at);
  const domain = email.slice(at + 1);
  const labels = domain.split(".");
  const topLevel = labels[labels.length - 1] ?? "";
  const valid =
    email.length <= 254 &&
    localPart.length >= 1 &&
    localPart.length <= 64 &&
    localPartPattern.test(localPart) &&
    labels.length >= 2 &&
    labels.every((label) => domainLabelPattern.test(label)) &&
    topLevelLabelPattern.test(topLevel);
  if (!valid) {
    throw invalidArgument(
      field,
      `${field} is not a valid email address; expected ${allowedAddresses}`,
      input,
    );
  }
  return email;
}

function normalisePhone(field: string, input: string): string {
  if (/^\d{3,8}$/.test(input.replace(/[\s().-]/g, ""))) {
    throw invalidArgument(
      field,
      `${field} looks like a short code, which cannot take part in a chat; expected ${allowedAddresses}`,
      input,
    );
  }
  if (!input.startsWith("+")) {
    throw invalidArgument(
      field,
      `${field} must be in international form with a leading "+" and country code (short codes and national numbers are not accepted); expected ${allowedAddresses}`,
      input,
    );
  }
  const phone = parsePhoneNumberFromString(input);
  if (phone === undefined || !phone.isValid()) {
    throw invalidArgument(
      field,
      `${field} is not a valid phone number for any country (short codes are not accepted); expected ${allowedAddresses}`,
      input,
    );
  }
  const type = phone.getType();
  const serviceKind = type === undefined ? undefined : serviceNumberKinds.get(type);
  if (serviceKind !== undefined) {
    throw invalidArgument(
      field,
      `${field} is ${serviceKind}, a service number that cannot join a chat; expected a personal mobile or landline number, or an email address`,
      input,
    );
  }
  return phone.number;
}

/**
 * Normalises one address the way the server does: emails lower-cased, phone numbers
 * to E.164 (`+14155550100`). Surrounding whitespace is ignored.
 *
 * @throws ValidationError naming `field` when the address is not an email address or
 * an international phone number, or is a short code or service number.
 * @internal not covered by semver
 */
export function normaliseAddress(field: string, value: unknown): string {
  if (typeof value !== "string") {
    throw invalidArgument(field, `${field} must be a string: ${allowedAddresses}`, value);
  }
  const input = value.trim();
  if (input === "") {
    throw invalidArgument(field, `${field} must not be empty; expected ${allowedAddresses}`, value);
  }
  if (input.includes("@")) return normaliseEmail(field, input);
  if (/^\+?[\d\s().-]+$/.test(input)) return normalisePhone(field, input);
  throw invalidArgument(
    field,
    `${field} is neither an email address nor a phone number; expected ${allowedAddresses}`,
    value,
  );
}

/**
 * Normalises the recipients of `chats.create(...)`.
 *
 * @throws ValidationError when `addresses` is not a non-empty array, when any address
 * is invalid (the message names its index), or when two addresses are the same after
 * normalisation.
 * @internal not covered by semver
 */
export function normaliseAddresses(addresses: unknown): string[] {
  if (!Array.isArray(addresses)) {
    throw invalidArgument(
      "addresses",
      "addresses must be an array of one or more email addresses or E.164 phone numbers",
      addresses,
    );
  }
  if (addresses.length === 0) {
    throw invalidArgument(
      "addresses",
      "addresses must contain at least one email address or E.164 phone number (one for a direct chat, two or more for a group)",
      addresses,
    );
  }
  const firstIndex = new Map<string, number>();
  const normalised: string[] = [];
  // An index loop, not map(): map() skips the holes of a sparse array.
  for (let index = 0; index < addresses.length; index += 1) {
    const value: unknown = addresses[index];
    const address = normaliseAddress(`addresses[${index}]`, value);
    const earlier = firstIndex.get(address);
    if (earlier !== undefined) {
      throw invalidArgument(
        `addresses[${index}]`,
        `addresses[${index}] repeats addresses[${earlier}] (both are ${address} after normalisation); each recipient may appear only once`,
        value,
      );
    }
    firstIndex.set(address, index);
    normalised.push(address);
  }
  return normalised;
}
