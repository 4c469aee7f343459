import type { Database } from "better-sqlite3";
import type { PollRepository } from "../repositories/poll-repository.js";
import { cachedStatement } from "../statement-cache.js";

/** The SQLite {@link PollRepository} over one connection. */
export function createSqlitePollRepository(db: Database): PollRepository {
  return {
    async insert(poll) {
      const result = cachedStatement<[string, number, string, string, number]>(
        db,
        "INSERT INTO polls (guid, chat_id, creator_address, title, created_at) VALUES (?, ?, ?, ?, ?)",
      ).run(poll.guid, poll.chatId, poll.creatorAddress, poll.title, poll.createdAt);
      return Number(result.lastInsertRowid);
    },

    async find(guid) {
      const row = cachedStatement<
        [string],
        { id: number; guid: string; chat_id: number; title: string }
      >(db, "SELECT id, guid, chat_id, title FROM polls WHERE guid = ?").get(guid);
      return row === undefined
        ? undefined
        : { id: row.id, guid: row.guid, chatId: row.chat_id, title: row.title };
    },

    async insertOption(pollId, option, position) {
      cachedStatement<[number, string, string, string, number]>(
        db,
        "INSERT INTO poll_options (poll_id, option_identifier, text, creator_address, position) VALUES (?, ?, ?, ?, ?)",
      ).run(pollId, option.optionIdentifier, option.text, option.creatorAddress, position);
    },

    async listOptions(pollId) {
      return cachedStatement<
        [number],
        { option_identifier: string; text: string; creator_address: string }
      >(
        db,
        "SELECT option_identifier, text, creator_address FROM poll_options WHERE poll_id = ? ORDER BY position",
      )
        .all(pollId)
        .map((row) => ({
          optionIdentifier: row.option_identifier,
          text: row.text,
          creatorAddress: row.creator_address,
        }));
    },

    async listVotes(pollId) {
      return cachedStatement<[number], { voter_address: string; option_identifier: string }>(
        db,
        "SELECT voter_address, option_identifier FROM poll_votes WHERE poll_id = ? ORDER BY created_at, voter_address",
      )
        .all(pollId)
        .map((row) => ({
          voterAddress: row.voter_address,
          optionIdentifier: row.option_identifier,
        }));
    },

    async findVote(pollId, voterAddress) {
      return cachedStatement<[number, string], { option_identifier: string }>(
        db,
        "SELECT option_identifier FROM poll_votes WHERE poll_id = ? AND voter_address = ?",
      ).get(pollId, voterAddress)?.option_identifier;
    },

    async setVote(pollId, voterAddress, optionIdentifier, votedAt) {
      cachedStatement<[number, string, string, number]>(
        db,
        `INSERT INTO poll_votes (poll_id, voter_address, option_identifier, created_at) VALUES (?, ?, ?, ?)
         ON CONFLICT (poll_id, voter_address) DO UPDATE SET option_identifier = excluded.option_identifier, created_at = excluded.created_at`,
      ).run(pollId, voterAddress, optionIdentifier, votedAt);
    },

    async deleteVote(pollId, voterAddress) {
      cachedStatement<[number, string]>(
        db,
        "DELETE FROM poll_votes WHERE poll_id = ? AND voter_address = ?",
      ).run(pollId, voterAddress);
    },
  };
}
