import { photon } from "@threadline/protocol";
import type { Repositories } from "../storage/repositories.js";
import { chatAccountState } from "./chat-account-state.js";
import type { ChatRecord, ChatViewer } from "./chat-records.js";
import { addressInfo } from "./event-envelope.js";
import { messageView } from "./message-view.js";

/**
 * A chat as `viewer` sees it: its own GUID for the chat, the other participants
 * (never the viewer), its own archive flag and unread count, and the latest message.
 */
export async function chatView(
  repositories: Repositories,
  chat: ChatRecord,
  viewer: ChatViewer,
): Promise<photon.imessage.v1.Chat.$Properties> {
  const state = await chatAccountState(repositories, chat.id, viewer.accountId);
  const others = chat.participants.filter((address) => address !== viewer.address);
  const last = await repositories.messages.latestInChat(chat.id);
  const unreadCount = await repositories.messages.countUnread(
    chat.id,
    viewer.accountId,
    state.readThroughMessageId,
  );
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
    unreadCount,
    participants: others.map(addressInfo),
    ...(last === undefined
      ? {}
      : { lastMessage: await messageView(repositories, last, viewer.accountId, viewer.chatGuid) }),
  };
}
