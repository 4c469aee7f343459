import { ChatArchiveServiceDefinition, type google, type threadline } from "@threadline/protocol";
import { idempotencyClaim, idempotencyKeyOf } from "../domain/idempotency.js";
import { runWrite } from "../domain/write-operations.js";
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
      runWrite(
        store,
        "chats.setArchived",
        { account, chatGuid: request.chatGuid, archived: true },
        idempotencyClaim({
          method: definition.archiveChat,
          request,
          accountId: account.id,
          key: idempotencyKeyOf(request.clientMessageId, call.metadata),
        }),
      ),
    ),
    unarchiveChat: unary<threadline.v1.UnarchiveChatRequest, Empty>(
      deps,
      (request, account, call) =>
        runWrite(
          store,
          "chats.setArchived",
          { account, chatGuid: request.chatGuid, archived: false },
          idempotencyClaim({
            method: definition.unarchiveChat,
            request,
            accountId: account.id,
            key: idempotencyKeyOf(request.clientMessageId, call.metadata),
          }),
        ),
    ),
  };
}
