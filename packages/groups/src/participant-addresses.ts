import { invalidArgument, normalizeAddress } from "@threadline/core";

/** Most addresses one `addParticipants` / `removeParticipants` call may list (the server's limit). */
export const maxParticipantsPerCall = 100;

const allowedList = `an array of 1 to ${maxParticipantsPerCall} email addresses or E.164 phone numbers, each listed once`;

/**
 * Checks and normalises the addresses of `addParticipants` / `removeParticipants` with
 * core's address rules: a non-empty array of at most {@link maxParticipantsPerCall}
 * addresses, none repeated after normalisation.
 *
 * @throws ValidationError naming the list or the offending entry (`addresses[2]`).
 * @internal not covered by semver
 */
export function checkParticipantAddresses(field: string, value: unknown): string[] {
  if (!Array.isArray(value)) throw invalidArgument(field, allowedList, value);
  if (value.length === 0 || value.length > maxParticipantsPerCall) {
    throw invalidArgument(field, allowedList, value, `lists ${value.length} addresses`);
  }
  const firstIndex = new Map<string, number>();
  const normalised: string[] = [];
  // An index loop, not map(): map() skips the holes of a sparse array.
  for (let index = 0; index < value.length; index += 1) {
    const entry: unknown = value[index];
    const address = normalizeAddress(entry, `${field}[${index}]`);
    const earlier = firstIndex.get(address);
    if (earlier !== undefined) {
      throw invalidArgument(
        `${field}[${index}]`,
        "an address not listed before in this call",
        entry,
        `repeats ${field}[${earlier}] (both are ${address} after normalisation)`,
      );
    }
    firstIndex.set(address, index);
    normalised.push(address);
  }
  return normalised;
}
