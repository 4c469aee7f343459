import { type google, MessageServiceDefinition, type photon } from "@threadline/protocol";
import { idempotencyClaim, idempotencyKeyOf } from "../domain/idempotency.js";
import {
  getMessage,
  messageTargetInput,
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
        return runWrite(
          store,
          "messages.edit",
          { account, target: messageTargetInput(request.target), newText },
          idempotencyClaim({
            method: definition.editMessage,
            request,
            accountId: account.id,
            key: idempotencyKeyOf(request.clientMessageId, call.metadata),
          }),
        );
      },
    ),
    unsendMessage: unary<photon.imessage.v1.UnsendMessageRequest, Empty>(
      deps,
      (request, account, call) =>
        runWrite(
          store,
          "messages.unsend",
          { account, target: messageTargetInput(request.target) },
          idempotencyClaim({
            method: definition.unsendMessage,
            request,
            accountId: account.id,
            key: idempotencyKeyOf(request.clientMessageId, call.metadata),
          }),
        ),
    ),
    setReaction: unary<photon.imessage.v1.SetReactionRequest, MessageResponse>(
      deps,
      (request, account, call) => {
        const reaction = validateReaction(request.reaction);
        return runWrite(
          store,
          "messages.setReaction",
          {
            account,
            target: messageTargetInput(request.target),
            reaction,
            isSet: request.isSet,
          },
          idempotencyClaim({
            method: definition.setReaction,
            request,
            accountId: account.id,
            key: idempotencyKeyOf(request.clientMessageId, call.metadata),
          }),
        );
      },
    ),
    getMessage: unary<
      photon.imessage.v1.GetMessageRequest,
      photon.imessage.v1.GetMessageResponse.$Properties
    >(deps, async (request, account) => ({
      message: await getMessage(store.repositories, account, request.messageGuid),
    })),
    subscribeMessageEvents: deps.subscriptions.subscribeMessageEvents,
    ...createAttachmentMessageHandlers(deps),
    ...createMessageServiceAdditions(deps),
  };
}
