import { photon } from "@threadline/protocol";
import { parsePhoneNumberFromString } from "libphonenumber-js/max";
import type { Account } from "../auth/account.js";
import { findAccountIdsByAddresses } from "../auth/account-directory.js";
import { notFound } from "../errors/common-errors.js";
import type { Repositories } from "../storage/repositories.js";
import { normalizeRequestAddress } from "./address.js";
import { focusStatusOf } from "./focus-status.js";

type MultiServiceAddressInfo = photon.imessage.v1.MultiServiceAddressInfo.$Properties;

// AddressService requests name their address in this field.
const addressField = "address";

async function accountIdOf(
  repositories: Repositories,
  address: string,
): Promise<number | undefined> {
  return (await findAccountIdsByAddresses(repositories, [address])).get(address);
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
export async function iMessageAvailability(
  repositories: Repositories,
  rawAddress: string,
): Promise<boolean> {
  const address = normalizeRequestAddress(rawAddress, addressField);
  return (await accountIdOf(repositories, address)) !== undefined;
}

/**
 * GetFocusStatus: the Focus status the address's account set for itself through
 * threadline.v1.FocusStatusService; false for an address without an account and for
 * an account that never set one. Every caller sees the same answer.
 *
 * @throws ServerError INVALID_ARGUMENT (field `address`) for a malformed address.
 */
export async function focusStatusOfAddress(
  repositories: Repositories,
  rawAddress: string,
): Promise<boolean> {
  const address = normalizeRequestAddress(rawAddress, addressField);
  const accountId = await accountIdOf(repositories, address);
  return accountId === undefined ? false : focusStatusOf(repositories, accountId);
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
export async function addressInfoFor(
  repositories: Repositories,
  viewer: Account,
  rawAddress: string,
): Promise<MultiServiceAddressInfo> {
  const address = normalizeRequestAddress(rawAddress, addressField);
  const country = countryOf(address);
  const known = (services: photon.imessage.v1.ChatServiceType[]): MultiServiceAddressInfo => ({
    address,
    services,
    ...(country === undefined ? {} : { country }),
  });
  if ((await accountIdOf(repositories, address)) !== undefined) {
    return known([photon.imessage.v1.ChatServiceType.CHAT_SERVICE_TYPE_IMESSAGE]);
  }
  // Whether the address is a current participant of a chat one of the viewer's is in.
  if (await repositories.addresses.sharesAChat(address, viewer.addresses)) return known([]);
  throw notFound(
    `this server knows nothing about ${JSON.stringify(address)}: no account has it and it takes part in none of your chats; GetAddressInfo knows registered addresses and the participants of your chats`,
  );
}
