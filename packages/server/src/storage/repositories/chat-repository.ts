import type { AddressOwner } from "./account-repository.js";

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

/** One account's private state of one chat. */
export interface ChatAccountState {
  /** Every message up to this id counts as read by the account. */
  readonly readThroughMessageId: number;
  readonly isArchived: boolean;
}

/** An image stored on a chat (background or group icon), already validated. */
export interface ChatImage {
  readonly bytes: Uint8Array;
  /** Its MIME type. */
  readonly type: string;
}

/**
 * A chat with the accounts that own its participant addresses: one entry per
 * participant address that belongs to an account, in participant order.
 */
export interface ChatWithOwners {
  readonly chat: ChatRecord;
  readonly owners: readonly AddressOwner[];
}

/**
 * Chats, their participants and each participant's per-chat state (unread, archive, read marks).
 *
 * Every method is async, takes and returns plain data (no driver types), and is
 * implemented by both engines: `storage/sqlite/` and `storage/postgres/`. Inside a
 * write it runs in the write's transaction; outside it reads committed data.
 */
export interface ChatRepository {
  /** The chat with id `id`, with its current participants, or undefined. */
  find(id: number): Promise<ChatRecord | undefined>;
  /**
   * The chat with id `id` as it is once every write committed before has been applied,
   * locked until the write ends, or undefined. A write that reads a chat (or one
   * account's state of it, or its messages and polls), decides and then changes it
   * calls this first: on PostgreSQL concurrent writes of the same chat in other
   * transactions wait for this one to commit, so their checks see its changes; on SQLite
   * it is {@link ChatRepository.find} (the one writer already runs writes one at a time).
   * Messages and polls being inserted into the chat meanwhile neither wait nor are waited for.
   */
  findForUpdate(id: number): Promise<ChatRecord | undefined>;
  /**
   * {@link ChatRepository.findForUpdate} for a write that changes who takes part: on
   * PostgreSQL the lock also waits for messages and polls being inserted into the chat by
   * other transactions, and makes later inserts wait until the write ends. A send reads
   * the chat again after its insert, so it fans out to exactly the participants it was
   * stored among. On SQLite it is {@link ChatRepository.find}.
   */
  findForMembershipChange(id: number): Promise<ChatRecord | undefined>;
  /** The direct chat between two addresses (in either order), or undefined when they have none. */
  findDirect(first: string, second: string): Promise<ChatRecord | undefined>;
  /**
   * The direct chat between `own` and `other` (in either order), created with the
   * participants `own`, `other` when they have none yet; `created` says which. Two
   * writes creating the same pair at once, in two transactions or two processes, both
   * resolve with the one chat (one of them `created`), never with a unique-key error.
   */
  findOrInsertDirect(
    own: string,
    other: string,
    createdAt: number,
  ): Promise<{ readonly chat: ChatRecord; readonly created: boolean }>;
  /** The group chat with group id `groupId`, or undefined. */
  findGroup(groupId: string): Promise<ChatRecord | undefined>;
  /**
   * {@link ChatRepository.find} with the accounts owning its participant addresses, read
   * together (one statement on PostgreSQL), for a send's fan-out.
   */
  findWithOwners(id: number): Promise<ChatWithOwners | undefined>;
  /** {@link ChatRepository.findDirect} with the owners of its participants, read together. */
  findDirectWithOwners(first: string, second: string): Promise<ChatWithOwners | undefined>;
  /** {@link ChatRepository.findGroup} with the owners of its participants, read together. */
  findGroupWithOwners(groupId: string): Promise<ChatWithOwners | undefined>;
  /**
   * Creates the direct chat between `own` and `other` (participants in that order) and
   * returns it. There is at most one direct chat per pair of addresses, whichever side
   * created it: a second insert for the same pair (in either order) fails.
   */
  insertDirect(own: string, other: string, createdAt: number): Promise<ChatRecord>;
  /** Creates a group chat with `groupId` and `participants` in that order, and returns it. */
  insertGroup(
    groupId: string,
    participants: readonly string[],
    createdAt: number,
  ): Promise<ChatRecord>;
  /** Adds participants after the current ones, in the order given. */
  appendParticipants(chatId: number, addresses: readonly string[]): Promise<void>;
  /**
   * Removes participants (addresses that are not participants are ignored). Their
   * per-account state stays, so a re-added member keeps its read marker.
   */
  deleteParticipants(chatId: number, addresses: readonly string[]): Promise<void>;
  /** Sets the display name; null clears it. */
  setDisplayName(chatId: number, displayName: string | null): Promise<void>;
  /** Stores the chat's background, replacing any earlier one. */
  setBackground(chatId: number, image: ChatImage): Promise<void>;
  /** Removes the chat's background (nothing happens when there is none). */
  clearBackground(chatId: number): Promise<void>;
  /** Stores the group icon, replacing any earlier one. */
  setIcon(chatId: number, image: ChatImage): Promise<void>;
  /** Removes the group icon (nothing happens when there is none). */
  clearIcon(chatId: number): Promise<void>;
  /** The group icon's bytes and MIME type, or undefined when the chat has none. */
  findIcon(chatId: number): Promise<ChatImage | undefined>;
  /** The account's state of the chat; defaults (nothing read, not archived) when never set. */
  accountState(chatId: number, accountId: number): Promise<ChatAccountState>;
  /** Moves the account's read marker forward to `messageId`; never back. */
  markReadThrough(chatId: number, accountId: number, messageId: number): Promise<void>;
  /** Sets the account's archive flag of the chat. */
  setArchived(chatId: number, accountId: number, archived: boolean): Promise<void>;
  /**
   * The ids of the chats any of `addresses` currently takes part in, each once (in no
   * particular order).
   */
  listIdsForAddresses(addresses: readonly string[]): Promise<number[]>;
  /**
   * How many distinct chats any of `addresses` takes part in; chats `accountId` has
   * archived are counted only with `includeArchived`.
   */
  countForAddresses(
    accountId: number,
    addresses: readonly string[],
    includeArchived: boolean,
  ): Promise<number>;
}
