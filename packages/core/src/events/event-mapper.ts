import { timestampToDate } from "@threadline/protocol";
import { ProtocolError } from "../errors/error-classes.js";
import type {
  ChatEvent,
  DomainEvent,
  EventContext,
  EventDomain,
  GroupChange,
  MessageEvent,
  PollChangeDelta,
  UnknownEvent,
} from "./domain-events.js";
import type { WireFields } from "./wire-fields.js";
import {
  addressFromWire,
  attachmentFromWire,
  contentFromWire,
  messageFromWire,
  placementFromWire,
  pollOptionFromWire,
  reactionFromWire,
} from "./wire-values.js";

/**
 * The fields of a frame that carries at most one durable event: a
 * `CatchUpEventsResponse`, one element of an `EventBatch`, or any
 * `Subscribe*EventsResponse` (which carry a subset of the payloads).
 */
export interface EventFrame {
  readonly sequence?: number | null | undefined;
  readonly messageChanged?: WireFields<"MessageChangeEvent"> | null | undefined;
  readonly chatChanged?: WireFields<"ChatChangeEvent"> | null | undefined;
  readonly groupChanged?: WireFields<"GroupChangeEvent"> | null | undefined;
  readonly pollChanged?: WireFields<"PollChangeEvent"> | null | undefined;
  readonly heartbeat?: object | null | undefined;
  readonly complete?: object | null | undefined;
}

function present<T>(value: T | null | undefined): value is T {
  return value !== null && value !== undefined;
}

interface Envelope {
  readonly chatGuid?: string | null | undefined;
  readonly occurredAt?: WireFields<"MessageChangeEvent">["occurredAt"];
  readonly actor?: WireFields<"SingleServiceAddressInfo"> | null | undefined;
  readonly isFromMe?: boolean | null | undefined;
}

// Built by assignment rather than object spread: this runs once per event on the
// catch-up hot path, and spreading conditional objects was the slowest part of it.
function context(sequence: number, envelope: Envelope): EventContext {
  const fields: { -readonly [Key in keyof EventContext]: EventContext[Key] } = {
    sequence,
    occurredAt: timestampToDate(envelope.occurredAt),
    chatGuid: envelope.chatGuid ?? "",
    isFromMe: envelope.isFromMe === true,
  };
  if (present(envelope.actor)) fields.actor = addressFromWire(envelope.actor);
  return fields;
}

function unknownEvent(sequence: number, domain?: EventDomain, envelope?: Envelope): UnknownEvent {
  if (domain === undefined || envelope === undefined) return { type: "unknown", sequence };
  return Object.assign(context(sequence, envelope), { type: "unknown" as const, domain });
}

function targetPart(index: number | null | undefined): { targetPartIndex?: number } {
  return present(index) ? { targetPartIndex: index } : {};
}

function messageEvent(
  sequence: number,
  wire: WireFields<"MessageChangeEvent">,
): MessageEvent | UnknownEvent {
  const base = context(sequence, wire);
  if (present(wire.messageReceived)) {
    return Object.assign(base, {
      type: "message.received" as const,
      message: messageFromWire(wire.messageReceived.message ?? {}),
    });
  }
  if (present(wire.messageEdited)) {
    const change = wire.messageEdited;
    return Object.assign(base, {
      type: "message.edited" as const,
      messageGuid: change.messageGuid ?? "",
      content: contentFromWire(change.content),
      editedAt: timestampToDate(change.editedAt),
    });
  }
  if (present(wire.messageRead)) {
    const change = wire.messageRead;
    return Object.assign(base, {
      type: "message.read" as const,
      messageGuid: change.messageGuid ?? "",
      readAt: timestampToDate(change.readAt),
    });
  }
  if (present(wire.messageUnsent)) {
    const change = wire.messageUnsent;
    return Object.assign(base, {
      type: "message.unsent" as const,
      messageGuid: change.messageGuid ?? "",
      retractedAt: timestampToDate(change.retractedAt),
    });
  }
  if (present(wire.reactionAdded)) {
    const change = wire.reactionAdded;
    return Object.assign(base, {
      type: "message.reactionAdded" as const,
      messageGuid: change.messageGuid ?? "",
      reaction: reactionFromWire(change.reaction),
      ...targetPart(change.targetPartIndex),
    });
  }
  if (present(wire.reactionRemoved)) {
    const change = wire.reactionRemoved;
    return Object.assign(base, {
      type: "message.reactionRemoved" as const,
      messageGuid: change.messageGuid ?? "",
      reaction: reactionFromWire(change.reaction),
      ...targetPart(change.targetPartIndex),
    });
  }
  if (present(wire.stickerPlaced)) {
    const change = wire.stickerPlaced;
    return Object.assign(base, {
      type: "message.stickerPlaced" as const,
      messageGuid: change.messageGuid ?? "",
      ...(present(change.sticker) ? { sticker: attachmentFromWire(change.sticker) } : {}),
      ...(present(change.placement) ? { placement: placementFromWire(change.placement) } : {}),
      ...targetPart(change.targetPartIndex),
    });
  }
  return unknownEvent(sequence, "message", wire);
}

