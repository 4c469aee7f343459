import { runWrite } from "../domain/write-operations.js";
import type { EventToAppend } from "../domain/writes/log-writes.js";
import type { ThreadlineServer } from "../server.js";

/** Options of {@link seedReceivedMessages}. */
export interface SeedOptions {
  /** Address of the person the messages come from. Default `peer@example.com`. */
  readonly from?: string;
  /** Prefix of every message GUID (`<prefix>-<n>`). Default `seeded`. */
  readonly guidPrefix?: string;
}

// Large transactions: one fsync per 10,000 events seeds a million events in seconds.
const eventsPerTransaction = 10_000;

/**
 * Appends `count` text messages received from one person straight into an account's
 * log, skipping the RPC layer, so a benchmark or catch-up test gets a long log fast.
 * Every event is a `message.received` in the direct chat with that person.
 */
export async function seedReceivedMessages(
  server: ThreadlineServer,
  accountId: number,
  count: number,
  options: SeedOptions = {},
): Promise<void> {
  if (!Number.isSafeInteger(count) || count < 0) {
    throw new RangeError(`count must be a non-negative safe integer; received ${count}`);
  }
  const from = options.from ?? "peer@example.com";
  const prefix = options.guidPrefix ?? "seeded";
  const chatGuid = `any;-;${from}`;
  const sender = { address: from, service: 1 };
  const seconds = Math.floor(Date.now() / 1000);
  for (let written = 0; written < count; ) {
    const batch = Math.min(eventsPerTransaction, count - written);
    const events: EventToAppend[] = [];
    for (let number = written + 1; number <= written + batch; number++) {
      events.push({
        accountId,
        event: {
          kind: "message",
          event: {
            chatGuid,
            occurredAt: { seconds, nanos: 0 },
            isFromMe: false,
            actor: sender,
            messageReceived: {
              message: {
                guid: `${prefix}-${number}`,
                content: { text: `seeded message number ${number}` },
                dateCreated: { seconds, nanos: 0 },
                sender,
                chatGuids: [chatGuid],
              },
            },
          },
        },
      });
    }
    await runWrite(server.store, "log.appendEvents", { events });
    written += batch;
  }
}
