import type { DomainEvent, Message } from "@threadline/core";

/** A group message that starts with this asks the bot for an answer. */
export const botMention = "@bot";

/** A `message.received` event, the only kind a reply can answer. */
type ReceivedEvent = Extract<DomainEvent, { type: "message.received" }>;

/**
 * Whether `event` is a message addressed to the bot: someone else's message in one of
 * the bot's direct chats (every direct chat of the bot's account is with the bot), or a
 * group message that starts with {@link botMention}. The bot's own messages, its
 * replies included, never ask for one, so replies cannot feed on each other.
 */
export function asksForReply(event: DomainEvent): event is ReceivedEvent {
  if (event.type !== "message.received" || event.isFromMe) return false;
  if (event.chatGuid.startsWith("any;-;")) return true;
  return (event.message.content.text ?? "").trimStart().toLowerCase().startsWith(botMention);
}

/** What the bot sends for one event: a threaded reply in the event's chat. */
export interface PlannedReply {
  readonly chat: string;
  readonly text: string;
  /** The message answered; the reply joins its thread. */
  readonly replyTo: string;
  /**
   * The idempotency key: derived from the event's sequence (and the message, so a key
   * never collides across logs), so handling the event again after a crash sends the
   * same key and the server returns the first reply instead of sending a second.
   */
  readonly clientMessageId: string;
}

/** The reply `event` asks for, or undefined when it asks for none. */
export function replyFor(event: DomainEvent): PlannedReply | undefined {
  if (!asksForReply(event)) return undefined;
  const sender = event.message.sender?.address ?? "there";
  const quoted = (event.message.content.text ?? "").slice(0, 40);
  return {
    chat: event.chatGuid,
    text: `Got it, ${sender}: "${quoted}"`,
    replyTo: event.message.guid,
    clientMessageId: `demo-reply-${event.sequence}-${event.message.guid}`,
  };
}

/** Whether `message` is one of the bot's threaded replies (its own, with a reply target). */
export function isBotReply(message: Message): boolean {
  return message.isFromMe && message.replyTargetGuid !== undefined;
}
