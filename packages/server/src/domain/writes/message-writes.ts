import type { Account } from "../../auth/account.js";
import { type SendTextInput, sendText } from "../message-operations.js";
import { writeOperation } from "../write-operation.js";

/**
 * The named writes of this area, keyed "<area>.<operation>"; `write-operations.ts`
 * merges every area's map into the one registry.
 */
export const messageWrites = {
  "messages.sendText": writeOperation(
    async (context, { account, input }: { account: Account; input: SendTextInput }) => ({
      message: await sendText(context, account, input),
    }),
  ),
} as const;
