import { photon } from "@threadline/protocol";
import type { Database } from "better-sqlite3";
import { parsePhoneNumberFromString } from "libphonenumber-js/max";
import type { Account } from "../auth/account.js";
import { findAccountIdsByAddresses } from "../auth/account-directory.js";
import { notFound } from "../errors/common-errors.js";
import { cachedStatement } from "../storage/statement-cache.js";
import { normalizeRequestAddress } from "./address.js";
import { focusStatusOf } from "./focus-status.js";

type MultiServiceAddressInfo = photon.imessage.v1.MultiServiceAddressInfo.$Properties;

// AddressService requests name their address in this field.
const addressField = "address";

function accountIdOf(db: Database, address: string): number | undefined {
  return findAccountIdsByAddresses(db, [address]).get(address);
}

/** Whether `address` is a current participant of a chat one of the viewer's addresses is in. */
function sharesAChat(db: Database, viewer: Account, address: string): boolean {
  const statement = cachedStatement<[string, string], { found: number }>(
    db,
    `SELECT 1 AS found FROM chat_participants theirs
     JOIN chat_participants mine ON mine.chat_id = theirs.chat_id
     WHERE theirs.address = ? AND mine.address = ? LIMIT 1`,
  );
  return viewer.addresses.some((own) => statement.get(address, own) !== undefined);
}

/** The ISO 3166-1 alpha-2 region of an E.164 number; undefined for emails and non-geographic numbers. */
function countryOf(address: string): string | undefined {
  if (!address.startsWith("+")) return undefined;
  return parsePhoneNumberFromString(address)?.country;
}

/**
 * GetIMessageAvailability: an address is available over iMessage exactly when it
 * belongs to an account registered on this server (compared after normalisation).
 *
 * @throws ServerError INVALID_ARGUMENT (field `address`) for an address that is not an
 * email or an E.164 phone number.
 */
export function iMessageAvailability(db: Database, rawAddress: string): boolean {
  const address = normalizeRequestAddress(rawAddress, addressField);
  return accountIdOf(db, address) !== undefined;
}

/**
 * GetFocusStatus: the Focus status the address's account set for itself through
 * threadline.v1.FocusStatusService; false for an address without an account and for
 * an account that never set one. Every caller sees the same answer.
 *
 * @throws ServerError INVALID_ARGUMENT (field `address`) for a malformed address.
 */
export function focusStatusOfAddress(db: Database, rawAddress: string): boolean {
  const address = normalizeRequestAddress(rawAddress, addressField);
  const accountId = accountIdOf(db, address);
  return accountId === undefined ? false : focusStatusOf(db, accountId);
}

/**
 * GetAddressInfo: what this server knows about an address, from `viewer`'s side. An
 * address of a registered account is on iMessage; an address without an account that
 * takes part in one of the viewer's chats is known but reachable over no service
 * (`services` empty). The country is the region of an E.164 number (absent for email
 * addresses and non-geographic numbers).
 *
 * @throws ServerError INVALID_ARGUMENT (field `address`) for a malformed address, and
 * NOT_FOUND when no account has the address and it is in none of the viewer's chats
 * (other accounts' chats are not looked at).
 */
export function addressInfoFor(
  db: Database,
  viewer: Account,
  rawAddress: string,
): MultiServiceAddressInfo {
  const address = normalizeRequestAddress(rawAddress, addressField);
  const country = countryOf(address);
  const known = (services: photon.imessage.v1.ChatServiceType[]): MultiServiceAddressInfo => ({
    address,
    services,
    ...(country === undefined ? {} : { country }),
  });
  if (accountIdOf(db, address) !== undefined) {
    return known([photon.imessage.v1.ChatServiceType.CHAT_SERVICE_TYPE_IMESSAGE]);
  }
  if (sharesAChat(db, viewer, address)) return known([]);
  throw notFound(
    `this server knows nothing about ${JSON.stringify(address)}: no account has it and it takes part in none of your chats; GetAddressInfo knows registered addresses and the participants of your chats`,
  );
}
