import { GroupServiceDefinition, type google, type photon } from "@threadline/protocol";
import {
  addParticipants,
  getIcon,
  leaveGroup,
  removeIcon,
  removeParticipants,
  setDisplayName,
  setIcon,
  validateDisplayName,
  validateParticipantList,
} from "../domain/group-operations.js";
import { idempotencyKeyOf, idempotentWrite } from "../domain/idempotency.js";
import { validateImage } from "../domain/image-type.js";
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
      return idempotentWrite(
        store,
        {
          method: definition.setDisplayName,
          request,
          accountId: account.id,
          key: idempotencyKeyOf(request.clientMessageId, call.metadata),
        },
        (context) => ({ chat: setDisplayName(context, account, request.chatGuid, displayName) }),
      );
    }),
    addParticipants: unary<
      photon.imessage.v1.AddParticipantsRequest,
      photon.imessage.v1.AddParticipantsResponse.$Properties
    >(deps, (request, account, call) => {
      const addresses = validateParticipantList(request.addresses);
      return idempotentWrite(
        store,
        {
          method: definition.addParticipants,
          request,
          accountId: account.id,
          key: idempotencyKeyOf(request.clientMessageId, call.metadata),
        },
        (context) => ({ chat: addParticipants(context, account, request.chatGuid, addresses) }),
      );
    }),
    removeParticipants: unary<
      photon.imessage.v1.RemoveParticipantsRequest,
      photon.imessage.v1.RemoveParticipantsResponse.$Properties
    >(deps, (request, account, call) => {
      const addresses = validateParticipantList(request.addresses);
      return idempotentWrite(
        store,
        {
          method: definition.removeParticipants,
          request,
          accountId: account.id,
          key: idempotencyKeyOf(request.clientMessageId, call.metadata),
        },
        (context) => ({ chat: removeParticipants(context, account, request.chatGuid, addresses) }),
      );
    }),
    leaveGroup: unary<photon.imessage.v1.LeaveGroupRequest, Empty>(deps, (request, account, call) =>
      idempotentWrite(
        store,
        {
          method: definition.leaveGroup,
          request,
          accountId: account.id,
          key: idempotencyKeyOf(request.clientMessageId, call.metadata),
        },
        (context) => {
          leaveGroup(context, account, request.chatGuid);
          return {};
        },
      ),
    ),
    setIcon: unary<photon.imessage.v1.SetIconRequest, Empty>(deps, (request, account, call) => {
      const bytes = request.data;
      const type = validateImage(bytes, "data");
      return idempotentWrite(
        store,
        {
          method: definition.setIcon,
          request,
          accountId: account.id,
          key: idempotencyKeyOf(request.clientMessageId, call.metadata),
        },
        (context) => {
          setIcon(context, account, request.chatGuid, { bytes, type });
          return {};
        },
      );
    }),
    removeIcon: unary<photon.imessage.v1.RemoveIconRequest, Empty>(deps, (request, account, call) =>
      idempotentWrite(
        store,
        {
          method: definition.removeIcon,
          request,
          accountId: account.id,
          key: idempotencyKeyOf(request.clientMessageId, call.metadata),
        },
        (context) => {
          removeIcon(context, account, request.chatGuid);
          return {};
        },
      ),
    ),
    getIcon: unary<
      photon.imessage.v1.GetIconRequest,
      photon.imessage.v1.GetIconResponse.$Properties
    >(deps, (request, account) => store.read((db) => getIcon(db, account, request.chatGuid))),
    subscribeGroupEvents: deps.subscriptions.subscribeGroupEvents,
  };
}
