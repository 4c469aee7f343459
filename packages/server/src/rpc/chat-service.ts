import { ChatServiceDefinition, type google, type photon } from "@threadline/protocol";
import {
  checkTyping,
  countChats,
  getChat,
  hasBackground,
  validateCreateChat,
} from "../domain/chat-operations.js";
import { idempotencyClaim, idempotencyKeyOf } from "../domain/idempotency.js";
import { validateImage } from "../domain/image-type.js";
import { runWrite } from "../domain/write-operations.js";
import { unary } from "./handlers.js";
import type { ServiceDependencies } from "./service-dependencies.js";

type Empty = google.protobuf.Empty.$Properties;
const empty: Empty = {};

/**
 * The `photon.imessage.v1.ChatService` implementation: all ten RPCs, the live stream
 * from the shared subscription handlers. Every write runs as one named, group-committed
 * write and honours `client_message_id` / `x-idempotency-key`.
 */
export function createChatServiceImplementation(deps: ServiceDependencies) {
  const { store } = deps;
  const definition = ChatServiceDefinition;
  return {
    createChat: unary<
      photon.imessage.v1.CreateChatRequest,
      photon.imessage.v1.CreateChatResponse.$Properties
    >(deps, (request, account, call) => {
      const input = validateCreateChat(request, account);
      return runWrite(
        store,
        "chats.create",
        { account, input },
        idempotencyClaim({
          method: definition.createChat,
          request,
          accountId: account.id,
          key: idempotencyKeyOf(request.clientMessageId, call.metadata),
        }),
      );
    }),
    getChat: unary<
      photon.imessage.v1.GetChatRequest,
      photon.imessage.v1.GetChatResponse.$Properties
    >(deps, async (request, account) => ({
      chat: await getChat(store.repositories, account, request.chatGuid),
    })),
    getChatCount: unary<
      photon.imessage.v1.GetChatCountRequest,
      photon.imessage.v1.GetChatCountResponse.$Properties
    >(deps, async (request, account) => ({
      count: await countChats(store.repositories, account, request.includeArchived),
    })),
    markChatRead: unary<photon.imessage.v1.MarkChatReadRequest, Empty>(
      deps,
      (request, account, call) =>
        runWrite(
          store,
          "chats.markRead",
          { account, chatGuid: request.chatGuid },
          idempotencyClaim({
            method: definition.markChatRead,
            request,
            accountId: account.id,
            key: idempotencyKeyOf(undefined, call.metadata),
          }),
        ),
    ),
    setTyping: unary<photon.imessage.v1.SetTypingRequest, Empty>(deps, async (request, account) => {
      await checkTyping(store.repositories, account, request.chatGuid);
      return empty;
    }),
    shareContactInfo: unary<photon.imessage.v1.ShareContactInfoRequest, Empty>(
      deps,
      (request, account, call) =>
        runWrite(
          store,
          "chats.shareContactInfo",
          { account, chatGuid: request.chatGuid },
          idempotencyClaim({
            method: definition.shareContactInfo,
            request,
            accountId: account.id,
            key: idempotencyKeyOf(undefined, call.metadata),
          }),
        ),
    ),
    setBackground: unary<photon.imessage.v1.SetBackgroundRequest, Empty>(
      deps,
      (request, account, call) => {
        const type = validateImage(request.data, "data");
        // A copy of just these bytes: the decoded field may view a larger buffer.
        const bytes = new Uint8Array(request.data);
        return runWrite(
          store,
          "chats.setBackground",
          { account, chatGuid: request.chatGuid, image: { bytes, type } },
          idempotencyClaim({
            method: definition.setBackground,
            request,
            accountId: account.id,
            key: idempotencyKeyOf(undefined, call.metadata),
          }),
        );
      },
    ),
    hasBackground: unary<
      photon.imessage.v1.HasBackgroundRequest,
      photon.imessage.v1.HasBackgroundResponse.$Properties
    >(deps, async (request, account) => ({
      backgroundPresent: await hasBackground(store.repositories, account, request.chatGuid),
    })),
    removeBackground: unary<photon.imessage.v1.RemoveBackgroundRequest, Empty>(
      deps,
      (request, account, call) =>
        runWrite(
          store,
          "chats.removeBackground",
          { account, chatGuid: request.chatGuid },
          idempotencyClaim({
            method: definition.removeBackground,
            request,
            accountId: account.id,
            key: idempotencyKeyOf(undefined, call.metadata),
          }),
        ),
    ),
    subscribeChatEvents: deps.subscriptions.subscribeChatEvents,
  };
}
