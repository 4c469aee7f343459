import type {
  ChatRecord,
  ChatRepository,
  ChatWithOwners,
} from "../repositories/chat-repository.js";
import { integerFromPg } from "./pg-integer.js";
import type { PgQueryable } from "./pg-queryable.js";

interface ChatRow {
  readonly id: string;
  readonly is_group: boolean;
  readonly group_id: string | null;
  readonly display_name: string | null;
  readonly background_type: string | null;
  readonly icon_type: string | null;
  readonly participants: string[];
}

// One round trip per chat: the row with its current participants in joining order.
const selectChat = `SELECT id, is_group, group_id, display_name, background_type, icon_type,
  ARRAY(SELECT address FROM chat_participants WHERE chat_id = chats.id ORDER BY position) AS participants
  FROM chats`;

// The chat, its participants and the accounts owning them in one round trip (a send's
// fan-out needs all three): the owners in participant order, as two parallel arrays.
const selectChatWithOwners = `SELECT id, is_group, group_id, display_name, background_type, icon_type,
  ARRAY(SELECT address FROM chat_participants WHERE chat_id = chats.id ORDER BY position) AS participants,
  ARRAY(SELECT owner.address FROM chat_participants AS participant
    JOIN account_addresses AS owner ON owner.address = participant.address
    WHERE participant.chat_id = chats.id ORDER BY participant.position) AS owner_addresses,
  ARRAY(SELECT owner.account_id FROM chat_participants AS participant
    JOIN account_addresses AS owner ON owner.address = participant.address
    WHERE participant.chat_id = chats.id ORDER BY participant.position) AS owner_account_ids
  FROM chats`;

interface ChatWithOwnersRow extends ChatRow {
  readonly owner_addresses: string[];
  readonly owner_account_ids: (string | number)[];
}

function withOwnersFrom(row: ChatWithOwnersRow | undefined): ChatWithOwners | undefined {
  const chat = recordFrom(row);
  if (row === undefined || chat === undefined) return undefined;
  return {
    chat,
    owners: row.owner_addresses.map((address, index) => ({
      address,
      accountId: integerFromPg(row.owner_account_ids[index], "account_addresses.account_id"),
    })),
  };
}

// A direct chat is keyed by its two addresses, sorted and joined by a newline (which no
// normalised address contains), so either side creating it resolves the same row. The
// key is built exactly as on SQLite (JavaScript's UTF-16 order, not a collation).
function directKey(first: string, second: string): string {
  return first < second ? `${first}\n${second}` : `${second}\n${first}`;
}

function recordFrom(row: ChatRow | undefined): ChatRecord | undefined {
  if (row === undefined) return undefined;
  return {
    id: integerFromPg(row.id, "chats.id"),
    isGroup: row.is_group,
    groupId: row.group_id,
    displayName: row.display_name,
    participants: row.participants,
    backgroundType: row.background_type,
    iconType: row.icon_type,
  };
}

