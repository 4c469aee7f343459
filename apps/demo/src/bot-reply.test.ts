import type { DomainEvent, Message } from "@threadline/core";
import { describe, expect, it } from "vitest";
import { asksForReply, isBotReply, replyFor } from "./bot-reply.js";

function message(fields: Partial<Message> & { text: string }): Message {
  const { text, ...rest } = fields;
  return {
    appliedReactions: [],
    chatGuids: [],
    content: { attachments: [], formatting: [], mentions: [], text },
    dataDetectorResultsPresent: false,
    dateCreated: new Date(0),
    didNotifyRecipient: false,
    guid: "M1",
    isArchived: false,
    isAudioMessage: false,
    isAutoReply: false,
    isCorrupt: false,
    isDelayed: false,
    isDelivered: true,
    isDeliveredQuietly: false,
    isExpirable: false,
    isForward: false,
    isFromMe: false,
    isSent: true,
    isServiceMessage: false,
    isSpam: false,
    isSystemMessage: false,
    itemType: "normal",
    placedStickers: [],
    sendErrorCode: 0,
    ...rest,
  };
}

function received(chatGuid: string, text: string, isFromMe = false, sequence = 7): DomainEvent {
  return {
    type: "message.received",
    sequence,
    occurredAt: new Date(0),
    chatGuid,
    isFromMe,
    message: message({
      text,
      isFromMe,
      sender: { address: "alice@example.com", service: "iMessage" },
    }),
  };
}

describe("which messages ask the bot for a reply", () => {
  it("someone else's message in a direct chat with the bot asks; the bot's own never does", () => {
    expect(asksForReply(received("any;-;alice@example.com", "hi"))).toBe(true);
    expect(asksForReply(received("any;-;alice@example.com", "hi", true))).toBe(false);
  });

  it("in a group only a message that starts with @bot asks", () => {
    expect(asksForReply(received("any;+;g1", "@bot what's on?"))).toBe(true);
    expect(asksForReply(received("any;+;g1", "  @Bot hello"))).toBe(true);
    expect(asksForReply(received("any;+;g1", "see you, bot"))).toBe(false);
  });

  it("events other than a received message never ask", () => {
    const read: DomainEvent = {
      type: "chat.markedRead",
      sequence: 3,
      occurredAt: new Date(0),
      chatGuid: "any;-;alice@example.com",
      isFromMe: false,
    };
    expect(asksForReply(read)).toBe(false);
    expect(replyFor(read)).toBeUndefined();
  });
});

describe("the planned reply", () => {
  it("is a threaded reply in the event's chat whose key is the same every time the event is handled", () => {
    const event = received("any;-;alice@example.com", "remind me", false, 41);
    const first = replyFor(event);
    expect(first).toMatchObject({ chat: "any;-;alice@example.com", replyTo: "M1" });
    expect(replyFor(event)?.clientMessageId).toBe(first?.clientMessageId);
    expect(first?.clientMessageId).toContain("41");
  });

  it("differs in key for another event of the same message text", () => {
    const one = replyFor(received("any;-;alice@example.com", "hi", false, 1));
    const two = replyFor(received("any;-;alice@example.com", "hi", false, 2));
    expect(one?.clientMessageId).not.toBe(two?.clientMessageId);
  });

  it("a bot reply is recognised by being the bot's own and carrying a reply target", () => {
    expect(isBotReply(message({ text: "ok", isFromMe: true, replyTargetGuid: "M1" }))).toBe(true);
    expect(isBotReply(message({ text: "ok", isFromMe: true }))).toBe(false);
    expect(isBotReply(message({ text: "ok", isFromMe: false, replyTargetGuid: "M1" }))).toBe(false);
  });
});
