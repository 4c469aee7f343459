import { findOrInsertDirectChat } from "../chat-records.js";
import { insertMessage } from "../message-records.js";
import { writeOperation } from "../write-operation.js";

/** Who sends the seeded messages: the account id and the address it sends as. */
export interface SeedSender {
  readonly accountId: number;
  readonly address: string;
}

/**
 * The named writes of the testing seeds (`testing/seed-*.ts`), keyed "<area>.<operation>":
 * they fill tables straight, skipping the RPC layer and the event log, for benchmarks
 * and tests that need a lot of data fast.
 */
export const seedWrites = {
  /** The direct chat of `own` with `other`, created when missing; resolves with its id. */
  "seed.directChat": writeOperation(
    async (
      context,
      { own, other }: { own: string; other: string },
    ): Promise<{ chatId: number }> => {
      const chat = await findOrInsertDirectChat(context.repositories, own, other, context.now);
      return { chatId: chat.id };
    },
  ),

  /**
   * Stores `count` text messages from `sender` in the chat, numbered from `first`
   * (message `n` has the text `seeded message <n>`), with fresh GUIDs.
   */
  "seed.chatMessages": writeOperation(
    async (
      context,
      input: { chatId: number; sender: SeedSender; first: number; count: number },
    ): Promise<void> => {
      for (let number = input.first; number < input.first + input.count; number += 1) {
        await insertMessage(
          context.repositories,
          {
            chatId: input.chatId,
            senderAddress: input.sender.address,
            senderAccountId: input.sender.accountId,
            kind: "text",
            text: `seeded message ${number}`,
            subject: null,
            effectId: null,
            replyToGuid: null,
          },
          context.now,
        );
      }
    },
  ),
} as const;
