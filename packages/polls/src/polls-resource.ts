import {
  type ClientContext,
  invalidArgument,
  type LiveEventStream,
  type PollEvent,
  parseChatGuid,
  type ResourceFactory,
  resourceCallSettings,
  resourceWriteSettings,
  type UnknownEvent,
} from "@threadline/core";
import { PollServiceDefinition } from "@threadline/protocol";
import type { Poll, PollCallOptions, PollEventFilter, PollWriteOptions } from "./poll.js";
import { checkOptionIdentifier, checkPollMessageGuid } from "./poll-identifiers.js";
import { pollFromWire } from "./poll-mapping.js";
import { checkPollChoices, checkPollText } from "./poll-text.js";

/**
 * `im.polls`: post polls, vote, add options, read a poll's state and watch its changes.
 *
 * Every method checks its arguments before any network call and throws ValidationError
 * saying what is allowed; the server checks them again. Writes carry an idempotency key
 * (your `clientMessageId`, or one the SDK makes per call) that the SDK's own retries
 * reuse, so a retried write is applied once.
 */
export interface PollsResource {
  /**
   * Posts a poll into a direct or group chat. Title and choices are trimmed.
   *
   * @throws ValidationError for a malformed chat GUID, a blank or over-long title, fewer
   * than 2 or more than 32 choices, a blank or over-long choice, or two choices that are
   * the same ignoring case and surrounding spaces; NotFoundError when the caller is not
   * in the chat.
   */
  create(
    chat: string,
    title: string,
    choices: readonly string[],
    options?: PollWriteOptions,
  ): Promise<Poll>;
  /**
   * Casts the caller's vote, or moves it to another option. Voting for the option
   * already chosen changes nothing.
   *
   * @throws ValidationError for a malformed GUID or option identifier, or (from the
   * server) an identifier that is not an option of this poll.
   */
  vote(pollMessage: string, optionId: string, options?: PollWriteOptions): Promise<Poll>;
  /** Withdraws the caller's vote; without a vote it changes nothing. */
  unvote(pollMessage: string, options?: PollWriteOptions): Promise<Poll>;
  /**
   * Adds a choice (trimmed) at the end.
   *
   * @throws ValidationError for blank or over-long text, or (from the server) text that
   * repeats an existing option or a poll that already has 32 options.
   */
  addOption(pollMessage: string, text: string, options?: PollWriteOptions): Promise<Poll>;
  /**
   * The poll's current state.
   *
   * @throws NotFoundError when the poll is not in a chat the caller takes part in.
   */
  get(pollMessage: string, options?: PollCallOptions): Promise<Poll>;
  /**
   * Live `poll.changed` events for one poll or every poll the account sees. `ready`
   * resolves once the server has registered the subscription. Missed events are
   * recovered with `im.events`. A change this SDK version does not know arrives as
   * `{ type: "unknown", sequence }` rather than being dropped.
   *
   * @throws ValidationError (synchronously) for a malformed `filter.pollMessage`.
   */
  subscribeEvents(filter?: PollEventFilter): LiveEventStream<PollEvent | UnknownEvent>;
}

function filterPoll(filter: unknown): string | undefined {
  if (filter === undefined) return undefined;
  if (typeof filter !== "object" || filter === null || Array.isArray(filter)) {
    throw invalidArgument("filter", "an object like { pollMessage } or omitted", filter);
  }
  const pollMessage: unknown = Reflect.get(filter, "pollMessage");
  return pollMessage === undefined
    ? undefined
    : checkPollMessageGuid("filter.pollMessage", pollMessage);
}

/**
 * Builds `im.polls` on a client's {@link ClientContext}.
 *
 * @internal not covered by semver; use {@link polls}.
 */
export function createPollsResource(context: ClientContext): PollsResource {
  return {
    async create(chat, title, choices, options) {
      const chatGuid = parseChatGuid(chat, "chat").guid;
      const checkedTitle = checkPollText("title", title);
      const checkedChoices = checkPollChoices("choices", choices);
      const { clientMessageId, settings } = resourceWriteSettings("options", options);
      const response = await context.unary(
        PollServiceDefinition.createPoll,
        {
          chatGuid,
          title: checkedTitle,
          options: checkedChoices,
          ...(clientMessageId !== undefined ? { clientMessageId } : {}),
        },
        { ...settings, operation: "polls.create()" },
      );
      return pollFromWire(response.poll, "CreatePoll response");
    },

    async vote(pollMessage, optionId, options) {
      const pollMessageGuid = checkPollMessageGuid("pollMessage", pollMessage);
      const optionIdentifier = checkOptionIdentifier("optionId", optionId);
      const { clientMessageId, settings } = resourceWriteSettings("options", options);
      const response = await context.unary(
        PollServiceDefinition.votePoll,
        {
          pollMessageGuid,
          optionIdentifier,
          ...(clientMessageId !== undefined ? { clientMessageId } : {}),
        },
        { ...settings, operation: "polls.vote()" },
      );
      return pollFromWire(response.poll, "VotePoll response");
    },

    async unvote(pollMessage, options) {
      const pollMessageGuid = checkPollMessageGuid("pollMessage", pollMessage);
      const { clientMessageId, settings } = resourceWriteSettings("options", options);
      const response = await context.unary(
        PollServiceDefinition.unvotePoll,
        { pollMessageGuid, ...(clientMessageId !== undefined ? { clientMessageId } : {}) },
        { ...settings, operation: "polls.unvote()" },
      );
      return pollFromWire(response.poll, "UnvotePoll response");
    },

    async addOption(pollMessage, text, options) {
      const pollMessageGuid = checkPollMessageGuid("pollMessage", pollMessage);
      const optionText = checkPollText("text", text);
      const { clientMessageId, settings } = resourceWriteSettings("options", options);
      const response = await context.unary(
        PollServiceDefinition.addPollOption,
        {
          pollMessageGuid,
          optionText,
          ...(clientMessageId !== undefined ? { clientMessageId } : {}),
        },
        { ...settings, operation: "polls.addOption()" },
      );
      return pollFromWire(response.poll, "AddPollOption response");
    },

    async get(pollMessage, options) {
      const pollMessageGuid = checkPollMessageGuid("pollMessage", pollMessage);
      const response = await context.unary(
        PollServiceDefinition.getPoll,
        { pollMessageGuid },
        { ...resourceCallSettings("options", options), operation: "polls.get()" },
      );
      return pollFromWire(response.poll, "GetPoll response");
    },

    subscribeEvents(filter) {
      const poll = filterPoll(filter);
      return context.events.live("poll", poll === undefined ? {} : { poll });
    },
  };
}

/**
 * The polls resource. Add it when creating a client and use it as `im.polls`:
 *
 * ```ts
 * const im = createClient({ address, token, resources: { polls } });
 * const poll = await im.polls.create(chatGuid, "Where?", ["Pizza", "Sushi"]);
 * ```
 */
export const polls: ResourceFactory<PollsResource> = createPollsResource;
