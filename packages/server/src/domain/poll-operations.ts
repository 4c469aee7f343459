import { randomUUID } from "node:crypto";
import type { photon } from "@threadline/protocol";
import type { Account } from "../auth/account.js";
import { invalidArgument, notFound } from "../errors/common-errors.js";
import type { PollRecord } from "../storage/repositories/poll-repository.js";
import type { Repositories } from "../storage/repositories.js";
import type { WriteContext } from "../storage/write-context.js";
import {
  type ChatRecord,
  type ChatViewer,
  chatAfterInsert,
  chatViewers,
  resolveChat,
  viewerFor,
} from "./chat-records.js";
import { addressInfo, envelopeFor } from "./event-envelope.js";
import { maxShortTextLength, requireText } from "./text-rules.js";

type PollInfo = photon.imessage.v1.PollInfo.$Properties;
type PollOption = photon.imessage.v1.PollOption.$Properties;
type PollChange = Omit<
  photon.imessage.v1.PollChangeEvent.$Properties,
  "chatGuid" | "pollMessageGuid" | "occurredAt" | "actor" | "isFromMe"
>;

/** Most options one poll may have. */
export const maxPollOptions = 32;

/** A poll the caller can see. */
interface VisiblePoll {
  readonly poll: PollRecord;
  readonly chat: ChatRecord;
  readonly viewer: ChatViewer;
}

function optionKey(text: string): string {
  return text.trim().toLocaleLowerCase("en-US");
}

/** A CreatePoll request after validation. */
export interface CreatePollInput {
  readonly title: string;
  readonly options: readonly string[];
}

/**
 * Validates a poll: a non-blank title and 2 to 32 non-blank options, distinct when
 * compared trimmed and case-insensitively, each at most 256 characters. Throws
 * INVALID_ARGUMENT naming the problem.
 */
export function validateCreatePoll(
  request: photon.imessage.v1.CreatePollRequest.$Properties,
): CreatePollInput {
  const title = requireText(request.title ?? "", "title", maxShortTextLength).trim();
  const raw = request.options ?? [];
  if (raw.length < 2 || raw.length > maxPollOptions) {
    throw invalidArgument(
      `options has ${raw.length} entries; a poll needs 2 to ${maxPollOptions} options`,
      {
        field: "options",
      },
    );
  }
  const seen = new Map<string, string>();
  raw.forEach((option, index) => {
    const text = requireText(option, `options[${index}]`, maxShortTextLength).trim();
    const earlier = seen.get(optionKey(text));
    if (earlier !== undefined) {
      throw invalidArgument(
        `options[${index}] ${JSON.stringify(option)} repeats ${JSON.stringify(earlier)}; poll options must be distinct (compared ignoring case and surrounding spaces)`,
        { field: "options" },
      );
    }
    seen.set(optionKey(text), text);
  });
  return { title, options: [...seen.values()] };
}

async function optionsOf(repositories: Repositories, pollId: number): Promise<PollOption[]> {
  return (await repositories.polls.listOptions(pollId)).map((option) => ({
    text: option.text,
    optionIdentifier: option.optionIdentifier,
    creatorHandle: option.creatorAddress,
  }));
}

async function pollInfo(
  repositories: Repositories,
  poll: PollRecord,
  chatGuid: string,
): Promise<PollInfo> {
  const votes = (await repositories.polls.listVotes(poll.id)).map((vote) => ({
    participant: addressInfo(vote.voterAddress),
    optionIdentifier: vote.optionIdentifier,
  }));
  return {
    pollMessageGuid: poll.guid,
    chatGuid,
    title: poll.title,
    options: await optionsOf(repositories, poll.id),
    votes,
  };
}

function insertOption(
  repositories: Repositories,
  pollId: number,
  text: string,
  creator: string,
  position: number,
): Promise<void> {
  return repositories.polls.insertOption(
    pollId,
    { optionIdentifier: randomUUID(), text, creatorAddress: creator },
    position,
  );
}

async function appendPollEvent(
  context: WriteContext,
  found: VisiblePoll,
  actorAccountId: number,
  change: PollChange,
): Promise<void> {
  const actor = { accountId: actorAccountId, address: found.viewer.address };
  for (const viewer of await chatViewers(context.repositories, found.chat)) {
    context.appendEvent(viewer.accountId, {
      kind: "poll",
      event: {
        ...envelopeFor(viewer, actor, context.now),
        pollMessageGuid: found.poll.guid,
        ...change,
      },
    });
  }
}

/** Creates a poll in the chat and appends `poll.changed` created to everyone in it. Run inside a write. */
export async function createPoll(
  context: WriteContext,
  account: Account,
  chatGuid: string,
  input: CreatePollInput,
): Promise<PollInfo> {
  const { repositories } = context;
  const { chat, viewer } = await resolveChat(repositories, account, chatGuid);
  const guid = randomUUID().toUpperCase();
  const id = await repositories.polls.insert({
    guid,
    chatId: chat.id,
    creatorAddress: viewer.address,
    title: input.title,
    createdAt: context.now.getTime(),
  });
  const poll: PollRecord = { id, guid, chatId: chat.id, title: input.title };
  for (const [position, text] of input.options.entries()) {
    await insertOption(repositories, poll.id, text, viewer.address, position);
  }
  const found = { poll, chat: await chatAfterInsert(repositories, chat, viewer), viewer };
  await appendPollEvent(context, found, account.id, {
    created: { title: input.title, options: await optionsOf(repositories, poll.id) },
  });
  return pollInfo(repositories, poll, viewer.chatGuid);
}

function checkPollGuid(value: string): string {
  if (!/^[\x21-\x7e]{1,128}$/.test(value)) {
    throw invalidArgument(
      `poll_message_guid must be a poll GUID (1 to 128 printable characters without spaces); received ${JSON.stringify(value.slice(0, 64))}`,
      { field: "poll_message_guid" },
    );
  }
  return value;
}

