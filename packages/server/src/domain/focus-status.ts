import type { Repositories } from "../storage/repositories.js";
import type { WriteContext } from "../storage/write-context.js";

/**
 * Whether the account has said that Focus silences its notifications. An account that
 * never set a status is not silenced.
 */
export function focusStatusOf(repositories: Repositories, accountId: number): Promise<boolean> {
  return repositories.addresses.focusStatus(accountId);
}

/**
 * Replaces the account's Focus status and returns the stored value. Setting the value
 * it already has changes nothing (not even the update time). It writes no log event:
 * the published event protocol has none for Focus, so clients read the status with
 * AddressService.GetFocusStatus. Run it inside a write (the named write
 * `addresses.setFocusStatus`), so it is durable when the write resolves.
 */
export async function setFocusStatus(
  context: WriteContext,
  accountId: number,
  isSilenced: boolean,
): Promise<boolean> {
  await context.repositories.addresses.setFocusStatus(accountId, isSilenced, context.now.getTime());
  return focusStatusOf(context.repositories, accountId);
}
