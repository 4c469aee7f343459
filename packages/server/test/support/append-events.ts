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

/** Appends `count` message events to the account's log in one durable write; returns their sequences. */
export function appendMessages(
  store: Store,
  accountId: number,
  count: number,
  chatGuid = "any;-;bob@example.com",
): Promise<number[]> {
  return store.write((context) => {
    const sequences: number[] = [];
    for (let index = 0; index < count; index += 1) {
      sequences.push(context.appendEvent(accountId, messageEvent(chatGuid, `event-${index}`)));
    }
    return sequences;
  });
}
