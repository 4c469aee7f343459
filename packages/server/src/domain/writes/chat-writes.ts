import type { Account } from "../../auth/account.js";
import { setChatArchived } from "../archive-operations.js";
import {
  type CreateChatInput,
  createChat,
  markChatRead,
  removeBackground,
  setBackground,
  shareContactInfo,
} from "../chat-operations.js";
import type { ImageType } from "../image-type.js";
import { writeOperation } from "../write-operation.js";

/** A write on one chat the caller names by its own GUID for it. */
export interface ChatInput {
  readonly account: Account;
  readonly chatGuid: string;
}

/**
 * The named writes of this area, keyed "<area>.<operation>"; `write-operations.ts`
 * merges every area's map into the one registry.
 */
export const chatWrites = {
  "chats.create": writeOperation(
    async (context, { account, input }: { account: Account; input: CreateChatInput }) =>
      createChat(context, account, input),
  ),
  "chats.markRead": writeOperation(async (context, { account, chatGuid }: ChatInput) => {
    await markChatRead(context, account, chatGuid);
    return {};
  }),
  "chats.shareContactInfo": writeOperation(async (context, { account, chatGuid }: ChatInput) => {
    await shareContactInfo(context, account, chatGuid);
    return {};
  }),
  "chats.setBackground": writeOperation(
    async (
      context,
      {
        account,
        chatGuid,
        image,
      }: ChatInput & { image: { readonly bytes: Uint8Array; readonly type: ImageType } },
    ) => {
      await setBackground(context, account, chatGuid, image);
      return {};
    },
  ),
  "chats.removeBackground": writeOperation(async (context, { account, chatGuid }: ChatInput) => {
    await removeBackground(context, account, chatGuid);
    return {};
  }),
  "chats.setArchived": writeOperation(
    async (context, { account, chatGuid, archived }: ChatInput & { archived: boolean }) => {
      await setChatArchived(context, account, chatGuid, archived);
      return {};
    },
  ),
} as const;
