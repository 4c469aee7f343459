import { PollServiceDefinition, type photon } from "@threadline/protocol";
import { idempotencyKeyOf, idempotentWrite } from "../domain/idempotency.js";
import {
  addPollOption,
  createPoll,
  getPoll,
  unvotePoll,
  validateCreatePoll,
  validateOptionText,
  votePoll,
} from "../domain/poll-operations.js";
import { unary } from "./handlers.js";
import type { ServiceDependencies } from "./service-dependencies.js";

type PollResponse = photon.imessage.v1.PollResponse.$Properties;

/**
 * The `photon.imessage.v1.PollService` implementation: create, vote, unvote, add an
 * option, get, and the live stream. Writes honour `client_message_id` /
 * `x-idempotency-key`.
 */
export function createPollServiceImplementation(deps: ServiceDependencies) {
  const { store } = deps;
  const definition = PollServiceDefinition;
  return {
    createPoll: unary<photon.imessage.v1.CreatePollRequest, PollResponse>(
      deps,
      (request, account, call) => {
        const input = validateCreatePoll(request);
        return idempotentWrite(
          store,
          {
            method: definition.createPoll,
            request,
            accountId: account.id,
            key: idempotencyKeyOf(request.clientMessageId, call.metadata),
          },
          (context) => ({ poll: createPoll(context, account, request.chatGuid, input) }),
        );
      },
    ),
    votePoll: unary<photon.imessage.v1.VotePollRequest, PollResponse>(
      deps,
      (request, account, call) =>
        idempotentWrite(
          store,
          {
            method: definition.votePoll,
            request,
            accountId: account.id,
            key: idempotencyKeyOf(request.clientMessageId, call.metadata),
          },
          (context) => ({
            poll: votePoll(context, account, request.pollMessageGuid, request.optionIdentifier),
          }),
        ),
    ),
    unvotePoll: unary<photon.imessage.v1.UnvotePollRequest, PollResponse>(
      deps,
      (request, account, call) =>
        idempotentWrite(
          store,
          {
            method: definition.unvotePoll,
            request,
            accountId: account.id,
            key: idempotencyKeyOf(request.clientMessageId, call.metadata),
          },
          (context) => ({ poll: unvotePoll(context, account, request.pollMessageGuid) }),
        ),
    ),
    addPollOption: unary<photon.imessage.v1.AddPollOptionRequest, PollResponse>(
      deps,
      (request, account, call) => {
        const text = validateOptionText(request.optionText);
        return idempotentWrite(
          store,
          {
            method: definition.addPollOption,
            request,
            accountId: account.id,
            key: idempotencyKeyOf(request.clientMessageId, call.metadata),
          },
          (context) => ({ poll: addPollOption(context, account, request.pollMessageGuid, text) }),
        );
      },
    ),
    getPoll: unary<photon.imessage.v1.GetPollRequest, PollResponse>(deps, (request, account) => ({
      poll: store.read((db) => getPoll(db, account, request.pollMessageGuid)),
    })),
    subscribePollEvents: deps.subscriptions.subscribePollEvents,
  };
}