function chatEvent(
  sequence: number,
  wire: WireFields<"ChatChangeEvent">,
): ChatEvent | UnknownEvent {
  const base = context(sequence, wire);
  if (present(wire.backgroundChanged))
    return Object.assign(base, { type: "chat.backgroundChanged" as const });
  if (present(wire.backgroundRemoved))
    return Object.assign(base, { type: "chat.backgroundRemoved" as const });
  if (present(wire.markedRead)) return Object.assign(base, { type: "chat.markedRead" as const });
  if (present(wire.archived)) return Object.assign(base, { type: "chat.archived" as const });
  if (present(wire.unarchived)) return Object.assign(base, { type: "chat.unarchived" as const });
  return unknownEvent(sequence, "chat", wire);
}

function groupChange(wire: WireFields<"GroupChangeEvent">): GroupChange | undefined {
  const participant = (value: WireFields<"SingleServiceAddressInfo"> | null | undefined) =>
    addressFromWire(value ?? {});
  if (present(wire.displayNameChanged)) {
    return { type: "displayNameChanged", displayName: wire.displayNameChanged.displayName ?? "" };
  }
  if (present(wire.participantAdded)) {
    return {
      type: "participantAdded",
      participant: participant(wire.participantAdded.participant),
    };
  }
  if (present(wire.participantRemoved)) {
    return {
      type: "participantRemoved",
      participant: participant(wire.participantRemoved.participant),
    };
  }
  if (present(wire.participantLeft)) {
    return { type: "participantLeft", participant: participant(wire.participantLeft.participant) };
  }
  if (present(wire.iconChanged)) return { type: "iconChanged" };
  if (present(wire.iconRemoved)) return { type: "iconRemoved" };
  return undefined;
}

function pollDelta(wire: WireFields<"PollChangeEvent">): PollChangeDelta | undefined {
  if (present(wire.created)) {
    return {
      type: "created",
      title: wire.created.title ?? "",
      options: (wire.created.options ?? []).map(pollOptionFromWire),
    };
  }
  if (present(wire.optionAdded)) {
    return {
      type: "optionAdded",
      title: wire.optionAdded.title ?? "",
      options: (wire.optionAdded.options ?? []).map(pollOptionFromWire),
    };
  }
  if (present(wire.voted)) {
    return { type: "voted", optionIdentifier: wire.voted.optionIdentifier ?? "" };
  }
  if (present(wire.unvoted)) {
    return { type: "unvoted", optionIdentifier: wire.unvoted.optionIdentifier ?? "" };
  }
  return undefined;
}

/**
 * The one mapper from a decoded frame to a domain event, shared by catch-up, the live
 * streams and subscribe so all three produce identical shapes.
 *
 * Returns `undefined` for frames that carry no event (heartbeats, `complete`, and
 * frames without a sequence). A frame with a sequence and a payload this SDK version
 * does not know becomes an `unknown` event, never dropped. Throws ProtocolError when
 * the sequence is not a positive safe integer or a value cannot be decoded.
 */
export function eventFromFrame(frame: EventFrame): DomainEvent | undefined {
  const sequence = frame.sequence;
  const hasEvent =
    present(frame.messageChanged) ||
    present(frame.chatChanged) ||
    present(frame.groupChanged) ||
    present(frame.pollChanged);
  if (!present(sequence)) {
    if (hasEvent) {
      throw new ProtocolError(
        "the server sent an event frame without a sequence; every event must carry one",
      );
    }
    return undefined;
  }
  if (!Number.isSafeInteger(sequence) || sequence < 1) {
    throw new ProtocolError(
      `the server sent event sequence ${String(sequence)}; sequences must be positive safe integers`,
    );
  }
  try {
    if (present(frame.messageChanged)) return messageEvent(sequence, frame.messageChanged);
    if (present(frame.chatChanged)) return chatEvent(sequence, frame.chatChanged);
    if (present(frame.groupChanged)) {
      const change = groupChange(frame.groupChanged);
      if (change === undefined) return unknownEvent(sequence, "group", frame.groupChanged);
      return Object.assign(context(sequence, frame.groupChanged), {
        type: "group.changed" as const,
        change,
      });
    }
    if (present(frame.pollChanged)) {
      const wire = frame.pollChanged;
      const delta = pollDelta(wire);
      if (delta === undefined) return unknownEvent(sequence, "poll", wire);
      return Object.assign(context(sequence, wire), {
        type: "poll.changed" as const,
        pollMessageGuid: wire.pollMessageGuid ?? "",
        delta,
      });
    }
  } catch (error) {
    if (error instanceof ProtocolError) throw error;
    throw new ProtocolError(
      `event ${sequence} could not be decoded: ${error instanceof Error ? error.message : String(error)}`,
      { cause: error, context: { sequence: String(sequence) } },
    );
  }
  // A sequence with a heartbeat or complete payload is not an event; anything else
  // is a payload variant newer than this SDK.
  if (present(frame.heartbeat) || present(frame.complete)) return undefined;
  return unknownEvent(sequence);
}
