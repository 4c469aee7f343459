import { parsePhoneNumberFromString } from "libphonenumber-js/max";
import { invalidArgument } from "../errors/common-errors.js";
import { ServerError } from "../errors/server-error.js";

/** What an address may be; quoted in every rejection so the caller knows what to send. */
export const allowedAddressDescription =
  "a full email address (name@example.com) or a phone number in international E.164 form (+14155550100)";

const maxEmailLength = 254;
// Deliberately simple: one @, a local part without spaces, a dotted domain of letters,
// digits and hyphens with an alphabetic top-level label. Exotic RFC 5322 forms (quoted
// local parts, IP literals) are not reachable over iMessage and are refused.
// The local part is an RFC 5321 dot-atom: no leading, trailing or doubled dot.
const emailPattern =
  /^[a-z0-9!#$%&'*+/=?^_`{|}~-]+(?:\.[a-z0-9!#$%&'*+/=?^_`{|}~-]+)*@(?:[a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?\.)+[a-z]{2,63}$/;
// Digits (and common separators) only, without a leading +: what a short code looks like.
const shortCodePattern = /^[0-9]{3,8}$/;
// Emergency numbers dialled without a country code somewhere in the world (911 in North
// America, 112 across Europe and on GSM, 999 in the UK, 000 in Australia, 110/119 in
// Japan and China, 100-102 in India, 190-193 in Brazil, 111 in New Zealand, ...).
const emergencyNumbers = new Set([
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
// Numbers that reach a service rather than a person.
const serviceNumberTypes = new Set(["PREMIUM_RATE", "SHARED_COST", "UAN", "VOICEMAIL", "PAGER"]);

function reject(raw: string, problem: string): ServerError {
  return invalidArgument(
    `address ${JSON.stringify(raw)} ${problem}; each address must be ${allowedAddressDescription}`,
    { field: "addresses" },
  );
}

function normalizeEmail(raw: string, trimmed: string): string {
  const email = trimmed.toLowerCase();
  if (email.length > maxEmailLength || !emailPattern.test(email)) {
    throw reject(raw, "is not a valid email address");
  }
  return email;
}

function normalizePhone(raw: string, trimmed: string): string {
  const compact = trimmed.replace(/[\s().-]/g, "");
  if (emergencyNumbers.has(compact)) {
    throw reject(raw, "is an emergency number, which cannot take part in a chat");
  }
  if (serviceCodePattern.test(compact)) {
    throw reject(
      raw,
      "is a service number (an N11 code such as 411 directory assistance), which cannot take part in a chat",
    );
  }
  if (shortCodePattern.test(compact)) {
    throw reject(raw, "is a short code, which cannot take part in a chat");
  }
  if (!compact.startsWith("+")) {
    throw reject(raw, "is not in international form (it must start with + and the country code)");
  }
  const phone = parsePhoneNumberFromString(trimmed);
  if (phone === undefined || !phone.isValid()) {
    throw reject(raw, "is not a valid phone number");
  }
  const type = phone.getType();
  if (type !== undefined && serviceNumberTypes.has(type)) {
    throw reject(
      raw,
      `is a service number (${type.toLowerCase().replace("_", "-")}), which cannot take part in a chat`,
    );
  }
  return phone.number;
}

/**
 * Normalises one chat address: emails are lower-cased and checked, phone numbers are
 * parsed and returned in E.164. Throws INVALID_ARGUMENT naming the address and what
 * is allowed for an empty value, an invalid email, a number without a country code,
 * an emergency number (911, 112, ...), a short code, a service number (N11 codes,
 * premium rate, shared cost, UAN, voicemail, pager) or an invalid number.
 */
export function normalizeAddress(raw: string): string {
  const trimmed = raw.trim();
  if (trimmed.length === 0) throw reject(raw, "is empty");
  if (trimmed.includes("@")) return normalizeEmail(raw, trimmed);
  if (/[a-z]/i.test(trimmed)) throw reject(raw, "is neither an email address nor a phone number");
  return normalizePhone(raw, trimmed);
}

/**
 * Normalises a list of addresses with {@link normalizeAddress} and rejects an empty
 * list and duplicates after normalisation (INVALID_ARGUMENT naming both spellings).
 */
export function normalizeAddressList(raw: readonly string[], field = "addresses"): string[] {
  if (raw.length === 0) {
    throw invalidArgument(
      `${field} must list at least one address; each must be ${allowedAddressDescription}`,
      {
        field,
      },
    );
  }
  const seen = new Map<string, string>();
  for (const entry of raw) {
    const address = normalizeAddress(entry);
    const earlier = seen.get(address);
    if (earlier !== undefined) {
      throw invalidArgument(
        `${field} lists the same recipient twice: ${JSON.stringify(earlier)} and ${JSON.stringify(entry)} both normalise to ${JSON.stringify(address)}; each recipient may appear once`,
        { field },
      );
    }
    seen.set(address, entry);
  }
  return [...seen.keys()];
}

/**
 * Normalises the one address a lookup names (AddressService's `address`) with
 * {@link normalizeAddress}; a rejection is the same INVALID_ARGUMENT, naming `field`.
 */
export function normalizeRequestAddress(raw: string, field: string): string {
  try {
    return normalizeAddress(raw);
  } catch (error) {
    if (error instanceof ServerError && error.errorCode === "INVALID_ARGUMENT") {
      throw invalidArgument(error.message, { field });
    }
    throw error;
  }
}
