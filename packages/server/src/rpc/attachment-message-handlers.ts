import { MessageServiceDefinition, type photon } from "@threadline/protocol";
import { validateSendAttachment, validateSendMultipart } from "../domain/attachment-messages.js";
import { idempotencyClaim, idempotencyKeyOf } from "../domain/idempotency.js";
import { runWrite } from "../domain/write-operations.js";
import { unary } from "./handlers.js";
import type { ServiceDependencies } from "./service-dependencies.js";

type MessageResponse = photon.imessage.v1.MessageResponse.$Properties;

/**
 * SendAttachmentMessage and SendMultipartMessage of `photon.imessage.v1.MessageService`:
 * messages that carry uploaded attachments, fanned out as `message.received` like text
 * messages, so catch-up and the live streams carry them. Both honour
 * `client_message_id` / `x-idempotency-key`.
 */
export function createAttachmentMessageHandlers(deps: ServiceDependencies) {
  const { store } = deps;
  const definition = MessageServiceDefinition;
  return {
    sendAttachmentMessage: unary<photon.imessage.v1.SendAttachmentMessageRequest, MessageResponse>(
      deps,
      (request, account, call) => {
        const input = validateSendAttachment(request);
        return runWrite(
          store,
          "attachments.sendAttachment",
          { account, input },
          idempotencyClaim({
            method: definition.sendAttachmentMessage,
            request,
            accountId: account.id,
            key: idempotencyKeyOf(request.clientMessageId, call.metadata),
          }),
        );
      },
    ),
    sendMultipartMessage: unary<photon.imessage.v1.SendMultipartMessageRequest, MessageResponse>(
      deps,
      (request, account, call) => {
        const input = validateSendMultipart(request);
        return runWrite(
          store,
          "attachments.sendMultipart",
          { account, input },
          idempotencyClaim({
            method: definition.sendMultipartMessage,
            request,
            accountId: account.id,
            key: idempotencyKeyOf(request.clientMessageId, call.metadata),
          }),
        );
      },
    ),
  };
}
