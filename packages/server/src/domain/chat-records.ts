import { randomBytes } from "node:crypto";
import type { Account } from "../auth/account.js";
import { findAccountIdsByAddresses } from "../auth/account-directory.js";
import { notFound } from "../errors/common-errors.js";
import type { ServerError } from "../errors/server-error.js";
import type { AddressOwner } from "../storage/repositories/account-repository.js";
import type { ChatRecord, ChatWithOwners } from "../storage/repositories/chat-repository.js";
import type { Repositories } from "../storage/repositories.js";
import { directChatGuid, groupChatGuid, parseChatGuid } from "./chat-guid.js";

export type { ChatRecord } from "../storage/repositories/chat-repository.js";

/** One account that can see a chat, with the address it takes part as and its name for the chat. */
export interface ChatViewer {
  readonly accountId: number;
  /** The participant address of this account in the chat. */
  readonly address: string;
  /** The chat GUID as this account names it. */
  readonly chatGuid: string;
}

/** A chat the caller can see, with the caller's own view of it. */
export interface ResolvedChat {
  readonly chat: ChatRecord;
  readonly viewer: ChatViewer;
  /**
   * The accounts owning the chat's participant addresses, when they were read with the
   * chat ({@link resolveChatWithOwners}); a fan-out then needs no read of its own.
   */
  readonly owners?: readonly AddressOwner[];
}

/** Creates the direct chat between `own` and `other`. Run inside a write. */
export async function insertDirectChat(
  repositories: Repositories,
  own: string,
  other: string,
  now: Date,
): Promise<ChatRecord> {
  return repositories.chats.insertDirect(own, other, now.getTime());
}

/**
 * The direct chat between `own` and `other`, created when they have none: two writes
 * creating the same pair at once (two processes on PostgreSQL) both get the one chat.
 * Run inside a write.
 */
export async function findOrInsertDirectChat(
  repositories: Repositories,
  own: string,
  other: string,
  now: Date,
): Promise<ChatRecord> {
  return (await repositories.chats.findOrInsertDirect(own, other, now.getTime())).chat;
}

/** Creates a group chat with a fresh random id; `participants` includes the creator first. */
export async function insertGroupChat(
  repositories: Repositories,
  participants: readonly string[],
  now: Date,
): Promise<ChatRecord> {
  return repositories.chats.insertGroup(
    randomBytes(16).toString("hex"),
    participants,
    now.getTime(),
  );
}

/** Adds participants after the current ones. Run inside a write. */
export async function appendParticipants(
  repositories: Repositories,
  chatId: number,
  addresses: readonly string[],
): Promise<void> {
  await repositories.chats.appendParticipants(chatId, addresses);
}

/** Removes participants; their state rows stay, so a re-added member keeps its read marker. */
export async function deleteParticipants(
  repositories: Repositories,
  chatId: number,
  addresses: readonly string[],
): Promise<void> {
  await repositories.chats.deleteParticipants(chatId, addresses);
}

/** The GUID `viewerAddress` uses for `chat`. */
export function chatGuidFor(chat: ChatRecord, viewerAddress: string): string {
  if (chat.isGroup && chat.groupId !== null) return groupChatGuid(chat.groupId);
  const other = chat.participants.find((address) => address !== viewerAddress) ?? viewerAddress;
  return directChatGuid(other);
}

/**
 * Every account that can see `chat`: the owner of each participant address that has
 * an account here, once per account (its first participant address wins).
 * `knownOwners`, the owners read together with `chat` (ChatRepository.findWithOwners
 * and its kin), spares the read.
 */
export async function chatViewers(
  repositories: Repositories,
  chat: ChatRecord,
  knownOwners?: readonly AddressOwner[],
): Promise<ChatViewer[]> {
  const owners =
    knownOwners === undefined
      ? await findAccountIdsByAddresses(repositories, chat.participants)
      : new Map(knownOwners.map((owner) => [owner.address, owner.accountId]));
  const viewers: ChatViewer[] = [];
  const seen = new Set<number>();
  for (const address of chat.participants) {
    const accountId = owners.get(address);
    if (accountId === undefined || seen.has(accountId)) continue;
    seen.add(accountId);
    viewers.push({ accountId, address, chatGuid: chatGuidFor(chat, address) });
  }
  return viewers;
}

/** The caller's view of `chat`, or undefined when none of its addresses takes part. */
export function viewerFor(chat: ChatRecord, account: Account): ChatViewer | undefined {
  const address = account.addresses.find((own) => chat.participants.includes(own));
  if (address === undefined) return undefined;
  return { accountId: account.id, address, chatGuid: chatGuidFor(chat, address) };
}

/**
 * Finds the chat `chatGuid` names from the caller's side. Throws INVALID_ARGUMENT for
 * a malformed GUID and NOT_FOUND when the chat does not exist or the caller is not a
 * participant (the two are indistinguishable on purpose, so existence never leaks).
 * A direct GUID is resolved from each of the caller's addresses in order, primary first.
 */
export async function resolveChat(
  repositories: Repositories,
  account: Account,
  chatGuid: string,
  field = "chat_guid",
): Promise<ResolvedChat> {
  const chat = await findNamedChat(
    account,
    chatGuid,
    field,
    (groupId) => repositories.chats.findGroup(groupId),
    (own, other) => repositories.chats.findDirect(own, other),
  );
  return { chat, viewer: viewerOrNotFound(chat, account, chatGuid) };
}

