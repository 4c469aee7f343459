/**
 * What the server knows of addresses beyond accounts: who shares a chat with whom
 * (availability) and each account's Focus status.
 *
 * Every method is async, takes and returns plain data (no driver types), and is
 * implemented by both engines: `storage/sqlite/` and `storage/postgres/`. Inside a
 * write it runs in the write's transaction; outside it reads committed data.
 */
export interface AddressRepository {
  /**
   * Whether `address` is a current participant of a chat in which one of
   * `viewerAddresses` is a current participant too.
   */
  sharesAChat(address: string, viewerAddresses: readonly string[]): Promise<boolean>;
  /** Whether the account said Focus silences it; false for one that never set a status. */
  focusStatus(accountId: number): Promise<boolean>;
  /**
   * Stores the account's Focus status with `updatedAt` (epoch ms). Setting the value it
   * already has changes nothing, not even the update time.
   */
  setFocusStatus(accountId: number, isSilenced: boolean, updatedAt: number): Promise<void>;
}
