/**
 * @threadline/polls: post polls, vote and watch poll changes as `im.polls`.
 *
 * ```ts
 * import { createClient } from "@threadline/core";
 * import { polls } from "@threadline/polls";
 *
 * const im = createClient({ address, token, resources: { polls } });
 * const poll = await im.polls.create(chatGuid, "Where?", ["Pizza", "Sushi"]);
 * await im.polls.vote(poll.pollMessageGuid, poll.options[0].optionIdentifier);
 * ```
 */

/** Every event `subscribeEvents(...)` yields; the same shape catch-up replays. */
export type { PollChangeDelta, PollEvent, PollOption, UnknownEvent } from "@threadline/core";
export type {
  Poll,
  PollCallOptions,
  PollEventFilter,
  PollParticipantVote,
  PollWriteOptions,
} from "./poll.js";
export { maxPollOptions, maxPollTextLength, minPollOptions } from "./poll-text.js";
export { type PollsResource, polls } from "./polls-resource.js";
