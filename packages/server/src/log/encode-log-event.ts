import { photon, timestampFromDate } from "@threadline/protocol";
import type { LogEventInput } from "../storage/write-context.js";

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
  const occurredAt = input.event.occurredAt ?? timestampFromDate(now);
  const v1 = photon.imessage.v1;
  switch (input.kind) {
    case "message":
      return {
        chatGuid,
        pollGuid: null,
        payload: v1.MessageChangeEvent.encode({ ...input.event, occurredAt }).finish(),
      };
    case "group":
      return {
        chatGuid,
        pollGuid: null,
        payload: v1.GroupChangeEvent.encode({ ...input.event, occurredAt }).finish(),
      };
    case "chat":
      return {
        chatGuid,
        pollGuid: null,
        payload: v1.ChatChangeEvent.encode({ ...input.event, occurredAt }).finish(),
      };
    case "poll": {
      const pollGuid = input.event.pollMessageGuid;
      if (typeof pollGuid !== "string" || pollGuid.length === 0) {
        throw new TypeError("a poll event must have a non-empty pollMessageGuid");
      }
      return {
        chatGuid,
        pollGuid,
        payload: v1.PollChangeEvent.encode({ ...input.event, occurredAt }).finish(),
      };
    }
  }
}
