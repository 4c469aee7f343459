import { randomUUID } from "node:crypto";
import type { photon } from "@threadline/protocol";
import type { Database } from "better-sqlite3";
import type { Account } from "../auth/account.js";
import { invalidArgument, notFound } from "../errors/common-errors.js";
import { cachedStatement } from "../storage/statement-cache.js";
import type { WriteContext } from "../storage/write-context.js";
import {
  type ChatRecord,
  type ChatViewer,
  chatViewers,
  loadChat,
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

interface PollRow {
  readonly id: number;
  readonly guid: string;
  readonly chat_id: number;
  readonly title: string;
}

/** A poll the caller can see. */
interface VisiblePoll {
  readonly poll: PollRow;
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

function optionsOf(db: Database, pollId: number): PollOption[] {
  return cachedStatement<
    [number],
    { option_identifier: string; text: string; creator_address: string }
  >(
    db,
    "SELECT option_identifier, text, creator_address FROM poll_options WHERE poll_id = ? ORDER BY position",
  )
    .all(pollId)
    .map((row) => ({
      text: row.text,
      optionIdentifier: row.option_identifier,
      creatorHandle: row.creator_address,
    }));
}

function pollInfo(db: Database, poll: PollRow, chatGuid: string): PollInfo {
  const votes = cachedStatement<[number], { voter_address: string; option_identifier: string }>(
    db,
    "SELECT voter_address, option_identifier FROM poll_votes WHERE poll_id = ? ORDER BY created_at, voter_address",
  )
    .all(poll.id)
    .map((row) => ({
      participant: addressInfo(row.voter_address),
      optionIdentifier: row.option_identifier,
    }));
  return {
    pollMessageGuid: poll.guid,
    chatGuid,
    title: poll.title,
    options: optionsOf(db, poll.id),
    votes,
  };
}

function insertOption(
  db: Database,
  pollId: number,
  text: string,
  creator: string,
  position: number,
): void {
  cachedStatement<[number, string, string, string, number]>(
    db,
    "INSERT INTO poll_options (poll_id, option_identifier, text, creator_address, position) VALUES (?, ?, ?, ?, ?)",
  ).run(pollId, randomUUID(), text, creator, position);
}

function appendPollEvent(
  context: WriteContext,
  found: VisiblePoll,
  actorAccountId: number,
  change: PollChange,
): void {
  const actor = { accountId: actorAccountId, address: found.viewer.address };
  for (const viewer of chatViewers(context.db, found.chat)) {
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
export function createPoll(
  context: WriteContext,
  account: Account,
  chatGuid: string,
  input: CreatePollInput,
): PollInfo {
  const { chat, viewer } = resolveChat(context.db, account, chatGuid);
  const guid = randomUUID().toUpperCase();
  const result = cachedStatement<[string, number, string, string, number]>(
    context.db,
    "INSERT INTO polls (guid, chat_id, creator_address, title, created_at) VALUES (?, ?, ?, ?, ?)",
  ).run(guid, chat.id, viewer.address, input.title, context.now.getTime());
  const poll: PollRow = {
    id: Number(result.lastInsertRowid),
    guid,
    chat_id: chat.id,
    title: input.title,
  };
  input.options.forEach((text, position) => {
    insertOption(context.db, poll.id, text, viewer.address, position);
  });
  const found = { poll, chat, viewer };
  appendPollEvent(context, found, account.id, {
    created: { title: input.title, options: optionsOf(context.db, poll.id) },
  });
  return pollInfo(context.db, poll, viewer.chatGuid);
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

function visiblePoll(db: Database, account: Account, pollGuid: string): VisiblePoll {
  const poll = cachedStatement<[string], PollRow>(
    db,
    "SELECT id, guid, chat_id, title FROM polls WHERE guid = ?",
  ).get(checkPollGuid(pollGuid));
  const chat = poll === undefined ? undefined : loadChat(db, poll.chat_id);
  const viewer = chat === undefined ? undefined : viewerFor(chat, account);
  if (poll === undefined || chat === undefined || viewer === undefined) {
    throw notFound(
      `poll ${JSON.stringify(pollGuid)} was not found in the chats this account takes part in`,
    );
  }
  return { poll, chat, viewer };
}

function currentVote(db: Database, pollId: number, voter: string): string | undefined {
  return cachedStatement<[number, string], { option_identifier: string }>(
    db,
    "SELECT option_identifier FROM poll_votes WHERE poll_id = ? AND voter_address = ?",
  ).get(pollId, voter)?.option_identifier;
}

/**
 * Casts the caller's vote, or moves it: a moved vote appends `poll.changed` unvoted for
 * the old option, then voted for the new one. Voting for the option already chosen
 * changes nothing. An unknown option is INVALID_ARGUMENT. Run inside a write.
 */
export function votePoll(
  context: WriteContext,
  account: Account,
  pollGuid: string,
  optionIdentifier: string,
): PollInfo {
  const found = visiblePoll(context.db, account, pollGuid);
  const known = optionsOf(context.db, found.poll.id).some(
    (option) => option.optionIdentifier === optionIdentifier,
  );
  if (!known) {
    throw invalidArgument(
      `option_identifier ${JSON.stringify(optionIdentifier.slice(0, 64))} is not an option of poll ${found.poll.guid}; use an option_identifier from GetPoll`,
      { field: "option_identifier" },
    );
  }
  const previous = currentVote(context.db, found.poll.id, found.viewer.address);
  if (previous !== optionIdentifier) {
    cachedStatement<[number, string, string, number]>(
      context.db,
      `INSERT INTO poll_votes (poll_id, voter_address, option_identifier, created_at) VALUES (?, ?, ?, ?)
       ON CONFLICT (poll_id, voter_address) DO UPDATE SET option_identifier = excluded.option_identifier, created_at = excluded.created_at`,
    ).run(found.poll.id, found.viewer.address, optionIdentifier, context.now.getTime());
    if (previous !== undefined)
      appendPollEvent(context, found, account.id, { unvoted: { optionIdentifier: previous } });
    appendPollEvent(context, found, account.id, { voted: { optionIdentifier } });
  }
  return pollInfo(context.db, found.poll, found.viewer.chatGuid);
}

/** Withdraws the caller's vote (`poll.changed` unvoted); without a vote it is a no-op. Run inside a write. */
export function unvotePoll(context: WriteContext, account: Account, pollGuid: string): PollInfo {
  const found = visiblePoll(context.db, account, pollGuid);
  const previous = currentVote(context.db, found.poll.id, found.viewer.address);
  if (previous !== undefined) {
    cachedStatement<[number, string]>(
      context.db,
      "DELETE FROM poll_votes WHERE poll_id = ? AND voter_address = ?",
    ).run(found.poll.id, found.viewer.address);
    appendPollEvent(context, found, account.id, { unvoted: { optionIdentifier: previous } });
  }
  return pollInfo(context.db, found.poll, found.viewer.chatGuid);
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
export function addPollOption(
  context: WriteContext,
  account: Account,
  pollGuid: string,
  text: string,
): PollInfo {
  const found = visiblePoll(context.db, account, pollGuid);
  const options = optionsOf(context.db, found.poll.id);
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
  insertOption(context.db, found.poll.id, text, found.viewer.address, options.length);
  appendPollEvent(context, found, account.id, {
    optionAdded: { title: found.poll.title, options: optionsOf(context.db, found.poll.id) },
  });
  return pollInfo(context.db, found.poll, found.viewer.chatGuid);
}

/** The poll as the caller sees it; NOT_FOUND outside the caller's chats. */
export function getPoll(db: Database, account: Account, pollGuid: string): PollInfo {
  const found = visiblePoll(db, account, pollGuid);
  return pollInfo(db, found.poll, found.viewer.chatGuid);
}
