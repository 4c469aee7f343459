import type { Database } from "better-sqlite3";
import type {
  ChatRecord,
  ChatRepository,
  ChatWithOwners,
} from "../repositories/chat-repository.js";
import { cachedStatement } from "../statement-cache.js";

interface ChatRow {
  readonly id: number;
  readonly is_group: number;
  readonly group_id: string | null;
  readonly display_name: string | null;
  readonly background_type: string | null;
  readonly icon_type: string | null;
}

const chatColumns = "id, is_group, group_id, display_name, background_type, icon_type";

// A direct chat is keyed by its two addresses, sorted and joined by a newline (which no
// normalised address contains), so either side creating it resolves the same row.
function directKey(first: string, second: string): string {
  return first < second ? `${first}\n${second}` : `${second}\n${first}`;
}

function blobOf(bytes: Uint8Array): Buffer {
  return Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength);
}

/** The SQLite {@link ChatRepository} over one connection. */
export function createSqliteChatRepository(db: Database): ChatRepository {
  function participantsOf(chatId: number): string[] {
    return cachedStatement<[number], { address: string }>(
      db,
      "SELECT address FROM chat_participants WHERE chat_id = ? ORDER BY position",
    )
      .all(chatId)
      .map((row) => row.address);
  }

  function recordFrom(row: ChatRow | undefined): ChatRecord | undefined {
    if (row === undefined) return undefined;
    return {
      id: row.id,
      isGroup: row.is_group === 1,
      groupId: row.group_id,
      displayName: row.display_name,
      participants: participantsOf(row.id),
      backgroundType: row.background_type,
      iconType: row.icon_type,
    };
  }

  function insertParticipants(chatId: number, addresses: readonly string[], from: number): void {
    const insert = cachedStatement<[number, string, number]>(
      db,
      "INSERT INTO chat_participants (chat_id, address, position) VALUES (?, ?, ?)",
    );
    addresses.forEach((address, index) => {
      insert.run(chatId, address, from + index);
    });
  }

  function find(id: number): ChatRecord | undefined {
    return recordFrom(
      cachedStatement<[number], ChatRow>(db, `SELECT ${chatColumns} FROM chats WHERE id = ?`).get(
        id,
      ),
    );
  }

  function findDirect(first: string, second: string): ChatRecord | undefined {
    return recordFrom(
      cachedStatement<[string], ChatRow>(
        db,
        `SELECT ${chatColumns} FROM chats WHERE direct_key = ?`,
      ).get(directKey(first, second)),
    );
  }

  function findGroup(groupId: string): ChatRecord | undefined {
    return recordFrom(
      cachedStatement<[string], ChatRow>(
        db,
        `SELECT ${chatColumns} FROM chats WHERE group_id = ?`,
      ).get(groupId),
    );
  }

  // In-process reads cost no round trip: the owners are one indexed lookup per participant.
  function withOwners(chat: ChatRecord | undefined): ChatWithOwners | undefined {
    if (chat === undefined) return undefined;
    const owner = cachedStatement<[string], { account_id: number }>(
      db,
      "SELECT account_id FROM account_addresses WHERE address = ?",
    );
    const owners = chat.participants.flatMap((address) => {
      const row = owner.get(address);
      return row === undefined ? [] : [{ address, accountId: row.account_id }];
    });
    return { chat, owners };
  }

  function insertDirect(own: string, other: string, createdAt: number): ChatRecord {
    const result = cachedStatement<[string, number]>(
      db,
      "INSERT INTO chats (is_group, direct_key, created_at) VALUES (0, ?, ?)",
    ).run(directKey(own, other), createdAt);
    const id = Number(result.lastInsertRowid);
    insertParticipants(id, [own, other], 0);
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

  return {
    async find(id) {
      return find(id);
    },
    // The writer connection is the only one that writes, and it runs one write at a
    // time: nothing can change the chat between this read and the write's end.
    async findForUpdate(id) {
      return find(id);
    },
    async findForMembershipChange(id) {
      return find(id);
    },
    async findDirect(first, second) {
      return findDirect(first, second);
    },
    async findOrInsertDirect(own, other, createdAt) {
      const existing = findDirect(own, other);
      if (existing !== undefined) return { chat: existing, created: false };
      return { chat: insertDirect(own, other, createdAt), created: true };
    },
    async findGroup(groupId) {
      return findGroup(groupId);
    },
    async findWithOwners(id) {
      return withOwners(find(id));
    },
    async findDirectWithOwners(first, second) {
      return withOwners(findDirect(first, second));
    },
    async findGroupWithOwners(groupId) {
      return withOwners(findGroup(groupId));
    },
    async insertDirect(own, other, createdAt) {
      return insertDirect(own, other, createdAt);
    },
    async insertGroup(groupId, participants, createdAt) {
      const result = cachedStatement<[string, number]>(
        db,
        "INSERT INTO chats (is_group, group_id, created_at) VALUES (1, ?, ?)",
      ).run(groupId, createdAt);
      const id = Number(result.lastInsertRowid);
      insertParticipants(id, participants, 0);
      return {
        id,
        isGroup: true,
        groupId,
        displayName: null,
        participants: [...participants],
        backgroundType: null,
        iconType: null,
      };
    },
    async appendParticipants(chatId, addresses) {
      const row = cachedStatement<[number], { next: number }>(
        db,
        "SELECT COALESCE(MAX(position) + 1, 0) AS next FROM chat_participants WHERE chat_id = ?",
      ).get(chatId);
      insertParticipants(chatId, addresses, row?.next ?? 0);
    },
    async deleteParticipants(chatId, addresses) {
      const remove = cachedStatement<[number, string]>(
        db,
        "DELETE FROM chat_participants WHERE chat_id = ? AND address = ?",
      );
      for (const address of addresses) remove.run(chatId, address);
    },
    async setDisplayName(chatId, displayName) {
      cachedStatement<[string | null, number]>(
        db,
        "UPDATE chats SET display_name = ? WHERE id = ?",
      ).run(displayName, chatId);
    },
    async setBackground(chatId, image) {
      cachedStatement<[Buffer, string, number]>(
        db,
        "UPDATE chats SET background = ?, background_type = ? WHERE id = ?",
      ).run(blobOf(image.bytes), image.type, chatId);
    },
    async clearBackground(chatId) {
      cachedStatement<[number]>(
        db,
        "UPDATE chats SET background = NULL, background_type = NULL WHERE id = ?",
      ).run(chatId);
    },
    async setIcon(chatId, image) {
      cachedStatement<[Buffer, string, number]>(
        db,
        "UPDATE chats SET icon = ?, icon_type = ? WHERE id = ?",
      ).run(blobOf(image.bytes), image.type, chatId);
    },
    async clearIcon(chatId) {
      cachedStatement<[number]>(
        db,
        "UPDATE chats SET icon = NULL, icon_type = NULL WHERE id = ?",
      ).run(chatId);
    },
    async findIcon(chatId) {
      const row = cachedStatement<[number], { icon: Buffer | null; icon_type: string | null }>(
        db,
        "SELECT icon, icon_type FROM chats WHERE id = ?",
      ).get(chatId);
      if (row === undefined || row.icon === null || row.icon_type === null) return undefined;
      return { bytes: row.icon, type: row.icon_type };
    },
    async accountState(chatId, accountId) {
      const row = cachedStatement<
        [number, number],
        { read_through_message_id: number; is_archived: number }
      >(
        db,
        "SELECT read_through_message_id, is_archived FROM chat_account_state WHERE chat_id = ? AND account_id = ?",
      ).get(chatId, accountId);
      return {
        readThroughMessageId: row?.read_through_message_id ?? 0,
        isArchived: row?.is_archived === 1,
      };
    },
    async markReadThrough(chatId, accountId, messageId) {
      cachedStatement<[number, number, number]>(
        db,
        `INSERT INTO chat_account_state (chat_id, account_id, read_through_message_id) VALUES (?, ?, ?)
         ON CONFLICT (chat_id, account_id) DO UPDATE SET read_through_message_id = MAX(read_through_message_id, excluded.read_through_message_id)`,
      ).run(chatId, accountId, messageId);
    },
    async setArchived(chatId, accountId, archived) {
      cachedStatement<[number, number, number]>(
        db,
        `INSERT INTO chat_account_state (chat_id, account_id, is_archived) VALUES (?, ?, ?)
         ON CONFLICT (chat_id, account_id) DO UPDATE SET is_archived = excluded.is_archived`,
      ).run(chatId, accountId, archived ? 1 : 0);
    },
    async listIdsForAddresses(addresses) {
      if (addresses.length === 0) return [];
      return cachedStatement<string[], { chat_id: number }>(
        db,
        `SELECT DISTINCT chat_id FROM chat_participants WHERE address IN (${addresses.map(() => "?").join(", ")})`,
      )
        .all(...addresses)
        .map((row) => row.chat_id);
    },
    async countForAddresses(accountId, addresses, includeArchived) {
      if (addresses.length === 0) return 0;
      const row = cachedStatement<unknown[], { count: number }>(
        db,
        `SELECT COUNT(DISTINCT p.chat_id) AS count FROM chat_participants p
         LEFT JOIN chat_account_state s ON s.chat_id = p.chat_id AND s.account_id = ?
         WHERE p.address IN (${addresses.map(() => "?").join(", ")})${includeArchived ? "" : " AND COALESCE(s.is_archived, 0) = 0"}`,
      ).get(accountId, ...addresses);
      return row?.count ?? 0;
    },
  };
}
