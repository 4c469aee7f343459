import type {
  AttachmentInfo,
  Message,
  MessageContent,
  MessageReaction,
  PollOption,
  SingleServiceAddressInfo,
  StickerPlacement,
} from "./domain-types.js";

/** The four durable event domains, each with its own live stream. */
export type EventDomain = "message" | "chat" | "group" | "poll";

/** Fields every durable event carries. */
export interface EventContext {
  /** Position in the account's event log: contiguous, starting at 1. */
  readonly sequence: number;
  /** When the change happened on the server. */
  readonly occurredAt: Date;
  /** The chat the change belongs to. */
  readonly chatGuid: string;
  /** Whether the viewing account caused the change. */
  readonly isFromMe: boolean;
  /** Who caused the change, when the server knows. */
  readonly actor?: SingleServiceAddressInfo;
}

/** A change to a message (received, edited, read, unsent, tapbacks, stickers). */
export type MessageEvent =
  | (EventContext & { readonly type: "message.received"; readonly message: Message })
  | (EventContext & {
      readonly type: "message.edited";
      readonly messageGuid: string;
      readonly content: MessageContent;
      readonly editedAt: Date;
    })
  | (EventContext & {
      readonly type: "message.read";
      readonly messageGuid: string;
      readonly readAt: Date;
    })
  | (EventContext & {
      readonly type: "message.unsent";
      readonly messageGuid: string;
      readonly retractedAt: Date;
    })
  | (EventContext & {
      readonly type: "message.reactionAdded";
      readonly messageGuid: string;
      readonly reaction: MessageReaction;
      readonly targetPartIndex?: number;
    })
  | (EventContext & {
      readonly type: "message.reactionRemoved";
      readonly messageGuid: string;
      readonly reaction: MessageReaction;
      readonly targetPartIndex?: number;
    })
  | (EventContext & {
      readonly type: "message.stickerPlaced";
      readonly messageGuid: string;
      readonly sticker?: AttachmentInfo;
      readonly placement?: StickerPlacement;
      readonly targetPartIndex?: number;
    });

/** A change to a chat itself (background, read state, archive state). */
export type ChatEvent = EventContext & {
  readonly type:
    | "chat.backgroundChanged"
    | "chat.backgroundRemoved"
    | "chat.markedRead"
    | "chat.archived"
    | "chat.unarchived";
};

/** What changed in a group. */
export type GroupChange =
  | { readonly type: "displayNameChanged"; readonly displayName: string }
  | { readonly type: "participantAdded"; readonly participant: SingleServiceAddressInfo }
  | { readonly type: "participantRemoved"; readonly participant: SingleServiceAddressInfo }
  | { readonly type: "participantLeft"; readonly participant: SingleServiceAddressInfo }
  | { readonly type: "iconChanged" }
  | { readonly type: "iconRemoved" };

/** A change to a group's name, members or icon. */
export interface GroupEvent extends EventContext {
  readonly type: "group.changed";
  readonly change: GroupChange;
}

/** What changed in a poll. */
export type PollChangeDelta =
  | { readonly type: "created"; readonly title: string; readonly options: readonly PollOption[] }
  | {
      readonly type: "optionAdded";
      readonly title: string;
      readonly options: readonly PollOption[];
    }
  | { readonly type: "voted"; readonly optionIdentifier: string }
  | { readonly type: "unvoted"; readonly optionIdentifier: string };

/** A change to a poll, identified by the message that carries it. */
export interface PollEvent extends EventContext {
  readonly type: "poll.changed";
  readonly pollMessageGuid: string;
  readonly delta: PollChangeDelta;
}

/**
 * A durable event whose payload this SDK version does not know (a newer server's new
 * variant). It is never dropped, so a checkpoint can advance over its `sequence`.
 * The envelope fields are present when the server sent a known envelope with an
 * unknown change; `domain` says which envelope, if any.
 */
export interface UnknownEvent {
  readonly type: "unknown";
  readonly sequence: number;
  readonly domain?: EventDomain;
  readonly occurredAt?: Date;
  readonly chatGuid?: string;
  readonly isFromMe?: boolean;
  readonly actor?: SingleServiceAddressInfo;
}

/** Any durable event from the log: what live streams, catch-up and subscribe carry. */
export type DomainEvent = MessageEvent | ChatEvent | GroupEvent | PollEvent | UnknownEvent;

/** Alias kept for readers of the events-and-recovery guide: every live event is a domain event. */
export type LiveEvent = DomainEvent;

/** The terminal frame of a catch-up: the head captured when the catch-up began. */
export interface CatchUpCompleteEvent {
  readonly type: "catchup.complete";
  readonly headSequence: number;
}

/** What {@link EventsResource.catchUp} yields: log events, then one `catchup.complete`. */
export type CatchUpEvent = DomainEvent | CatchUpCompleteEvent;

/** An event from `events.subscribe()`: a domain event plus the cursor to persist after handling it. */
export type SubscribedEvent = DomainEvent & {
  /** Opaque resume point: pass it to `subscribe({ cursor })` or `fetchMissed({ cursor })`. */
  readonly cursor: string;
};

/** The event type each live stream domain yields. */
export interface LiveEventMap {
  message: MessageEvent | UnknownEvent;
  chat: ChatEvent | UnknownEvent;
  group: GroupEvent | UnknownEvent;
  poll: PollEvent | UnknownEvent;
}

/** Every event `type` string, mapped to its event shape. */
export type EventTypeMap = {
  [Event in DomainEvent | CatchUpCompleteEvent as Event["type"]]: Event;
};

/** Every event `type` string. */
export type EventType = keyof EventTypeMap;
