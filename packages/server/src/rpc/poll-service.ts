import { PollServiceDefinition, type photon } from "@threadline/protocol";
import { idempotencyClaim, idempotencyKeyOf } from "../domain/idempotency.js";
import { getPoll, validateCreatePoll, validateOptionText } from "../domain/poll-operations.js";
import { runWrite } from "../domain/write-operations.js";
import { unary } from "./handlers.js";
import type { ServiceDependencies } from "./service-dependencies.js";

type PollResponse = photon.imessage.v1.PollResponse.$Properties;

/**
 * The `photon.imessage.v1.PollService` implementation: create, vote, unvote, add an
 * option, get, and the live stream. Writes run as the named writes `polls.*` and honour
 * `client_message_id` / `x-idempotency-key`.
 */
export function createPollServiceImplementation(deps: ServiceDependencies) {
  const { store } = deps;
  const definition = PollServiceDefinition;
  return {
    createPoll: unary<photon.imessage.v1.CreatePollRequest, PollResponse>(
      deps,
      (request, account, call) => {
        const input = validateCreatePoll(request);
        return runWrite(
          store,
          "polls.create",
          { account, chatGuid: request.chatGuid, input },
          idempotencyClaim({
            method: definition.createPoll,
            request,
            accountId: account.id,
            key: idempotencyKeyOf(request.clientMessageId, call.metadata),
          }),
        );
      },
    ),
    votePoll: unary<photon.imessage.v1.VotePollRequest, PollResponse>(
      deps,
      (request, account, call) =>
        runWrite(
          store,
          "polls.vote",
          {
            account,
            pollGuid: request.pollMessageGuid,
            optionIdentifier: request.optionIdentifier,
          },
          idempotencyClaim({
            method: definition.votePoll,
            request,
            accountId: account.id,
            key: idempotencyKeyOf(request.clientMessageId, call.metadata),
          }),
        ),
    ),
    unvotePoll: unary<photon.imessage.v1.UnvotePollRequest, PollResponse>(
      deps,
      (request, account, call) =>
        runWrite(
          store,
          "polls.unvote",
          { account, pollGuid: request.pollMessageGuid },
          idempotencyClaim({
            method: definition.unvotePoll,
            request,
            accountId: account.id,
            key: idempotencyKeyOf(request.clientMessageId, call.metadata),
          }),
        ),
    ),
    addPollOption: unary<photon.imessage.v1.AddPollOptionRequest, PollResponse>(
      deps,
      (request, account, call) => {
        const text = validateOptionText(request.optionText);
        return runWrite(
          store,
          "polls.addOption",
          { account, pollGuid: request.pollMessageGuid, text },
          idempotencyClaim({
            method: definition.addPollOption,
            request,
            accountId: account.id,
            key: idempotencyKeyOf(request.clientMessageId, call.metadata),
          }),
        );
      },
    ),
    getPoll: unary<photon.imessage.v1.GetPollRequest, PollResponse>(
      deps,
      async (request, account) => ({
        poll: await getPoll(store.repositories, account, request.pollMessageGuid),
      }),
    ),
    subscribePollEvents: deps.subscriptions.subscribePollEvents,
  };
}