/**
 * {@link resolveChat} that also reads the accounts owning the chat's participant
 * addresses, in the same round trip (for a send, whose fan-out needs them).
 */
export async function resolveChatWithOwners(
  repositories: Repositories,
  account: Account,
  chatGuid: string,
  field = "chat_guid",
): Promise<ResolvedChat & { readonly owners: readonly AddressOwner[] }> {
  const found = await findNamedChat(
    account,
    chatGuid,
    field,
    (groupId) => repositories.chats.findGroupWithOwners(groupId),
    (own, other) => repositories.chats.findDirectWithOwners(own, other),
  );
  return {
    chat: found.chat,
    viewer: viewerOrNotFound(found.chat, account, chatGuid),
    owners: found.owners,
  };
}

function chatNotFound(chatGuid: string): ServerError {
  return notFound(
    `chat ${JSON.stringify(chatGuid)} was not found among the chats this account takes part in`,
  );
}

function viewerOrNotFound(chat: ChatRecord, account: Account, chatGuid: string): ChatViewer {
  const viewer = viewerFor(chat, account);
  if (viewer === undefined) throw chatNotFound(chatGuid);
  return viewer;
}

// The chat a GUID names from the caller's side, read by `group` or `direct`: a direct
// GUID is tried from each of the caller's addresses in order, primary first.
async function findNamedChat<Found>(
  account: Account,
  chatGuid: string,
  field: string,
  group: (groupId: string) => Promise<Found | undefined>,
  direct: (own: string, other: string) => Promise<Found | undefined>,
): Promise<Found> {
  const parsed = parseChatGuid(chatGuid, field);
  let found: Found | undefined;
  if (parsed.kind === "group") {
    found = await group(parsed.groupId);
  } else if (!account.addresses.includes(parsed.address)) {
    for (const own of account.addresses) {
      found = await direct(own, parsed.address);
      if (found !== undefined) break;
    }
  }
  if (found === undefined) throw chatNotFound(chatGuid);
  return found;
}

/**
 * {@link resolveChat} for a write that reads the chat (its participants, name, icon,
 * background, the caller's read marker or archive flag, its messages or polls), decides,
 * and then changes it: the chat is locked until the write ends and read again once the
 * lock is held, so the write decides on what every earlier write committed (on
 * PostgreSQL a concurrent write of the same chat waits; on SQLite the writer is alone).
 * A write that changes the participants passes `lock` "membership", which on
 * PostgreSQL also holds off sends into the chat ({@link chatAfterInsert}).
 * NOT_FOUND as for resolveChat, also when the caller left the chat meanwhile.
 */
export async function resolveChatForChange(
  repositories: Repositories,
  account: Account,
  chatGuid: string,
  field = "chat_guid",
  lock: "state" | "membership" = "state",
): Promise<ResolvedChat> {
  const resolved = await resolveChat(repositories, account, chatGuid, field);
  const chat =
    lock === "membership"
      ? await repositories.chats.findForMembershipChange(resolved.chat.id)
      : await repositories.chats.findForUpdate(resolved.chat.id);
  const viewer = chat === undefined ? undefined : viewerFor(chat, account);
  if (chat === undefined || viewer === undefined) {
    throw notFound(
      `chat ${JSON.stringify(chatGuid)} was not found among the chats this account takes part in`,
    );
  }
  return { chat, viewer };
}

/**
 * The chat as it is once a message or poll of `sender` was inserted into it, for that
 * row's fan-out: the insert holds the chat against membership changes (on PostgreSQL
 * its foreign key's KEY SHARE lock waits for a membership change in flight, which
 * locks the chat FOR UPDATE, and makes later ones wait), so this read has exactly the
 * participants its events go to.
 * NOT_FOUND, undoing the write, when the sender left or was removed meanwhile.
 */
export async function chatAfterInsert(
  repositories: Repositories,
  chat: ChatRecord,
  sender: ChatViewer,
): Promise<ChatRecord> {
  // Only groups change members; a direct chat's two participants are fixed for good.
  if (!chat.isGroup) return chat;
  const current = await repositories.chats.find(chat.id);
  if (current === undefined || !current.participants.includes(sender.address)) {
    throw notFound(
      `chat ${JSON.stringify(sender.chatGuid)} was not found among the chats this account takes part in`,
    );
  }
  return current;
}

/**
 * {@link chatAfterInsert} with the accounts owning the participants: a group is read
 * again together with its owners (one round trip on PostgreSQL); a direct chat keeps
 * `knownOwners` (undefined when the caller has none: the fan-out then reads them).
 */
export async function chatAfterInsertWithOwners(
  repositories: Repositories,
  chat: ChatRecord,
  sender: ChatViewer,
  knownOwners: readonly AddressOwner[] | undefined,
): Promise<{ readonly chat: ChatRecord; readonly owners: readonly AddressOwner[] | undefined }> {
  if (!chat.isGroup) return { chat, owners: knownOwners };
  const current: ChatWithOwners | undefined = await repositories.chats.findWithOwners(chat.id);
  if (current === undefined || !current.chat.participants.includes(sender.address)) {
    throw notFound(
      `chat ${JSON.stringify(sender.chatGuid)} was not found among the chats this account takes part in`,
    );
  }
  return current;
}