/** The PostgreSQL {@link ChatRepository} over a pooled client or transaction. */
export function createPostgresChatRepository(sql: PgQueryable): ChatRepository {
  async function insertParticipants(
    chatId: number,
    addresses: readonly string[],
    from: number,
  ): Promise<void> {
    if (addresses.length === 0) return;
    await sql.query(
      `INSERT INTO chat_participants (chat_id, address, position)
       SELECT $1, added.address, $3 + added.ordinality - 1
       FROM unnest($2::text[]) WITH ORDINALITY AS added (address, ordinality)`,
      [chatId, addresses, from],
    );
  }

  async function insertChat(isGroup: boolean, key: string, createdAt: number): Promise<number> {
    const { rows } = await sql.query<{ id: string }>(
      isGroup
        ? "INSERT INTO chats (is_group, group_id, created_at) VALUES (true, $1, $2) RETURNING id"
        : "INSERT INTO chats (is_group, direct_key, created_at) VALUES (false, $1, $2) RETURNING id",
      [key, createdAt],
    );
    return integerFromPg(rows[0]?.id, "chats.id");
  }

  async function find(id: number): Promise<ChatRecord | undefined> {
    const { rows } = await sql.query<ChatRow>(`${selectChat} WHERE id = $1`, [id]);
    return recordFrom(rows[0]);
  }

  async function findDirect(first: string, second: string): Promise<ChatRecord | undefined> {
    const { rows } = await sql.query<ChatRow>(`${selectChat} WHERE direct_key = $1`, [
      directKey(first, second),
    ]);
    return recordFrom(rows[0]);
  }

  // The chat is read in a statement of its own, after the lock is granted, so under
  // READ COMMITTED it sees what the write that held the lock committed.
  async function lockedFind(
    id: number,
    lock: "FOR NO KEY UPDATE" | "FOR UPDATE",
  ): Promise<ChatRecord | undefined> {
    const { rows } = await sql.query(`SELECT id FROM chats WHERE id = $1 ${lock}`, [id]);
    if (rows.length === 0) return undefined;
    return find(id);
  }

  return {
    find,
    async findForUpdate(id) {
      // NO KEY UPDATE: writes that check and change the chat queue behind each other,
      // while message and poll inserts (their foreign keys take KEY SHARE) go on.
      return lockedFind(id, "FOR NO KEY UPDATE");
    },
    async findForMembershipChange(id) {
      // FOR UPDATE also conflicts with those inserts' KEY SHARE: it waits for the sends
      // into the chat in flight, and later sends wait for this write.
      return lockedFind(id, "FOR UPDATE");
    },
    findDirect,
    async findOrInsertDirect(own, other, createdAt) {
      // A concurrent insert of the same pair makes ON CONFLICT wait for its transaction;
      // once that committed, nothing is inserted here and the read (a new statement)
      // sees its chat.
      const { rows } = await sql.query<{ id: string }>(
        `INSERT INTO chats (is_group, direct_key, created_at) VALUES (false, $1, $2)
         ON CONFLICT (direct_key) DO NOTHING RETURNING id`,
        [directKey(own, other), createdAt],
      );
      const inserted = rows[0];
      if (inserted !== undefined) {
        const id = integerFromPg(inserted.id, "chats.id");
        await insertParticipants(id, [own, other], 0);
        return {
          chat: {
            id,
            isGroup: false,
            groupId: null,
            displayName: null,
            participants: [own, other],
            backgroundType: null,
            iconType: null,
          },
          created: true,
        };
      }
      const existing = await findDirect(own, other);
      if (existing === undefined) {
        throw new Error(`the direct chat of ${own} and ${other} conflicted but cannot be read`);
      }
      return { chat: existing, created: false };
    },
    async findGroup(groupId) {
      const { rows } = await sql.query<ChatRow>(`${selectChat} WHERE group_id = $1`, [groupId]);
      return recordFrom(rows[0]);
    },
    async findWithOwners(id) {
      const { rows } = await sql.query<ChatWithOwnersRow>(`${selectChatWithOwners} WHERE id = $1`, [
        id,
      ]);
      return withOwnersFrom(rows[0]);
    },
    async findDirectWithOwners(first, second) {
      const { rows } = await sql.query<ChatWithOwnersRow>(
        `${selectChatWithOwners} WHERE direct_key = $1`,
        [directKey(first, second)],
      );
      return withOwnersFrom(rows[0]);
    },
    async findGroupWithOwners(groupId) {
      const { rows } = await sql.query<ChatWithOwnersRow>(
        `${selectChatWithOwners} WHERE group_id = $1`,
        [groupId],
      );
      return withOwnersFrom(rows[0]);
    },
    async insertDirect(own, other, createdAt) {
      const id = await insertChat(false, directKey(own, other), createdAt);
      await insertParticipants(id, [own, other], 0);
      return {
        id,
        isGroup: false,
        groupId: null,
        displayName: null,
        participants: [own, other],
        backgroundType: null,
        iconType: null,
      };
    },
    async insertGroup(groupId, participants, createdAt) {
      const id = await insertChat(true, groupId, createdAt);
      await insertParticipants(id, participants, 0);
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
      if (addresses.length === 0) return;
      // The chat row's lock serialises membership changes of one chat across processes;
      // the next position is read in a statement of its own, after the lock is granted,
      // so it sees the other write's committed participants.
      await sql.query("SELECT id FROM chats WHERE id = $1 FOR UPDATE", [chatId]);
      const { rows } = await sql.query<{ next: number }>(
        "SELECT COALESCE(MAX(position) + 1, 0) AS next FROM chat_participants WHERE chat_id = $1",
        [chatId],
      );
      await insertParticipants(chatId, addresses, rows[0]?.next ?? 0);
    },
    async deleteParticipants(chatId, addresses) {
      if (addresses.length === 0) return;
      await sql.query(
        "DELETE FROM chat_participants WHERE chat_id = $1 AND address = ANY($2::text[])",
        [chatId, addresses],
      );
    },
    async setDisplayName(chatId, displayName) {
      await sql.query("UPDATE chats SET display_name = $1 WHERE id = $2", [displayName, chatId]);
    },
    async setBackground(chatId, image) {
      await sql.query("UPDATE chats SET background = $1, background_type = $2 WHERE id = $3", [
        image.bytes,
        image.type,
        chatId,
      ]);
    },
    async clearBackground(chatId) {
      await sql.query("UPDATE chats SET background = NULL, background_type = NULL WHERE id = $1", [
        chatId,
      ]);
    },
    async setIcon(chatId, image) {
      await sql.query("UPDATE chats SET icon = $1, icon_type = $2 WHERE id = $3", [
        image.bytes,
        image.type,
        chatId,
      ]);
    },
    async clearIcon(chatId) {
      await sql.query("UPDATE chats SET icon = NULL, icon_type = NULL WHERE id = $1", [chatId]);
    },
    async findIcon(chatId) {
      const { rows } = await sql.query<{ icon: Buffer | null; icon_type: string | null }>(
        "SELECT icon, icon_type FROM chats WHERE id = $1",
        [chatId],
      );
      const row = rows[0];
      if (row === undefined || row.icon === null || row.icon_type === null) return undefined;
      return { bytes: row.icon, type: row.icon_type };
    },
    async accountState(chatId, accountId) {
      const { rows } = await sql.query<{ read_through_message_id: string; is_archived: boolean }>(
        "SELECT read_through_message_id, is_archived FROM chat_account_state WHERE chat_id = $1 AND account_id = $2",
        [chatId, accountId],
      );
      const row = rows[0];
      return {
        readThroughMessageId: integerFromPg(
          row?.read_through_message_id ?? 0,
          "chat_account_state.read_through_message_id",
        ),
        isArchived: row?.is_archived ?? false,
      };
    },
    async markReadThrough(chatId, accountId, messageId) {
      await sql.query(
        `INSERT INTO chat_account_state (chat_id, account_id, read_through_message_id) VALUES ($1, $2, $3)
         ON CONFLICT (chat_id, account_id) DO UPDATE SET read_through_message_id =
           GREATEST(chat_account_state.read_through_message_id, excluded.read_through_message_id)`,
        [chatId, accountId, messageId],
      );
    },
    async setArchived(chatId, accountId, archived) {
      await sql.query(
        `INSERT INTO chat_account_state (chat_id, account_id, is_archived) VALUES ($1, $2, $3)
         ON CONFLICT (chat_id, account_id) DO UPDATE SET is_archived = excluded.is_archived`,
        [chatId, accountId, archived],
      );
    },
    async listIdsForAddresses(addresses) {
      if (addresses.length === 0) return [];
      const { rows } = await sql.query<{ chat_id: string }>(
        "SELECT DISTINCT chat_id FROM chat_participants WHERE address = ANY($1::text[])",
        [addresses],
      );
      return rows.map((row) => integerFromPg(row.chat_id, "chat_participants.chat_id"));
    },
    async countForAddresses(accountId, addresses, includeArchived) {
      if (addresses.length === 0) return 0;
      const { rows } = await sql.query<{ count: string }>(
        `SELECT COUNT(DISTINCT participants.chat_id) AS count FROM chat_participants AS participants
         LEFT JOIN chat_account_state AS state
           ON state.chat_id = participants.chat_id AND state.account_id = $1
         WHERE participants.address = ANY($2::text[])
           AND ($3::boolean OR NOT COALESCE(state.is_archived, false))`,
        [accountId, addresses, includeArchived],
      );
      return integerFromPg(rows[0]?.count ?? 0, "COUNT(chats)");
    },
  };
}
