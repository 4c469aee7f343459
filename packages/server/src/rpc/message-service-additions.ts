import { type google, MessageServiceDefinition, type photon } from "@threadline/protocol";
import { getEmbeddedMedia } from "../domain/embedded-media.js";
import { idempotencyKeyOf, idempotentWrite } from "../domain/idempotency.js";
import { listMessages, validateMessageList } from "../domain/message-lists.js";
import {
  sendMiniAppCard,
  updateMiniAppCard,
  validateMiniAppCard,
} from "../domain/mini-app-operations.js";
import { notifySilencedMessage } from "../domain/silenced-notification-operations.js";
import {
  placeSticker,
  validateStickerPlacement,
  validateStickerRef,
} from "../domain/sticker-operations.js";
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
      return store.read((db) => listMessages(db, account, query));
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
      return store.read((db) => listMessages(db, account, query));
    }),
    placeSticker: unary<photon.imessage.v1.PlaceStickerRequest, MessageResponse>(
      deps,
      (request, account, call) => {
        const stickerGuid = validateStickerRef(request.sticker);
        const placement = validateStickerPlacement(request.placement);
        return idempotentWrite(
          store,
          {
            method: definition.placeSticker,
            request,
            accountId: account.id,
            key: idempotencyKeyOf(request.clientMessageId, call.metadata),
          },
          (context) => ({
            message: placeSticker(context, account, request.target, stickerGuid, placement),
          }),
        );
      },
    ),
    notifySilencedMessage: unary<photon.imessage.v1.NotifySilencedMessageRequest, Empty>(
      deps,
      (request, account, call) =>
        idempotentWrite(
          store,
          {
            method: definition.notifySilencedMessage,
            request,
            accountId: account.id,
            key: idempotencyKeyOf(request.clientMessageId, call.metadata),
          },
          (context) => {
            notifySilencedMessage(
              context,
              account,
              request.chatGuid ?? "",
              request.messageGuid ?? "",
            );
            return {};
          },
        ),
    ),
    getEmbeddedMedia: unary<
      photon.imessage.v1.GetEmbeddedMediaRequest,
      photon.imessage.v1.GetEmbeddedMediaResponse.$Properties
    >(deps, (request, account) => ({
      media: store.read((db) =>
        getEmbeddedMedia(db, account, request.chatGuid ?? "", request.messageGuid ?? ""),
      ),
    })),
    sendCustomizedMiniAppMessage: unary<
      photon.imessage.v1.SendCustomizedMiniAppMessageRequest,
      MessageResponse
    >(deps, (request, account, call) => {
      const card = validateMiniAppCard(request);
      return idempotentWrite(
        store,
        {
          method: definition.sendCustomizedMiniAppMessage,
          request,
          accountId: account.id,
          key: idempotencyKeyOf(request.clientMessageId, call.metadata),
        },
        (context) => sendMiniAppCard(context, account, request.chatGuid ?? "", card),
      );
    }),
    updateCustomizedMiniAppMessage: unary<
      photon.imessage.v1.UpdateCustomizedMiniAppMessageRequest,
      MessageResponse
    >(deps, (request, account, call) => {
      const card = validateMiniAppCard(request);
      return idempotentWrite(
        store,
        {
          method: definition.updateCustomizedMiniAppMessage,
          request,
          accountId: account.id,
          key: idempotencyKeyOf(request.clientMessageId, call.metadata),
        },
        (context) => updateMiniAppCard(context, account, request.session, card),
      );
    }),
  };
}