async function visiblePoll(
  repositories: Repositories,
  account: Account,
  pollGuid: string,
): Promise<VisiblePoll> {
  const poll = await repositories.polls.find(checkPollGuid(pollGuid));
  const chat = poll === undefined ? undefined : await repositories.chats.find(poll.chatId);
  const viewer = chat === undefined ? undefined : viewerFor(chat, account);
  if (poll === undefined || chat === undefined || viewer === undefined) {
    throw notFound(
      `poll ${JSON.stringify(pollGuid)} was not found in the chats this account takes part in`,
    );
  }
  return { poll, chat, viewer };
}

/**
 * {@link visiblePoll} for a write that reads the poll's votes or options, decides and
 * then changes them: the poll's chat is locked for the rest of the write and read once
 * the lock is held, so two votes of one voter, or two new options, at once (two
 * processes on PostgreSQL) are decided one after the other (one event per change,
 * never a duplicate option or a 33rd).
 */
async function visiblePollForChange(
  repositories: Repositories,
  account: Account,
  pollGuid: string,
): Promise<VisiblePoll> {
  const { poll } = await visiblePoll(repositories, account, pollGuid);
  const chat = await repositories.chats.findForUpdate(poll.chatId);
  const viewer = chat === undefined ? undefined : viewerFor(chat, account);
  if (chat === undefined || viewer === undefined) {
    throw notFound(
      `poll ${JSON.stringify(pollGuid)} was not found in the chats this account takes part in`,
    );
  }
  return { poll, chat, viewer };
}

/**
 * Casts the caller's vote, or moves it: a moved vote appends `poll.changed` unvoted for
 * the old option, then voted for the new one. Voting for the option already chosen
 * changes nothing. An unknown option is INVALID_ARGUMENT. Run inside a write.
 */
export async function votePoll(
  context: WriteContext,
  account: Account,
  pollGuid: string,
  optionIdentifier: string,
): Promise<PollInfo> {
  const { repositories } = context;
  const found = await visiblePollForChange(repositories, account, pollGuid);
  const known = (await optionsOf(repositories, found.poll.id)).some(
    (option) => option.optionIdentifier === optionIdentifier,
  );
  if (!known) {
    throw invalidArgument(
      `option_identifier ${JSON.stringify(optionIdentifier.slice(0, 64))} is not an option of poll ${found.poll.guid}; use an option_identifier from GetPoll`,
      { field: "option_identifier" },
    );
  }
  const previous = await repositories.polls.findVote(found.poll.id, found.viewer.address);
  if (previous !== optionIdentifier) {
    await repositories.polls.setVote(
      found.poll.id,
      found.viewer.address,
      optionIdentifier,
      context.now.getTime(),
    );
    if (previous !== undefined) {
      await appendPollEvent(context, found, account.id, {
        unvoted: { optionIdentifier: previous },
      });
    }
    await appendPollEvent(context, found, account.id, { voted: { optionIdentifier } });
  }
  return pollInfo(repositories, found.poll, found.viewer.chatGuid);
}

/** Withdraws the caller's vote (`poll.changed` unvoted); without a vote it is a no-op. Run inside a write. */
export async function unvotePoll(
  context: WriteContext,
  account: Account,
  pollGuid: string,
): Promise<PollInfo> {
  const { repositories } = context;
  const found = await visiblePollForChange(repositories, account, pollGuid);
  const previous = await repositories.polls.findVote(found.poll.id, found.viewer.address);
  if (previous !== undefined) {
    await repositories.polls.deleteVote(found.poll.id, found.viewer.address);
    await appendPollEvent(context, found, account.id, { unvoted: { optionIdentifier: previous } });
  }
  return pollInfo(repositories, found.poll, found.viewer.chatGuid);
}

/** Validates a new option's text (non-blank, at most 256 characters). */
export function validateOptionText(value: string): string {
  return requireText(value, "option_text", maxShortTextLength).trim();
}

/**
 * Adds an option (`poll.changed` optionAdded with the full option list). An option
 * equal to an existing one (ignoring case and surrounding spaces) is INVALID_ARGUMENT,
 * as is going past 32 options. Run inside a write.
 */
export async function addPollOption(
  context: WriteContext,
  account: Account,
  pollGuid: string,
  text: string,
): Promise<PollInfo> {
  const { repositories } = context;
  const found = await visiblePollForChange(repositories, account, pollGuid);
  const options = await optionsOf(repositories, found.poll.id);
  if (options.some((option) => optionKey(option.text ?? "") === optionKey(text))) {
    throw invalidArgument(
      `option_text ${JSON.stringify(text)} is already an option of this poll; options must be distinct`,
      {
        field: "option_text",
      },
    );
  }
  if (options.length >= maxPollOptions) {
    throw invalidArgument(
      `poll ${found.poll.guid} already has ${maxPollOptions} options, the most a poll may have`,
      {
        field: "option_text",
      },
    );
  }
  await insertOption(repositories, found.poll.id, text, found.viewer.address, options.length);
  await appendPollEvent(context, found, account.id, {
    optionAdded: { title: found.poll.title, options: await optionsOf(repositories, found.poll.id) },
  });
  return pollInfo(repositories, found.poll, found.viewer.chatGuid);
}

/** The poll as the caller sees it; NOT_FOUND outside the caller's chats. */
export async function getPoll(
  repositories: Repositories,
  account: Account,
  pollGuid: string,
): Promise<PollInfo> {
  const found = await visiblePoll(repositories, account, pollGuid);
  return pollInfo(repositories, found.poll, found.viewer.chatGuid);
}
