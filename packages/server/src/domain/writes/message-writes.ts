import type { Account } from "../../auth/account.js";
import {
  editMessage,
  type MessageTargetInput,
  type ReactionInput,
  type SendTextInput,
  sendText,
  setReaction,
  unsendMessage,
} from "../message-operations.js";
import { notifySilencedMessage } from "../silenced-notification-operations.js";
import { writeOperation } from "../write-operation.js";

/** A write on one message the caller names by a `MessageTarget` (checked inside the write). */
export interface TargetInput {
  readonly account: Account;
  readonly target: MessageTargetInput | null;
}

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
  "messages.edit": writeOperation(
    async (context, { account, target, newText }: TargetInput & { newText: string }) => ({
      message: await editMessage(context, account, target, newText),
    }),
  ),
  "messages.unsend": writeOperation(async (context, { account, target }: TargetInput) => {
    await unsendMessage(context, account, target);
    return {};
  }),
  "messages.setReaction": writeOperation(
    async (
      context,
      {
        account,
        target,
        reaction,
        isSet,
      }: TargetInput & { reaction: ReactionInput; isSet: boolean },
    ) => ({ message: await setReaction(context, account, target, reaction, isSet) }),
  ),
  "messages.notifySilenced": writeOperation(
    async (
      context,
      {
        account,
        chatGuid,
        messageGuid,
      }: { account: Account; chatGuid: string; messageGuid: string },
    ) => {
      await notifySilencedMessage(context, account, chatGuid, messageGuid);
      return {};
    },
  ),
} as const;
