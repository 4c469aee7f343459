import { ChatArchiveServiceDefinition, type google, type threadline } from "@threadline/protocol";
import { setChatArchived } from "../domain/archive-operations.js";
import { idempotencyKeyOf, idempotentWrite } from "../domain/idempotency.js";
import { unary } from "./handlers.js";
import type { ServiceDependencies } from "./service-dependencies.js";

type Empty = google.protobuf.Empty.$Properties;

/**
 * The `threadline.v1.ChatArchiveService` implementation (capability
 * `threadline.chat_archive`): per-account archive state, safe to repeat.
 */
export function createChatArchiveServiceImplementation(deps: ServiceDependencies) {
  const { store } = deps;
  const definition = ChatArchiveServiceDefinition;
  return {
    archiveChat: unary<threadline.v1.ArchiveChatRequest, Empty>(deps, (request, account, call) =>
      idempotentWrite(
        store,
        {
          method: definition.archiveChat,
          request,
          accountId: account.id,
          key: idempotencyKeyOf(request.clientMessageId, call.metadata),
        },
        (context) => {
          setChatArchived(context, account, request.chatGuid, true);
          return {};
        },
      ),
    ),
    unarchiveChat: unary<threadline.v1.UnarchiveChatRequest, Empty>(
      deps,
      (request, account, call) =>
        idempotentWrite(
          store,
          {
            method: definition.unarchiveChat,
            request,
            accountId: account.id,
            key: idempotencyKeyOf(request.clientMessageId, call.metadata),
          },
          (context) => {
            setChatArchived(context, account, request.chatGuid, false);
            return {};
          },
        ),
    ),
  };
}
