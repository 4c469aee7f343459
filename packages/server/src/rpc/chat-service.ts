import { ChatServiceDefinition, type google, type photon } from "@threadline/protocol";
import {
  checkTyping,
  countChats,
  createChat,
  getChat,
  hasBackground,
  markChatRead,
  removeBackground,
  setBackground,
  shareContactInfo,
  validateCreateChat,
} from "../domain/chat-operations.js";
import { idempotencyKeyOf, idempotentWrite } from "../domain/idempotency.js";
import { validateImage } from "../domain/image-type.js";
import { unary } from "./handlers.js";
import type { ServiceDependencies } from "./service-dependencies.js";

type Empty = google.protobuf.Empty.$Properties;
const empty: Empty = {};

/**
 * The `photon.imessage.v1.ChatService` implementation: all ten RPCs, the live stream
 * from the shared subscription handlers. Every write runs in one group-committed
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
      return idempotentWrite(
        store,
        {
          method: definition.createChat,
          request,
          accountId: account.id,
          key: idempotencyKeyOf(request.clientMessageId, call.metadata),
        },
        (context) => createChat(context, account, input),
      );
    }),
    getChat: unary<
      photon.imessage.v1.GetChatRequest,
      photon.imessage.v1.GetChatResponse.$Properties
    >(deps, (request, account) => ({
      chat: store.read((db) => getChat(db, account, request.chatGuid)),
    })),
    getChatCount: unary<
      photon.imessage.v1.GetChatCountRequest,
      photon.imessage.v1.GetChatCountResponse.$Properties
    >(deps, (request, account) => ({
      count: store.read((db) => countChats(db, account, request.includeArchived)),
    })),
    markChatRead: unary<photon.imessage.v1.MarkChatReadRequest, Empty>(
      deps,
      (request, account, call) =>
        idempotentWrite(
          store,
          {
            method: definition.markChatRead,
            request,
            accountId: account.id,
            key: idempotencyKeyOf(undefined, call.metadata),
          },
          (context) => {
            markChatRead(context, account, request.chatGuid);
            return empty;
          },
        ),
    ),
    setTyping: unary<photon.imessage.v1.SetTypingRequest, Empty>(deps, (request, account) => {
      store.read((db) => checkTyping(db, account, request.chatGuid));
      return empty;
    }),
    shareContactInfo: unary<photon.imessage.v1.ShareContactInfoRequest, Empty>(
      deps,
      (request, account, call) =>
        idempotentWrite(
          store,
          {
            method: definition.shareContactInfo,
            request,
            accountId: account.id,
            key: idempotencyKeyOf(undefined, call.metadata),
          },
          (context) => {
            shareContactInfo(context, account, request.chatGuid);
            return empty;
          },
        ),
    ),
    setBackground: unary<photon.imessage.v1.SetBackgroundRequest, Empty>(
      deps,
      (request, account, call) => {
        const bytes = request.data;
        const type = validateImage(bytes, "data");
        return idempotentWrite(
          store,
          {
            method: definition.setBackground,
            request,
            accountId: account.id,
            key: idempotencyKeyOf(undefined, call.metadata),
          },
          (context) => {
            setBackground(context, account, request.chatGuid, { bytes, type });
            return empty;
          },
        );
      },
    ),
    hasBackground: unary<
      photon.imessage.v1.HasBackgroundRequest,
      photon.imessage.v1.HasBackgroundResponse.$Properties
    >(deps, (request, account) => ({
      backgroundPresent: store.read((db) => hasBackground(db, account, request.chatGuid)),
    })),
    removeBackground: unary<photon.imessage.v1.RemoveBackgroundRequest, Empty>(
      deps,
      (request, account, call) =>
        idempotentWrite(
          store,
          {
            method: definition.removeBackground,
            request,
            accountId: account.id,
            key: idempotencyKeyOf(undefined, call.metadata),
          },
          (context) => {
            removeBackground(context, account, request.chatGuid);
            return empty;
          },
        ),
    ),
    subscribeChatEvents: deps.subscriptions.subscribeChatEvents,
  };
}
