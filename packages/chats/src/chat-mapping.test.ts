import { photon } from "@threadline/protocol";
import { describe, expect, it } from "vitest";
import { mapChat } from "./chat-mapping.js";

const v1 = photon.imessage.v1;

/** A chat as it arrives: encoded by a server, decoded by this client. */
function overTheWire(properties: photon.imessage.v1.Chat.$Properties): photon.imessage.v1.Chat {
  return v1.Chat.decode(v1.Chat.encode(properties).finish());
}

describe("mapChat", () => {
  it("leaves unset optional fields out instead of null", () => {
    const chat = mapChat(overTheWire({ guid: "any;-;bob@example.com" }));
    expect(chat).toEqual({
      guid: "any;-;bob@example.com",
      displayName: "",
      isGroup: false,
      participants: [],
      service: "unknown",
      isArchived: false,
      isFiltered: false,
    });
    expect("unreadCount" in chat).toBe(false);
    expect("lastMessage" in chat).toBe(false);
  });

  it("maps every field the server sets, service enums to names", () => {
    const chat = mapChat(
      overTheWire({
        guid: "any;+;g1",
        displayName: "Climbing",
        isGroup: true,
        service: v1.ChatServiceType.CHAT_SERVICE_TYPE_IMESSAGE,
        isArchived: true,
        isFiltered: true,
        unreadCount: 0,
        participants: [
          { address: "bob@example.com", service: v1.ChatServiceType.CHAT_SERVICE_TYPE_IMESSAGE },
          {
            address: "+14155550100",
            service: v1.ChatServiceType.CHAT_SERVICE_TYPE_SMS,
            country: "US",
          },
          { address: "+447911123456", service: v1.ChatServiceType.CHAT_SERVICE_TYPE_RCS },
        ],
        lastMessage: {
          guid: "m1",
          content: { text: "see you there" },
          dateCreated: { seconds: 1_767_268_800, nanos: 0 },
          isFromMe: false,
          chatGuids: ["any;+;g1"],
        },
      }),
    );
    expect(chat).toMatchObject({
      guid: "any;+;g1",
      displayName: "Climbing",
      isGroup: true,
      service: "iMessage",
      isArchived: true,
      isFiltered: true,
      unreadCount: 0,
      participants: [
        { address: "bob@example.com", service: "iMessage" },
        { address: "+14155550100", service: "SMS", country: "US" },
        { address: "+447911123456", service: "RCS" },
      ],
    });
    expect(chat.lastMessage?.guid).toBe("m1");
    expect(chat.lastMessage?.content.text).toBe("see you there");
    expect(chat.lastMessage?.dateCreated).toEqual(new Date("2026-01-01T12:00:00Z"));
  });
});
