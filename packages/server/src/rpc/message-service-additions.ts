import { type google, MessageServiceDefinition, type photon } from "@threadline/protocol";
import { getEmbeddedMedia } from "../domain/embedded-media.js";
import { idempotencyClaim, idempotencyKeyOf } from "../domain/idempotency.js";
import { listMessages, validateMessageList } from "../domain/message-lists.js";
import { messageTargetInput } from "../domain/message-operations.js";
import { plainCardSession, validateMiniAppCard } from "../domain/mini-app-operations.js";
import { validateStickerPlacement, validateStickerRef } from "../domain/sticker-operations.js";
import { runWrite } from "../domain/write-operations.js";
import { unary } from "./handlers.js";
import type { ServiceDependencies } from "./service-dependencies.js";

type Empty = google.protobuf.Empty.$Properties;
type MessageResponse = photon.imessage.v1.MessageResponse.$Properties;

/**
 * The MessageService methods beyond the text subset: ListRecentMessages,
 * ListChatMessages, PlaceSticker, NotifySilencedMessage, GetEmbeddedMedia,
 * SendCustomizedMiniAppMessage and UpdateCustomizedMiniAppMessage. Lists read the
 * message tables (never the log); writes honour `client_message_id` /
 * `x-idempotency-key`.
 */
export function createMessageServiceAdditions(deps: ServiceDependencies) {
  const { store } = deps;
  const definition = MessageServiceDefinition;
  return {
    listRecentMessages: unary<
      photon.imessage.v1.ListRecentMessagesRequest,
      photon.imessage.v1.ListRecentMessagesResponse.$Properties
    >(deps, (request, account) => {
      const query = validateMessageList({
        chatGuid: null,
        pageSize: request.pageSize,
        pageToken: request.pageToken,
        isFromMe: request.isFromMe,
        isRead: request.isRead,
        before: request.before,
        after: request.after,
      });
      return listMessages(store.repositories, account, query);
    }),
    listChatMessages: unary<
      photon.imessage.v1.ListChatMessagesRequest,
      photon.imessage.v1.ListChatMessagesResponse.$Properties
    >(deps, (request, account) => {
      const query = validateMessageList({
        chatGuid: request.chatGuid ?? "",
        pageSize: request.pageSize,
        pageToken: request.pageToken,
        isFromMe: request.isFromMe,
        isRead: request.isRead,
        before: request.before,
        after: request.after,
      });
      return listMessages(store.repositories, account, query);
    }),
    placeSticker: unary<photon.imessage.v1.PlaceStickerRequest, MessageResponse>(
      deps,
      (request, account, call) => {
        const stickerGuid = validateStickerRef(request.sticker);
        const placement = validateStickerPlacement(request.placement);
        return runWrite(
          store,
          "stickers.place",
          { account, target: messageTargetInput(request.target), stickerGuid, placement },
          idempotencyClaim({
            method: definition.placeSticker,
            request,
            accountId: account.id,
            key: idempotencyKeyOf(request.clientMessageId, call.metadata),
          }),
        );
      },
    ),
    notifySilencedMessage: unary<photon.imessage.v1.NotifySilencedMessageRequest, Empty>(
      deps,
      (request, account, call) =>
        runWrite(
          store,
          "messages.notifySilenced",
          {
            account,
            chatGuid: request.chatGuid ?? "",
            messageGuid: request.messageGuid ?? "",
          },
          idempotencyClaim({
            method: definition.notifySilencedMessage,
            request,
            accountId: account.id,
            key: idempotencyKeyOf(request.clientMessageId, call.metadata),
          }),
        ),
    ),
    getEmbeddedMedia: unary<
      photon.imessage.v1.GetEmbeddedMediaRequest,
      photon.imessage.v1.GetEmbeddedMediaResponse.$Properties
    >(deps, async (request, account) => ({
      media: await getEmbeddedMedia(
        store.repositories,
        account,
        request.chatGuid ?? "",
        request.messageGuid ?? "",
      ),
    })),
    sendCustomizedMiniAppMessage: unary<
      photon.imessage.v1.SendCustomizedMiniAppMessageRequest,
      MessageResponse
    >(deps, (request, account, call) => {
      const card = validateMiniAppCard(request);
      return runWrite(
        store,
        "miniApps.send",
        { account, chatGuid: request.chatGuid ?? "", card },
        idempotencyClaim({
          method: definition.sendCustomizedMiniAppMessage,
          request,
          accountId: account.id,
          key: idempotencyKeyOf(request.clientMessageId, call.metadata),
        }),
      );
    }),
    updateCustomizedMiniAppMessage: unary<
      photon.imessage.v1.UpdateCustomizedMiniAppMessageRequest,
      MessageResponse
    >(deps, (request, account, call) => {
      const card = validateMiniAppCard(request);
      return runWrite(
        store,
        "miniApps.update",
        { account, session: plainCardSession(request.session), card },
        idempotencyClaim({
          method: definition.updateCustomizedMiniAppMessage,
          request,
          accountId: account.id,
          key: idempotencyKeyOf(request.clientMessageId, call.metadata),
        }),
      );
    }),
  };
}
