import { setFocusStatus } from "../focus-status.js";
import { writeOperation } from "../write-operation.js";

/**
 * The named writes of this area, keyed "<area>.<operation>"; `write-operations.ts`
 * merges every area's map into the one registry.
 */
export const addressWrites = {
  "addresses.setFocusStatus": writeOperation(
    async (context, { accountId, isSilenced }: { accountId: number; isSilenced: boolean }) => ({
      isSilencedByFocus: await setFocusStatus(context, accountId, isSilenced),
    }),
  ),
} as const;
