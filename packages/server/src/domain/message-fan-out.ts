import type { WriteContext } from "../storage/write-context.js";
import {
  type ChatRecord,
  type ChatViewer,
  chatAfterInsertWithOwners,
  chatViewers,
  type ResolvedChat,
} from "./chat-records.js";
import { envelopeFor } from "./event-envelope.js";
import { insertMessage, type MessageRecord, type NewMessage } from "./message-records.js";
import {
  freshMessageFacts,
  loadMessageViewFacts,
  type MessageViewFacts,
  messageViewFrom,
} from "./message-view.js";

/** A message a send stored, with the facts its views are built from. */
export interface SentMessage {
  readonly message: MessageRecord;
  /** What its views show beside the row, as the send left it (see {@link messageViewFrom}). */
  readonly facts: MessageViewFacts;
}

/**
 * Stores a new message in `chat` from `sender` and appends `message.received` to the
 * log of every account that can see the chat, each with its own chat GUID and
 * `isFromMe`. The sender's unread count is untouched; everyone else's grows by one
 * (unread counts are derived from the messages after each account's read marker).
 * `beforeFanOut` runs once the row exists and before any event is written, for rows
 * that belong to the message (its attachment bubbles, say) and must be in its events.
 * The events go to the participants as they are once the row exists
 * ({@link chatAfterInsert}): NOT_FOUND when the sender was removed meanwhile.
 */
export async function sendMessage(
  context: WriteContext,
  chat: ChatRecord,
  sender: ChatViewer,
  fields: Omit<NewMessage, "chatId" | "senderAddress" | "senderAccountId">,
  beforeFanOut?: (message: MessageRecord) => void | Promise<void>,
): Promise<MessageRecord> {
  return (await sendMessageWithFacts(context, { chat, viewer: sender }, fields, beforeFanOut))
    .message;
}

/**
 * {@link sendMessage} into the chat `sender` resolved, also resolving with the facts every view of the message was
 * built from, so the caller answers with `messageViewFrom(message, facts, …)` and reads
 * nothing again. `sender` is the sender's resolved chat; the owners it carries
 * ({@link resolveChatWithOwners}) spare the fan-out's read of them. A message without `beforeFanOut` is read not at all: a row just
 * stored has no tapbacks, attachments, mentions, card or stickers. With `beforeFanOut`,
 * what it added is read once, for every viewer.
 */
export async function sendMessageWithFacts(
  context: WriteContext,
  { chat, viewer: sender, owners: knownOwners }: ResolvedChat,
  fields: Omit<NewMessage, "chatId" | "senderAddress" | "senderAccountId">,
  beforeFanOut?: (message: MessageRecord) => void | Promise<void>,
): Promise<SentMessage> {
  const message = await insertMessage(
    context.repositories,
    {
      ...fields,
      chatId: chat.id,
      senderAddress: sender.address,
      senderAccountId: sender.accountId,
    },
    context.now,
  );
  const { chat: current, owners } = await chatAfterInsertWithOwners(
    context.repositories,
    chat,
    sender,
    knownOwners,
  );
  let facts = freshMessageFacts;
  if (beforeFanOut !== undefined) {
    await beforeFanOut(message);
    facts = await loadMessageViewFacts(context.repositories, message, []);
  }
  const actor = { accountId: sender.accountId, address: sender.address };
  for (const viewer of await chatViewers(context.repositories, current, owners)) {
    context.appendEvent(viewer.accountId, {
      kind: "message",
      event: {
        ...envelopeFor(viewer, actor, context.now),
        messageReceived: {
          message: messageViewFrom(message, facts, viewer.accountId, viewer.chatGuid),
        },
      },
    });
  }
  return { message, facts };
}
