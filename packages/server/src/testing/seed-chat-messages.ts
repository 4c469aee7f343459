import { runWrite } from "../domain/write-operations.js";
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
export async function seedChatMessages(
  store: Pick<Store, "run">,
  options: ChatSeedOptions,
): Promise<void> {
  const { sender, recipient, count } = options;
  if (!Number.isSafeInteger(count) || count < 0) {
    throw new RangeError(`count must be a non-negative safe integer; received ${count}`);
  }
  const { chatId } = await runWrite(store, "seed.directChat", {
    own: sender.address,
    other: recipient,
  });
  for (let written = 0; written < count; ) {
    const batch = Math.min(rowsPerTransaction, count - written);
    await runWrite(store, "seed.chatMessages", {
      chatId,
      sender: { accountId: sender.accountId, address: sender.address },
      first: written + 1,
      count: batch,
    });
    written += batch;
  }
}
