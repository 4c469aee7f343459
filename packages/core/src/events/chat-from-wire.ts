import type { photon } from "@threadline/protocol";
import { ProtocolError } from "../errors/error-classes.js";
import type { ChatServiceType, Message, SingleServiceAddressInfo } from "./domain-types.js";
import { addressFromWire, messageFromWire, serviceTypeFromWire } from "./wire-values.js";

/** A direct or group conversation, as the current account sees it. */
export interface Chat {
  /** The key every chat-scoped call takes: `any;-;<address>` or `any;+;<group id>`. */
  readonly guid: string;
  /** The chat's name; an empty string when it has none. */
  readonly displayName: string;
  readonly isGroup: boolean;
  /** The chat's members as the server lists them, each with the transport that reaches it. */
  readonly participants: readonly SingleServiceAddressInfo[];
  /** The transport of the chat; `"unknown"` when the server does not say. */
  readonly service: ChatServiceType;
  readonly isArchived: boolean;
  /** Whether the system filtered this chat (for example as unknown senders). */
  readonly isFiltered: boolean;
  /** Unread messages; absent when the server does not know, zero when all are read. */
  readonly unreadCount?: number;
  /** The latest message, when the server has one. */
  readonly lastMessage?: Message;
}

/**
 * Maps the chat a response must carry onto {@link Chat}: the service enum becomes a
 * name, a missing display name becomes `""`, unset optional fields are absent.
 *
 * @throws ProtocolError when the response has no chat, which no conforming server sends.
 */
export function chatFromWire(
  chat: photon.imessage.v1.Chat | null | undefined,
  where: string,
): Chat {
  if (chat === null || chat === undefined) {
    throw new ProtocolError(
      `the server's ${where} has no chat, which a conforming server always sends`,
      { context: { field: "chat" } },
    );
  }
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
