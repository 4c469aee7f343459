import { type google, MessageServiceDefinition, type photon } from "@threadline/protocol";
import { idempotencyClaim, idempotencyKeyOf, idempotentWrite } from "../domain/idempotency.js";
import {
  editMessage,
  getMessage,
  setReaction,
  unsendMessage,
  validateEdit,
  validateReaction,
  validateSendText,
} from "../domain/message-operations.js";
import { runWrite } from "../domain/write-operations.js";
import { createAttachmentMessageHandlers } from "./attachment-message-handlers.js";
import { unary } from "./handlers.js";
import { createMessageServiceAdditions } from "./message-service-additions.js";
import type { ServiceDependencies } from "./service-dependencies.js";

type Empty = google.protobuf.Empty.$Properties;
type MessageResponse = photon.imessage.v1.MessageResponse.$Properties;

/**
 * `photon.imessage.v1.MessageService`, every published method: the text methods here
 * (SendTextMessage, EditMessage, UnsendMessage, SetReaction, GetMessage and the live
 * stream), the attachment and multipart sends (`attachment-message-handlers.ts`), and
 * lists, stickers, "notify anyway", mini-app cards and embedded media
 * (`message-service-additions.ts`). Writes honour `client_message_id` /
 * `x-idempotency-key`.
 */
export function createMessageServiceImplementation(deps: ServiceDependencies) {
  const { store } = deps;
  const definition = MessageServiceDefinition;
  return {
    sendTextMessage: unary<photon.imessage.v1.SendTextMessageRequest, MessageResponse>(
      deps,
      (request, account, call) => {
        const input = validateSendText(request);
        return runWrite(
          store,
          "messages.sendText",
          { account, input },
          idempotencyClaim({
            method: definition.sendTextMessage,
            request,
            accountId: account.id,
            key: idempotencyKeyOf(request.clientMessageId, call.metadata),
          }),
        );
      },
    ),
    editMessage: unary<photon.imessage.v1.EditMessageRequest, MessageResponse>(
      deps,
      (request, account, call) => {
        const newText = validateEdit(request);
        return idempotentWrite(
          store,
          {
            method: definition.editMessage,
            request,
            accountId: account.id,
            key: idempotencyKeyOf(request.clientMessageId, call.metadata),
          },
          (context) => ({ message: editMessage(context, account, request.target, newText) }),
        );
      },
    ),
    unsendMessage: unary<photon.imessage.v1.UnsendMessageRequest, Empty>(
      deps,
      (request, account, call) =>
        idempotentWrite(
          store,
          {
            method: definition.unsendMessage,
            request,
            accountId: account.id,
            key: idempotencyKeyOf(request.clientMessageId, call.metadata),
          },
          (context) => {
            unsendMessage(context, account, request.target);
            return {};
          },
        ),
    ),
    setReaction: unary<photon.imessage.v1.SetReactionRequest, MessageResponse>(
      deps,
      (request, account, call) => {
        const reaction = validateReaction(request.reaction);
        return idempotentWrite(
          store,
          {
            method: definition.setReaction,
            request,
            accountId: account.id,
            key: idempotencyKeyOf(request.clientMessageId, call.metadata),
          },
          (context) => ({
            message: setReaction(context, account, request.target, reaction, request.isSet),
          }),
        );
      },
    ),
    getMessage: unary<
      photon.imessage.v1.GetMessageRequest,
      photon.imessage.v1.GetMessageResponse.$Properties
    >(deps, (request, account) => ({
      message: store.read((db) => getMessage(db, account, request.messageGuid)),
    })),
    subscribeMessageEvents: deps.subscriptions.subscribeMessageEvents,
    ...createAttachmentMessageHandlers(deps),
    ...createMessageServiceAdditions(deps),
  };
}
