import { addressFromWire, ProtocolError, pollOptionFromWire } from "@threadline/core";
import type { photon } from "@threadline/protocol";
import type { Poll } from "./poll.js";

/**
 * Maps the poll a `PollResponse` must carry onto {@link Poll}.
 *
 * @throws ProtocolError when the response has no poll, which no conforming server sends.
 * @internal not covered by semver
 */
export function pollFromWire(
  poll: photon.imessage.v1.PollInfo | null | undefined,
  where: string,
): Poll {
  if (poll === null || poll === undefined) {
    throw new ProtocolError(
      `the server's ${where} has no poll, which a conforming server always sends`,
      { context: { field: "poll" } },
    );
  }
  return {
    pollMessageGuid: poll.pollMessageGuid,
    chatGuid: poll.chatGuid,
    title: poll.title,
    options: poll.options.map(pollOptionFromWire),
    votes: poll.votes.map((vote) => {
      if (vote.participant === null || vote.participant === undefined) {
        throw new ProtocolError(
          `the server's ${where} has a vote without a participant, which a conforming server never sends`,
          { context: { field: "votes.participant" } },
        );
      }
      return {
        participant: addressFromWire(vote.participant),
        optionIdentifier: vote.optionIdentifier,
      };
    }),
  };
}
