import type { Account } from "../auth/account.js";
import type { WriteContext } from "../storage/write-context.js";
import { chatAccountState, setArchived } from "./chat-account-state.js";
import { resolveChat } from "./chat-records.js";
import { envelopeFor } from "./event-envelope.js";

/**
 * Archives (`archived` true) or unarchives the chat for the caller only: archive state
 * is per account, so `chat.archived` / `chat.unarchived` goes to the caller's own log.
 * Already in that state: no change, no event. Run inside a write.
 */
export function setChatArchived(
  context: WriteContext,
  account: Account,
  chatGuid: string,
  archived: boolean,
): void {
  const { chat, viewer } = resolveChat(context.db, account, chatGuid);
  if (chatAccountState(context.db, chat.id, account.id).isArchived === archived) return;
  setArchived(context.db, chat.id, account.id, archived);
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
