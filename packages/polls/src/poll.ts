import type {
  PollOption,
  ResourceCallOptions,
  ResourceWriteOptions,
  SingleServiceAddressInfo,
} from "@threadline/core";

/** One participant's current vote. */
export interface PollParticipantVote {
  /** Who voted. */
  readonly participant: SingleServiceAddressInfo;
  /** The option they chose (an `optionIdentifier` of {@link Poll.options}). */
  readonly optionIdentifier: string;
}

/** A poll and its current votes, as the viewing account sees it. */
export interface Poll {
  /** The GUID of the message that carries the poll: the key every other polls call takes. */
  readonly pollMessageGuid: string;
  /** The chat the poll was posted in, named from the viewer's side. */
  readonly chatGuid: string;
  readonly title: string;
  /** The choices in the order they were added. */
  readonly options: readonly PollOption[];
  /** One entry per participant who has voted; a participant has at most one vote. */
  readonly votes: readonly PollParticipantVote[];
}

/** Per-call options every polls method accepts. */
export type PollCallOptions = ResourceCallOptions;

/** Per-call options of a polls write: the `clientMessageId` idempotency key, `signal`, `timeoutMs`. */
export type PollWriteOptions = ResourceWriteOptions;

/** Scope of `polls.subscribeEvents(...)`. */
export interface PollEventFilter {
  /** Only this poll's events (its `pollMessageGuid`); omit for every poll the account sees. */
  readonly pollMessage?: string;
}
