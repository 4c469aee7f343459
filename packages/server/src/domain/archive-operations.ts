import type { Account } from "../auth/account.js";
import type { WriteContext } from "../storage/write-context.js";
import { chatAccountState, setArchived } from "./chat-account-state.js";
import { resolveChatForChange } from "./chat-records.js";
import { envelopeFor } from "./event-envelope.js";

/**
 * Archives (`archived` true) or unarchives the chat for the caller only: archive state
 * is per account, so `chat.archived` / `chat.unarchived` goes to the caller's own log.
 * Already in that state: no change, no event. Run inside a write.
 */
export async function setChatArchived(
  context: WriteContext,
  account: Account,
  chatGuid: string,
  archived: boolean,
): Promise<void> {
  const { repositories } = context;
  const { chat, viewer } = await resolveChatForChange(repositories, account, chatGuid);
  const state = await chatAccountState(repositories, chat.id, account.id);
  if (state.isArchived === archived) return;
  await setArchived(repositories, chat.id, account.id, archived);
  const envelope = envelopeFor(
    viewer,
    { accountId: account.id, address: viewer.address },
    context.now,
  );
  context.appendEvent(account.id, {
    kind: "chat",
    event: archived ? { ...envelope, archived: {} } : { ...envelope, unarchived: {} },
  });
}
