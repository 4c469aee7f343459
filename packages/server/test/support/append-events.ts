import { runWrite } from "../../src/domain/write-operations.js";
import type { LogEventInput, Store } from "../../src/index.js";

/** A message event for `chatGuid` (the payload content does not matter to the log). */
export function messageEvent(chatGuid: string, text = "hello"): LogEventInput {
  return {
    kind: "message",
    event: {
      chatGuid,
      isFromMe: false,
      messageReceived: { message: { guid: `m-${text}`, chatGuids: [chatGuid] } },
    },
  };
}

/**
 * Appends `count` message events to the account's log in one durable write. The engine
 * assigns their sequences when the write commits; read them from the log
 * (`store.repositories.eventLog`) when a test needs them.
 */
export async function appendMessages(
  store: Pick<Store, "run">,
  accountId: number,
  count: number,
  chatGuid = "any;-;bob@example.com",
): Promise<void> {
  const events = Array.from({ length: count }, (_, index) => ({
    accountId,
    event: messageEvent(chatGuid, `event-${index}`),
  }));
  await runWrite(store, "log.appendEvents", { events });
}
