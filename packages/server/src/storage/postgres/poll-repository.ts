import type {
  PollOptionRecord,
  PollRepository,
  PollVoteRecord,
} from "../repositories/poll-repository.js";
import { integerFromPg } from "./pg-integer.js";
import type { PgQueryable } from "./pg-queryable.js";

/** The PostgreSQL {@link PollRepository} over a pooled client or transaction. */
export function createPostgresPollRepository(sql: PgQueryable): PollRepository {
  return {
    async insert(poll) {
      const { rows } = await sql.query<{ id: string }>(
        "INSERT INTO polls (guid, chat_id, creator_address, title, created_at) VALUES ($1, $2, $3, $4, $5) RETURNING id",
        [poll.guid, poll.chatId, poll.creatorAddress, poll.title, poll.createdAt],
      );
      return integerFromPg(rows[0]?.id, "polls.id");
    },

    async find(guid) {
      const { rows } = await sql.query<{
        id: string;
        guid: string;
        chat_id: string;
        title: string;
      }>("SELECT id, guid, chat_id, title FROM polls WHERE guid = $1", [guid]);
      const row = rows[0];
      return row === undefined
        ? undefined
        : {
            id: integerFromPg(row.id, "polls.id"),
            guid: row.guid,
            chatId: integerFromPg(row.chat_id, "polls.chat_id"),
            title: row.title,
          };
    },

    async insertOption(pollId, option, position) {
      await sql.query(
        "INSERT INTO poll_options (poll_id, option_identifier, text, creator_address, position) VALUES ($1, $2, $3, $4, $5)",
        [pollId, option.optionIdentifier, option.text, option.creatorAddress, position],
      );
    },

    async listOptions(pollId) {
      const { rows } = await sql.query<{
        option_identifier: string;
        text: string;
        creator_address: string;
      }>(
        "SELECT option_identifier, text, creator_address FROM poll_options WHERE poll_id = $1 ORDER BY position",
        [pollId],
      );
      return rows.map(
        (row): PollOptionRecord => ({
          optionIdentifier: row.option_identifier,
          text: row.text,
          creatorAddress: row.creator_address,
        }),
      );
    },

    async listVotes(pollId) {
      const { rows } = await sql.query<{ voter_address: string; option_identifier: string }>(
        // COLLATE "C": ties by voter address in code-point order, as SQLite's BINARY does.
        `SELECT voter_address, option_identifier FROM poll_votes WHERE poll_id = $1
         ORDER BY created_at, voter_address COLLATE "C"`,
        [pollId],
      );
      return rows.map(
        (row): PollVoteRecord => ({
          voterAddress: row.voter_address,
          optionIdentifier: row.option_identifier,
        }),
      );
    },

    async findVote(pollId, voterAddress) {
      const { rows } = await sql.query<{ option_identifier: string }>(
        "SELECT option_identifier FROM poll_votes WHERE poll_id = $1 AND voter_address = $2",
        [pollId, voterAddress],
      );
      return rows[0]?.option_identifier;
    },

    async setVote(pollId, voterAddress, optionIdentifier, votedAt) {
      await sql.query(
        `INSERT INTO poll_votes (poll_id, voter_address, option_identifier, created_at) VALUES ($1, $2, $3, $4)
         ON CONFLICT (poll_id, voter_address) DO UPDATE SET option_identifier = excluded.option_identifier, created_at = excluded.created_at`,
        [pollId, voterAddress, optionIdentifier, votedAt],
      );
    },

    async deleteVote(pollId, voterAddress) {
      await sql.query("DELETE FROM poll_votes WHERE poll_id = $1 AND voter_address = $2", [
        pollId,
        voterAddress,
      ]);
    },
  };
}
