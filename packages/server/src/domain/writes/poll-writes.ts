import type { Account } from "../../auth/account.js";
import {
  addPollOption,
  type CreatePollInput,
  createPoll,
  unvotePoll,
  votePoll,
} from "../poll-operations.js";
import { writeOperation } from "../write-operation.js";

/**
 * The named writes of this area, keyed "<area>.<operation>"; `write-operations.ts`
 * merges every area's map into the one registry.
 */
export const pollWrites = {
  "polls.create": writeOperation(
    async (
      context,
      { account, chatGuid, input }: { account: Account; chatGuid: string; input: CreatePollInput },
    ) => ({ poll: await createPoll(context, account, chatGuid, input) }),
  ),
  "polls.vote": writeOperation(
    async (
      context,
      {
        account,
        pollGuid,
        optionIdentifier,
      }: { account: Account; pollGuid: string; optionIdentifier: string },
    ) => ({ poll: await votePoll(context, account, pollGuid, optionIdentifier) }),
  ),
  "polls.unvote": writeOperation(
    async (context, { account, pollGuid }: { account: Account; pollGuid: string }) => ({
      poll: await unvotePoll(context, account, pollGuid),
    }),
  ),
  "polls.addOption": writeOperation(
    async (
      context,
      { account, pollGuid, text }: { account: Account; pollGuid: string; text: string },
    ) => ({ poll: await addPollOption(context, account, pollGuid, text) }),
  ),
} as const;
