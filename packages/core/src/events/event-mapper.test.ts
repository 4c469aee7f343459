import { photon } from "@threadline/protocol";
import { describe, expect, it } from "vitest";
import { ProtocolError } from "../errors/error-classes.js";
import { toThreadlineError } from "../errors/grpc-error-mapping.js";
import { eventFromFrame } from "./event-mapper.js";

const v1 = photon.imessage.v1;
const occurredAt = { seconds: 1_700_000_000, nanos: 5_000_000 };

function roundTrip(frame: photon.imessage.v1.CatchUpEventsResponse.$Properties) {
  return v1.CatchUpEventsResponse.decode(v1.CatchUpEventsResponse.encode(frame).finish());
}

function varint(value: bigint): number[] {
  const bytes: number[] = [];
  let rest = value;
  while (rest >= 0x80n) {
    bytes.push(Number((rest & 0x7fn) | 0x80n));
    rest >>= 7n;
  }
  bytes.push(Number(rest));
  return bytes;
}

describe("eventFromFrame", () => {
  it("maps a received message with its envelope", () => {
    const event = eventFromFrame(
      roundTrip({
        sequence: 7,
        messageChanged: {
          chatGuid: "any;-;bob@example.com",
          occurredAt,
          isFromMe: false,
          actor: {
            address: "bob@example.com",
            service: v1.ChatServiceType.CHAT_SERVICE_TYPE_IMESSAGE,
          },
          messageReceived: {
            message: {
              guid: "m1",
              content: { text: "hi" },
              dateCreated: occurredAt,
              isFromMe: false,
            },
          },
        },
      }),
    );
    expect(event).toMatchObject({
      type: "message.received",
      sequence: 7,
      chatGuid: "any;-;bob@example.com",
      isFromMe: false,
      actor: { address: "bob@example.com", service: "iMessage" },
      message: { guid: "m1", content: { text: "hi", attachments: [] }, itemType: "normal" },
    });
    expect(event?.type === "message.received" && event.occurredAt.getTime()).toBe(
      1_700_000_000_005,
    );
  });

  it("catch-up frames and live frames of the same event map to identical shapes", () => {
    const messageChanged = {
      chatGuid: "any;-;bob@example.com",
      occurredAt,
      isFromMe: true,
      reactionAdded: {
        messageGuid: "m1",
        reaction: { kind: v1.MessageReactionKind.MESSAGE_REACTION_KIND_EMOJI, emoji: "🎉" },
      },
    };
    const fromCatchUp = eventFromFrame(roundTrip({ sequence: 3, messageChanged }));
    const liveBytes = v1.SubscribeMessageEventsResponse.encode({
      sequence: 3,
      messageChanged,
    }).finish();
    const fromLive = eventFromFrame(v1.SubscribeMessageEventsResponse.decode(liveBytes));
    expect(fromLive).toEqual(fromCatchUp);
    expect(fromCatchUp).toMatchObject({
      type: "message.reactionAdded",
      reaction: { kind: "emoji", emoji: "🎉" },
    });
    expect(fromCatchUp).not.toHaveProperty("targetPartIndex");
  });

  it("maps chat, group and poll changes", () => {
    expect(
      eventFromFrame(
        roundTrip({
          sequence: 1,
          chatChanged: { chatGuid: "any;+;g", occurredAt, markedRead: {} },
        }),
      ),
    ).toMatchObject({ type: "chat.markedRead", sequence: 1 });
    expect(
      eventFromFrame(
        roundTrip({
          sequence: 2,
          groupChanged: {
            chatGuid: "any;+;g",
            occurredAt,
            displayNameChanged: { displayName: "Team" },
          },
        }),
      ),
    ).toMatchObject({
      type: "group.changed",
      change: { type: "displayNameChanged", displayName: "Team" },
    });
    expect(
      eventFromFrame(
        roundTrip({
          sequence: 3,
          pollChanged: {
            chatGuid: "any;+;g",
            pollMessageGuid: "p1",
            occurredAt,
            voted: { optionIdentifier: "o1" },
          },
        }),
      ),
    ).toMatchObject({
      type: "poll.changed",
      pollMessageGuid: "p1",
      delta: { type: "voted", optionIdentifier: "o1" },
    });
  });

  it("an envelope with a change this SDK does not know becomes an unknown event with its sequence", () => {
    const event = eventFromFrame(
      roundTrip({ sequence: 9, chatChanged: { chatGuid: "any;+;g", occurredAt } }),
    );
    expect(event).toMatchObject({
      type: "unknown",
      sequence: 9,
      domain: "chat",
      chatGuid: "any;+;g",
    });
  });

  it("a payload variant this SDK does not know becomes an unknown event, never dropped", () => {
    // sequence = 7 (field 1), then field 50 (length-delimited, one zero byte): a payload
    // added by a newer server.
    const bytes = Uint8Array.from([0x08, 0x07, ...varint(BigInt((50 << 3) | 2)), 0x01, 0x00]);
    expect(eventFromFrame(v1.CatchUpEventsResponse.decode(bytes))).toEqual({
      type: "unknown",
      sequence: 7,
    });
  });

  it("heartbeats and frames without a sequence carry no event", () => {
    expect(eventFromFrame(roundTrip({ heartbeat: {} }))).toBeUndefined();
    expect(eventFromFrame(roundTrip({ complete: { headSequence: 4 } }))).toBeUndefined();
  });

  it("an event frame without a sequence, or with sequence 0, is a ProtocolError", () => {
    expect(() =>
      eventFromFrame(roundTrip({ chatChanged: { chatGuid: "x", occurredAt, archived: {} } })),
    ).toThrow(ProtocolError);
    expect(() => eventFromFrame(roundTrip({ sequence: 0, chatChanged: { archived: {} } }))).toThrow(
      /sequences must be positive safe integers/,
    );
  });

  it("a sequence above 2^53-1 fails to decode and surfaces as a ProtocolError", () => {
    const bytes = Uint8Array.from([0x08, ...varint(2n ** 53n + 1n)]);
    let thrown: unknown;
    try {
      v1.CatchUpEventsResponse.decode(bytes);
    } catch (error) {
      thrown = error;
    }
    expect(thrown).toBeDefined();
    const typed = toThreadlineError(thrown, "EventService.CatchUpEvents");
    expect(typed).toBeInstanceOf(ProtocolError);
    expect(typed.message).toMatch(/cannot decode/);
  });

  it("a timestamp outside the Timestamp range is a ProtocolError naming the sequence", () => {
    expect(() =>
      eventFromFrame(
        roundTrip({
          sequence: 5,
          chatChanged: { occurredAt: { seconds: 1e15, nanos: 0 }, archived: {} },
        }),
      ),
    ).toThrow(/event 5 could not be decoded/);
  });

  it("an address carries its country only when the wire has one", () => {
    const event = eventFromFrame(
      roundTrip({
        sequence: 3,
        messageChanged: {
          chatGuid: "any;-;+4915112345678",
          occurredAt,
          actor: { address: "+4915112345678", service: 1, country: "DE" },
          messageReceived: {
            message: { guid: "m3", sender: { address: "bob@example.com", service: 1 } },
          },
        },
      }),
    );
    expect(event?.actor).toEqual({ address: "+4915112345678", service: "iMessage", country: "DE" });
    expect(event?.type === "message.received" && event.message.sender).toEqual({
      address: "bob@example.com",
      service: "iMessage",
    });
    expect(event?.type === "message.received" && "country" in (event.message.sender ?? {})).toBe(
      false,
    );
  });
});
