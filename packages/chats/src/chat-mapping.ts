import { addressFromWire, messageFromWire, serviceTypeFromWire } from "@threadline/core";
import type { photon } from "@threadline/protocol";
import type { Chat } from "./chat.js";
import { malformedResponse } from "./malformed-response.js";

/**
 * Maps a wire chat onto the public {@link Chat}: the service enum becomes a name, a
 * missing display name becomes `""`, and other unset optional fields are absent rather
 * than `null`.
 *
 * @internal not covered by semver
 */
export function mapChat(chat: photon.imessage.v1.Chat): Chat {
  // Message-typed fields decode as null when the server leaves them out.
  const lastMessage: photon.imessage.v1.Message | null | undefined = chat.lastMessage;
  return {
    guid: chat.guid,
    displayName: chat.displayName ?? "",
    isGroup: chat.isGroup,
    participants: chat.participants.map(addressFromWire),
    service: serviceTypeFromWire(chat.service),
    isArchived: chat.isArchived,
    isFiltered: chat.isFiltered,
    ...(typeof chat.unreadCount === "number" ? { unreadCount: chat.unreadCount } : {}),
    ...(lastMessage !== null && lastMessage !== undefined
      ? { lastMessage: messageFromWire(lastMessage) }
      : {}),
  };
}

/**
 * The chat a response must carry, mapped.
 *
 * @throws ProtocolError when the server sent none, which no conforming server does.
 * @internal not covered by semver
 */
export function requireChat(chat: photon.imessage.v1.Chat | null | undefined, rpc: string): Chat {
  if (chat === null || chat === undefined) throw malformedResponse(`${rpc} response`, "chat");
  return mapChat(chat);
}
