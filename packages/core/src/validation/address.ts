import { type NumberType, parsePhoneNumberFromString } from "libphonenumber-js/max";
import { invalidArgument } from "../errors/invalid-argument.js";

/** What an address may be; quoted in every rejection so the caller knows what to send. */
export const allowedAddresses =
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

function normalizeEmail(field: string, input: string): string {
  const email = input.toLowerCase();
  const at = email.lastIndexOf("@");
  const localPart = email.slice(0, at);
  const labels = email.slice(at + 1).split(".");
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
    throw invalidArgument(field, allowedAddresses, input, "is not a valid email address");
  }
  return email;
}

// Emergency numbers dialled without a country code somewhere in the world (911 in North
// America, 112 in Europe and on GSM, 999 in the UK, 000 in Australia, 110/119 in Japan and
// China, 100-102 in India, 190-193 in Brazil, 111 in New Zealand, ...): the server's list.
const emergencyNumbers: ReadonlySet<string> = new Set([
  "000",
  "100",
  "101",
  "102",
  "108",
  "110",
  "111",
  "112",
  "113",
  "117",
  "118",
  "119",
  "120",
  "122",
  "190",
  "191",
  "192",
  "193",
  "911",
  "995",
  "997",
  "999",
]);
// North American N11 service codes (211 community services, 411 directory, 511 traffic, ...).
const serviceCodePattern = /^[2-8]11$/;

function normalizePhone(field: string, input: string): string {
  const compact = input.replace(/[\s().-]/g, "");
  if (emergencyNumbers.has(compact)) {
    throw invalidArgument(
      field,
      allowedAddresses,
      input,
      "is an emergency number, which cannot take part in a chat",
    );
  }
  if (serviceCodePattern.test(compact)) {
    throw invalidArgument(
      field,
      allowedAddresses,
      input,
      "is a service number (an N11 code such as 411 directory assistance), which cannot take part in a chat",
    );
  }
  if (/^\d{3,8}$/.test(compact)) {
    throw invalidArgument(
      field,
      allowedAddresses,
      input,
      "looks like a short code, which cannot take part in a chat",
    );
  }
  if (!input.startsWith("+")) {
    throw invalidArgument(
      field,
      allowedAddresses,
      input,
      'must be in international form with a leading "+" and country code (short codes and national numbers are not accepted)',
    );
  }
  const phone = parsePhoneNumberFromString(input);
  if (phone === undefined || !phone.isValid()) {
    throw invalidArgument(
      field,
      allowedAddresses,
      input,
      "is not a valid phone number for any country (short codes are not accepted)",
    );
  }
  const type = phone.getType();
  const serviceKind = type === undefined ? undefined : serviceNumberKinds.get(type);
  if (serviceKind !== undefined) {
    throw invalidArgument(
      field,
      "a personal mobile or landline number, or an email address",
      input,
      `is ${serviceKind}, a service number that cannot join a chat`,
    );
  }
  return phone.number;
}

/**
 * Normalises one address the way the server keys direct chats: emails lower-cased and
 * checked (a dot-atom local part, a host name with an alphabetic top-level label), phone
 * numbers parsed with libphonenumber-js and returned in E.164 (`+14155550100`; spaces,
 * dashes, dots and brackets may separate the digits). Surrounding whitespace is ignored.
 *
 * @throws ValidationError naming `field` (default `"address"`) for a value that is not
 * a string, is empty, is neither an email address nor a phone number, is an invalid
 * email, a national number without `+` and country code, a short code, a number that
 * is valid in no country, or a service number (premium-rate, shared-cost, UAN,
 * voicemail, pager).
 */
export function normalizeAddress(address: unknown, field = "address"): string {
  if (typeof address !== "string") {
    throw invalidArgument(field, `a string: ${allowedAddresses}`, address);
  }
  const input = address.trim();
  if (input === "") throw invalidArgument(field, allowedAddresses, address, "must not be empty");
  if (input.includes("@")) return normalizeEmail(field, input);
  if (/^\+?[\d\s().-]+$/.test(input)) return normalizePhone(field, input);
  throw invalidArgument(
    field,
    allowedAddresses,
    address,
    "is neither an email address nor a phone number",
  );
}
