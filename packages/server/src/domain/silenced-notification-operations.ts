import type { Account } from "../auth/account.js";
import { invalidArgument, notFound } from "../errors/common-errors.js";
import { ServerError } from "../errors/server-error.js";
import type { WriteContext } from "../storage/write-context.js";
import { resolveChatForChange } from "./chat-records.js";

const guidPattern = /^[\x21-\x7e]{1,128}$/;

/**
 * "Notify anyway" for one of the caller's own messages in one of its chats: the
 * message is marked `did_notify_recipient` for everyone who reads it (GetMessage,
 * lists, later events that carry it). The published event protocol has no event for
 * this, so nothing is appended to any log; the write is durable and idempotent, and
 * asking again for the same message changes nothing. A chat or message the caller
 * cannot see: NOT_FOUND; someone else's or an unsent message: FAILED_PRECONDITION
 * (only the sender can ask to notify its recipients). Run inside a write.
 */
export async function notifySilencedMessage(
  context: WriteContext,
  account: Account,
  chatGuid: string,
  messageGuid: string,
): Promise<void> {
  const { chat } = await resolveChatForChange(context.repositories, account, chatGuid);
  if (!guidPattern.test(messageGuid)) {
    throw invalidArgument(
      `message_guid must be a message GUID (1 to 128 printable characters without spaces); received ${JSON.stringify(messageGuid.slice(0, 64))}`,
      { field: "message_guid" },
    );
  }
  const message = await context.repositories.messages.find(messageGuid);
  if (message === undefined || message.chatId !== chat.id) {
    throw notFound(
      `message ${JSON.stringify(messageGuid)} was not found in chat ${JSON.stringify(chatGuid)}`,
    );
  }
  if (message.senderAccountId !== account.id) {
    throw new ServerError(
      "FAILED_PRECONDITION",
      `message ${message.guid} was sent by ${message.senderAddress}; only its sender can notify silenced recipients anyway`,
    );
  }
  if (message.retractedAt !== null) {
    throw new ServerError(
      "FAILED_PRECONDITION",
      `message ${message.guid} was unsent; there is nothing to notify about`,
    );
  }
  await context.repositories.messages.markNotifiedAnyway(
    message.id,
    account.id,
    context.now.getTime(),
  );
}
