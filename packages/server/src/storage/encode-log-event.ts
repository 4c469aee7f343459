import { photon } from "@threadline/protocol";
import { encodeOccurredAtField, insertAfterLeadingFields } from "./occurred-at-field.js";
import type { LogEventInput } from "./write-context.js";

/** A log input reduced to what the `event_log` row stores. */
export interface EncodedLogEvent {
  readonly chatGuid: string;
  readonly pollGuid: string | null;
  readonly payload: Uint8Array;
}

/**
 * Encodes the inner change event once, at append time; frames are later built by
 * concatenation. An unset `occurredAt` becomes `now`. Throws `TypeError` for an event
 * without a chat GUID (a poll event also needs its poll message GUID), because such an
 * event could never be filtered or shown.
 */
export function encodeLogEvent(input: LogEventInput, now: Date): EncodedLogEvent {
  const chatGuid = input.event.chatGuid;
  if (typeof chatGuid !== "string" || chatGuid.length === 0) {
    throw new TypeError(`a ${input.kind} event must have a non-empty chatGuid`);
  }
  let pollGuid: string | null = null;
  if (input.kind === "poll") {
    const guid = input.event.pollMessageGuid;
    if (typeof guid !== "string" || guid.length === 0) {
      throw new TypeError("a poll event must have a non-empty pollMessageGuid");
    }
    pollGuid = guid;
  }
  return { chatGuid, pollGuid, payload: encodePayload(input, now) };
}

// Field number of `occurred_at` in each change event, and how many string fields precede
// it (chat_guid; poll events also poll_message_guid).
const occurredAtPosition = {
  message: { fieldNumber: 2, leadingFields: 1 },
  group: { fieldNumber: 2, leadingFields: 1 },
  chat: { fieldNumber: 2, leadingFields: 1 },
  poll: { fieldNumber: 3, leadingFields: 2 },
} as const;

function encodePayload(input: LogEventInput, now: Date): Uint8Array {
  if (input.event.occurredAt != null) return encodeInner(input);
  // Most events leave occurredAt unset. Copying each event to set it and encoding the
  // Timestamp per event cost more than the rest of the encoding; instead encode the
  // event as given and insert the batch's encoded time where the encoder would put it.
  // The leading GUID fields were checked non-empty above, so the encoder always writes
  // them first.
  const position = occurredAtPosition[input.kind];
  const withTime = insertAfterLeadingFields(
    encodeInner(input),
    position.leadingFields,
    encodeOccurredAtField(position.fieldNumber, now),
  );
  if (withTime === undefined) {
    throw new Error(`encoded ${input.kind} event does not start with its GUID fields`);
  }
  return withTime;
}

function encodeInner(input: LogEventInput): Uint8Array {
  const v1 = photon.imessage.v1;
  switch (input.kind) {
    case "message":
      return v1.MessageChangeEvent.encode(input.event).finish();
    case "group":
      return v1.GroupChangeEvent.encode(input.event).finish();
    case "chat":
      return v1.ChatChangeEvent.encode(input.event).finish();
    case "poll":
      return v1.PollChangeEvent.encode(input.event).finish();
  }
}
