import { findDirectChat, insertDirectChat } from "../domain/chat-records.js";
import { insertMessage } from "../domain/message-records.js";
import type { Store } from "../storage/write-context.js";

/** Options of {@link seedChatMessages}. */
export interface ChatSeedOptions {
  /** The account that sends every message: its id and the address it sends as. */
  readonly sender: { readonly accountId: number; readonly address: string };
  /** The other side of the direct chat (it may or may not have an account). */
  readonly recipient: string;
  /** How many text messages to store. */
  readonly count: number;
}

// One transaction per 10,000 rows: 100,000 messages are stored in about a second.
const rowsPerTransaction = 10_000;

/**
 * Stores `count` text messages from `sender` in its direct chat with `recipient`
 * (created when missing) straight into the message tables, skipping the RPC layer and
 * the event log, so a list benchmark or test gets a long chat fast. Message `n` (from
 * 1) has the text `seeded message <n>`; GUIDs are fresh. Resolves once everything is
 * committed.
 */
export async function seedChatMessages(store: Store, options: ChatSeedOptions): Promise<void> {
  const { sender, recipient, count } = options;
  if (!Number.isSafeInteger(count) || count < 0) {
    throw new RangeError(`count must be a non-negative safe integer; received ${count}`);
  }
  const chat = await store.write(
    (context) =>
      findDirectChat(context.db, sender.address, recipient) ??
      insertDirectChat(context.db, sender.address, recipient, context.now),
  );
  for (let written = 0; written < count; ) {
    const batch = Math.min(rowsPerTransaction, count - written);
    await store.write((context) => {
      for (let number = written + 1; number <= written + batch; number += 1) {
        insertMessage(
          context.db,
          {
            chatId: chat.id,
            senderAddress: sender.address,
            senderAccountId: sender.accountId,
            kind: "text",
            text: `seeded message ${number}`,
            subject: null,
            effectId: null,
            replyToGuid: null,
          },
          context.now,
        );
      }
    });
    written += batch;
  }
}
