import { randomBytes } from "node:crypto";
import type { Database } from "better-sqlite3";
import type { Account } from "../auth/account.js";
import { findAccountIdsByAddresses } from "../auth/account-directory.js";
import { notFound } from "../errors/common-errors.js";
import { cachedStatement } from "../storage/statement-cache.js";
import { directChatGuid, groupChatGuid, parseChatGuid } from "./chat-guid.js";

/** A chat as stored: shared by every participant, whoever looks at it. */
export interface ChatRecord {
  readonly id: number;
  readonly isGroup: boolean;
  /** Group id (the part after `any;+;`); null for direct chats. */
  readonly groupId: string | null;
  readonly displayName: string | null;
  /** Current participants' normalised addresses, in the order they joined. */
  readonly participants: readonly string[];
  /** MIME type of the background, or null when none is set. */
  readonly backgroundType: string | null;
  /** MIME type of the group icon, or null when none is set. */
  readonly iconType: string | null;
}

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
}

interface ChatRow {
  readonly id: number;
  readonly is_group: number;
  readonly group_id: string | null;
  readonly display_name: string | null;
  readonly background_type: string | null;
  readonly icon_type: string | null;
}

const chatColumns = "id, is_group, group_id, display_name, background_type, icon_type";

function participantsOf(db: Database, chatId: number): string[] {
  return cachedStatement<[number], { address: string }>(
    db,
    "SELECT address FROM chat_participants WHERE chat_id = ? ORDER BY position",
  )
    .all(chatId)
    .map((row) => row.address);
}

function recordFrom(db: Database, row: ChatRow): ChatRecord {
  return {
    id: row.id,
    isGroup: row.is_group === 1,
    groupId: row.group_id,
    displayName: row.display_name,
    participants: participantsOf(db, row.id),
    backgroundType: row.background_type,
    iconType: row.icon_type,
  };
}

/** The chat with row id `id`, or undefined. */
export function loadChat(db: Database, id: number): ChatRecord | undefined {
  const row = cachedStatement<[number], ChatRow>(
    db,
    `SELECT ${chatColumns} FROM chats WHERE id = ?`,
  ).get(id);
  return row === undefined ? undefined : recordFrom(db, row);
}

/** The storage key of the direct chat between two addresses, whichever side asks. */
export function directKey(first: string, second: string): string {
  return first < second ? `${first}\n${second}` : `${second}\n${first}`;
}

/** The direct chat between two addresses, or undefined when they have none yet. */
export function findDirectChat(
  db: Database,
  first: string,
  second: string,
): ChatRecord | undefined {
  const row = cachedStatement<[string], ChatRow>(
    db,
    `SELECT ${chatColumns} FROM chats WHERE direct_key = ?`,
  ).get(directKey(first, second));
  return row === undefined ? undefined : recordFrom(db, row);
}

function insertParticipants(
  db: Database,
  chatId: number,
  addresses: readonly string[],
  from: number,
): void {
  const insert = cachedStatement<[number, string, number]>(
    db,
    "INSERT INTO chat_participants (chat_id, address, position) VALUES (?, ?, ?)",
  );
  addresses.forEach((address, index) => {
    insert.run(chatId, address, from + index);
  });
}

/** Creates the direct chat between `own` and `other`. Run inside a write. */
export function insertDirectChat(db: Database, own: string, other: string, now: Date): ChatRecord {
  const result = cachedStatement<[string, number]>(
    db,
    "INSERT INTO chats (is_group, direct_key, created_at) VALUES (0, ?, ?)",
  ).run(directKey(own, other), now.getTime());
  const id = Number(result.lastInsertRowid);
  insertParticipants(db, id, [own, other], 0);
  return {
    id,
    isGroup: false,
    groupId: null,
    displayName: null,
    participants: [own, other],
    backgroundType: null,
    iconType: null,
  };
}

/** Creates a group chat with a fresh random id; `participants` includes the creator first. */
export function insertGroupChat(
  db: Database,
  participants: readonly string[],
  now: Date,
): ChatRecord {
  const groupId = randomBytes(16).toString("hex");
  const result = cachedStatement<[string, number]>(
    db,
    "INSERT INTO chats (is_group, group_id, created_at) VALUES (1, ?, ?)",
  ).run(groupId, now.getTime());
  const id = Number(result.lastInsertRowid);
  insertParticipants(db, id, participants, 0);
  return {
    id,
    isGroup: true,
    groupId,
    displayName: null,
    participants: [...participants],
    backgroundType: null,
    iconType: null,
  };
}

/** Adds participants after the current ones. Run inside a write. */
export function appendParticipants(
  db: Database,
  chatId: number,
  addresses: readonly string[],
): void {
  const row = cachedStatement<[number], { next: number }>(
    db,
    "SELECT COALESCE(MAX(position) + 1, 0) AS next FROM chat_participants WHERE chat_id = ?",
  ).get(chatId);
  insertParticipants(db, chatId, addresses, row?.next ?? 0);
}

/** Removes participants; their state rows stay, so a re-added member keeps its read marker. */
export function deleteParticipants(
  db: Database,
  chatId: number,
  addresses: readonly string[],
): void {
  const remove = cachedStatement<[number, string]>(
    db,
    "DELETE FROM chat_participants WHERE chat_id = ? AND address = ?",
  );
  for (const address of addresses) remove.run(chatId, address);
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
 */
export function chatViewers(db: Database, chat: ChatRecord): ChatViewer[] {
  const owners = findAccountIdsByAddresses(db, chat.participants);
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
export function resolveChat(
  db: Database,
  account: Account,
  chatGuid: string,
  field = "chat_guid",
): ResolvedChat {
  const parsed = parseChatGuid(chatGuid, field);
  let chat: ChatRecord | undefined;
  if (parsed.kind === "group") {
    const row = cachedStatement<[string], ChatRow>(
      db,
      `SELECT ${chatColumns} FROM chats WHERE group_id = ?`,
    ).get(parsed.groupId);
    chat = row === undefined ? undefined : recordFrom(db, row);
  } else if (!account.addresses.includes(parsed.address)) {
    for (const own of account.addresses) {
      chat = findDirectChat(db, own, parsed.address);
      if (chat !== undefined) break;
    }
  }
  const viewer = chat === undefined ? undefined : viewerFor(chat, account);
  if (chat === undefined || viewer === undefined) {
    throw notFound(
      `chat ${JSON.stringify(chatGuid)} was not found among the chats this account takes part in`,
    );
  }
  return { chat, viewer };
}
