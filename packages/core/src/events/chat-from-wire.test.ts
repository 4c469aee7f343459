import { photon } from "@threadline/protocol";
import { describe, expect, it } from "vitest";
import { ProtocolError } from "../errors/error-classes.js";
import { chatFromWire } from "./chat-from-wire.js";

const v1 = photon.imessage.v1;

/** A chat as it arrives: encoded by a server, decoded by this client. */
function overTheWire(properties: photon.imessage.v1.Chat.$Properties): photon.imessage.v1.Chat {
  return v1.Chat.decode(v1.Chat.encode(properties).finish());
}

describe("chatFromWire", () => {
  it("leaves unset optional fields out and names an unset service unknown", () => {
    const chat = chatFromWire(overTheWire({ guid: "any;+;g1", isGroup: true }), "test response");
    expect(chat).toStrictEqual({
      guid: "any;+;g1",
      displayName: "",
      isGroup: true,
      participants: [],
      service: "unknown",
      isArchived: false,
      isFiltered: false,
    });
  });

  it("maps participants, counts and the last message", () => {
    const chat = chatFromWire(
      overTheWire({
        guid: "any;+;g1",
        displayName: "Climbing",
        isGroup: true,
        service: v1.ChatServiceType.CHAT_SERVICE_TYPE_IMESSAGE,
        unreadCount: 0,
        participants: [
          { address: "bob@example.com", service: v1.ChatServiceType.CHAT_SERVICE_TYPE_SMS },
        ],
        lastMessage: { guid: "M1", content: { text: "hi" } },
      }),
      "test response",
    );
    expect(chat).toMatchObject({
      displayName: "Climbing",
      service: "iMessage",
      unreadCount: 0,
      participants: [{ address: "bob@example.com", service: "SMS" }],
      lastMessage: { guid: "M1", content: { text: "hi" } },
    });
  });

  it("a response without a chat is a ProtocolError naming where", () => {
    expect(() => chatFromWire(null, "SetDisplayName response")).toThrow(ProtocolError);
    expect(() => chatFromWire(undefined, "SetDisplayName response")).toThrow(
      /SetDisplayName response has no chat/,
    );
  });
});
