/** A stored poll (its options and votes are read separately). */
export interface PollRecord {
  readonly id: number;
  readonly guid: string;
  readonly chatId: number;
  readonly title: string;
}

/** A new poll's fields. */
export interface NewPollRecord {
  readonly guid: string;
  readonly chatId: number;
  readonly creatorAddress: string;
  readonly title: string;
  /** Epoch milliseconds. */
  readonly createdAt: number;
}

/** One option of a poll. */
export interface PollOptionRecord {
  readonly optionIdentifier: string;
  readonly text: string;
  readonly creatorAddress: string;
}

/** One participant's vote. */
export interface PollVoteRecord {
  readonly voterAddress: string;
  readonly optionIdentifier: string;
}

/**
 * Polls, their options and votes (one vote per voter address and poll).
 *
 * Every method is async, takes and returns plain data (no driver types), and is
 * implemented by both engines: `storage/sqlite/` and `storage/postgres/`. Inside a
 * write it runs in the write's transaction; outside it reads committed data.
 */
export interface PollRepository {
  /** Stores a poll (its GUID is unique); resolves with the new id. */
  insert(poll: NewPollRecord): Promise<number>;
  /** The poll with `guid`, or undefined. */
  find(guid: string): Promise<PollRecord | undefined>;
  /** Adds an option at `position` (0, 1, …: the order options are listed in). */
  insertOption(pollId: number, option: PollOptionRecord, position: number): Promise<void>;
  /** The options of a poll by position. */
  listOptions(pollId: number): Promise<PollOptionRecord[]>;
  /** The votes of a poll, oldest first (ties by voter address). */
  listVotes(pollId: number): Promise<PollVoteRecord[]>;
  /** The option `voterAddress` voted for, or undefined. */
  findVote(pollId: number, voterAddress: string): Promise<string | undefined>;
  /** Casts or moves `voterAddress`'s vote; `votedAt` (epoch ms) becomes the vote's time. */
  setVote(
    pollId: number,
    voterAddress: string,
    optionIdentifier: string,
    votedAt: number,
  ): Promise<void>;
  /** Withdraws `voterAddress`'s vote, if any. */
  deleteVote(pollId: number, voterAddress: string): Promise<void>;
}
