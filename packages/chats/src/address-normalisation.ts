import { invalidArgument, normalizeAddress } from "@threadline/core";

/**
 * Normalises the recipients of `chats.create(...)` with core's `normalizeAddress` (the
 * one address rule of the SDK). What is specific to creating a chat lives here: at
 * least one recipient, and no recipient twice.
 *
 * @throws ValidationError when `addresses` is not a non-empty array, when any address
 * is invalid (the field names its index), or when two addresses are the same after
 * normalisation.
 * @internal not covered by semver
 */
export function normaliseAddresses(addresses: unknown): string[] {
  if (!Array.isArray(addresses)) {
    throw invalidArgument(
      "addresses",
      "an array of one or more email addresses or E.164 phone numbers",
      addresses,
    );
  }
  if (addresses.length === 0) {
    throw invalidArgument(
      "addresses",
      "at least one email address or E.164 phone number (one for a direct chat, two or more for a group)",
      addresses,
      "must not be empty",
    );
  }
  const firstIndex = new Map<string, number>();
  const normalised: string[] = [];
  // An index loop, not map(): map() skips the holes of a sparse array.
  for (let index = 0; index < addresses.length; index += 1) {
    const value: unknown = addresses[index];
    const field = `addresses[${index}]`;
    const address = normalizeAddress(value, field);
    const earlier = firstIndex.get(address);
    if (earlier !== undefined) {
      throw invalidArgument(
        field,
        "each recipient at most once",
        value,
        `repeats addresses[${earlier}] (both are ${address} after normalisation)`,
      );
    }
    firstIndex.set(address, index);
    normalised.push(address);
  }
  return normalised;
}
