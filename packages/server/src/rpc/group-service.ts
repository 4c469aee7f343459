import { GroupServiceDefinition, type google, type photon } from "@threadline/protocol";
import {
  getIcon,
  validateDisplayName,
  validateParticipantList,
} from "../domain/group-operations.js";
import { idempotencyClaim, idempotencyKeyOf } from "../domain/idempotency.js";
import { validateImage } from "../domain/image-type.js";
import { runWrite } from "../domain/write-operations.js";
import { unary } from "./handlers.js";
import type { ServiceDependencies } from "./service-dependencies.js";

type Empty = google.protobuf.Empty.$Properties;

/**
 * The `photon.imessage.v1.GroupService` implementation: rename, add, remove, leave,
 * icons and the live stream. Writes honour `client_message_id` / `x-idempotency-key`.
 */
export function createGroupServiceImplementation(deps: ServiceDependencies) {
  const { store } = deps;
  const definition = GroupServiceDefinition;
  return {
    setDisplayName: unary<
      photon.imessage.v1.SetDisplayNameRequest,
      photon.imessage.v1.SetDisplayNameResponse.$Properties
    >(deps, (request, account, call) => {
      const displayName = validateDisplayName(request.displayName);
      return runWrite(
        store,
        "groups.setDisplayName",
        { account, chatGuid: request.chatGuid, displayName },
        idempotencyClaim({
          method: definition.setDisplayName,
          request,
          accountId: account.id,
          key: idempotencyKeyOf(request.clientMessageId, call.metadata),
        }),
      );
    }),
    addParticipants: unary<
      photon.imessage.v1.AddParticipantsRequest,
      photon.imessage.v1.AddParticipantsResponse.$Properties
    >(deps, (request, account, call) => {
      const addresses = validateParticipantList(request.addresses);
      return runWrite(
        store,
        "groups.addParticipants",
        { account, chatGuid: request.chatGuid, addresses },
        idempotencyClaim({
          method: definition.addParticipants,
          request,
          accountId: account.id,
          key: idempotencyKeyOf(request.clientMessageId, call.metadata),
        }),
      );
    }),
    removeParticipants: unary<
      photon.imessage.v1.RemoveParticipantsRequest,
      photon.imessage.v1.RemoveParticipantsResponse.$Properties
    >(deps, (request, account, call) => {
      const addresses = validateParticipantList(request.addresses);
      return runWrite(
        store,
        "groups.removeParticipants",
        { account, chatGuid: request.chatGuid, addresses },
        idempotencyClaim({
          method: definition.removeParticipants,
          request,
          accountId: account.id,
          key: idempotencyKeyOf(request.clientMessageId, call.metadata),
        }),
      );
    }),
    leaveGroup: unary<photon.imessage.v1.LeaveGroupRequest, Empty>(deps, (request, account, call) =>
      runWrite(
        store,
        "groups.leave",
        { account, chatGuid: request.chatGuid },
        idempotencyClaim({
          method: definition.leaveGroup,
          request,
          accountId: account.id,
          key: idempotencyKeyOf(request.clientMessageId, call.metadata),
        }),
      ),
    ),
    setIcon: unary<photon.imessage.v1.SetIconRequest, Empty>(deps, (request, account, call) => {
      const type = validateImage(request.data, "data");
      // A copy of just these bytes: the decoded field may view a larger buffer.
      const bytes = new Uint8Array(request.data);
      return runWrite(
        store,
        "groups.setIcon",
        { account, chatGuid: request.chatGuid, image: { bytes, type } },
        idempotencyClaim({
          method: definition.setIcon,
          request,
          accountId: account.id,
          key: idempotencyKeyOf(request.clientMessageId, call.metadata),
        }),
      );
    }),
    removeIcon: unary<photon.imessage.v1.RemoveIconRequest, Empty>(deps, (request, account, call) =>
      runWrite(
        store,
        "groups.removeIcon",
        { account, chatGuid: request.chatGuid },
        idempotencyClaim({
          method: definition.removeIcon,
          request,
          accountId: account.id,
          key: idempotencyKeyOf(request.clientMessageId, call.metadata),
        }),
      ),
    ),
    getIcon: unary<
      photon.imessage.v1.GetIconRequest,
      photon.imessage.v1.GetIconResponse.$Properties
    >(deps, (request, account) => getIcon(store.repositories, account, request.chatGuid)),
    subscribeGroupEvents: deps.subscriptions.subscribeGroupEvents,
  };
}
