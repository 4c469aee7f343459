import { photon } from "@threadline/protocol";
import type { Database } from "better-sqlite3";
import { chatAccountState } from "./chat-account-state.js";
import type { ChatRecord, ChatViewer } from "./chat-records.js";
import { addressInfo } from "./event-envelope.js";
import { countUnread, latestMessage } from "./message-records.js";
import { messageView } from "./message-view.js";

/**
 * A chat as `viewer` sees it: its own GUID for the chat, the other participants
 * (never the viewer), its own archive flag and unread count, and the latest message.
 */
export function chatView(
  db: Database,
  chat: ChatRecord,
  viewer: ChatViewer,
): photon.imessage.v1.Chat.$Properties {
  const state = chatAccountState(db, chat.id, viewer.accountId);
  const others = chat.participants.filter((address) => address !== viewer.address);
  const last = latestMessage(db, chat.id);
  const identifier = chat.isGroup ? chat.groupId : (others[0] ?? null);
  return {
    guid: viewer.chatGuid,
    ...(identifier === null ? {} : { chatIdentifier: identifier }),
    ...(chat.groupId === null ? {} : { groupId: chat.groupId }),
    ...(chat.displayName === null ? {} : { displayName: chat.displayName }),
    isGroup: chat.isGroup,
    service: photon.imessage.v1.ChatServiceType.CHAT_SERVICE_TYPE_IMESSAGE,
    isArchived: state.isArchived,
    isFiltered: false,
    unreadCount: countUnread(db, chat.id, viewer.accountId, state.readThroughMessageId),
    participants: others.map(addressInfo),
    ...(last === undefined
      ? {}
      : { lastMessage: messageView(db, last, viewer.accountId, viewer.chatGuid) }),
  };
}
