// How many statements one SendTextMessage sends to PostgreSQL: every statement is a
// network round trip inside the write's transaction, so this count is the write path's
// cost on that engine. Each case runs the real write (sendText) in a real group commit
// (runPostgresBatch) over a connection that counts what it is asked to run.
import { photon } from "@threadline/protocol";
import pg from "pg";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { Account } from "../src/auth/account.js";
import { directChatGuid, groupChatGuid } from "../src/domain/chat-guid.js";
import {
  editMessage,
  type SendTextInput,
  sendText,
  setReaction,
  unsendMessage,
} from "../src/domain/message-operations.js";
import { migratePostgres } from "../src/storage/postgres/migrate-postgres.js";
import type { PgQueryable, PgResult } from "../src/storage/postgres/pg-queryable.js";
import {
  type PostgresBatchWrite,
  runPostgresBatch,
} from "../src/storage/postgres/postgres-batch.js";
import { createPostgresRepositories } from "../src/storage/postgres/postgres-repositories.js";
import {
  createScratchDatabase,
  postgresReachable,
  type ScratchDatabase,
} from "./support/postgres-scratch.js";

const reachable = await postgresReachable();

/** A connection that records the text of every statement it runs. */
function countingConnection(client: pg.Client): PgQueryable & { readonly statements: string[] } {
  const statements: string[] = [];
  return {
    statements,
    async query<Row>(text: string, values?: readonly unknown[]): Promise<PgResult<Row>> {
      statements.push(text.replace(/\s+/g, " ").trim());
      const result = await client.query(text, values === undefined ? undefined : [...values]);
      return { rows: result.rows as Row[], rowCount: result.rowCount };
    },
  };
}

function textInput(chatGuid: string, text: string): SendTextInput {
  return {
    chatGuid,
    text,
    subject: null,
    effectId: null,
    replyToGuid: null,
    replyToPart: null,
    formatting: [],
    linkPreview: false,
    dataDetection: false,
  };
}

describe.skipIf(!reachable)("statements of one SendTextMessage on PostgreSQL", () => {
  let database: ScratchDatabase;
  let client: pg.Client;
  let alice: Account;
  let bob: Account;
  let carol: Account;
  let groupId: string;

  beforeAll(async () => {
    database = await createScratchDatabase();
    client = new pg.Client({ connectionString: database.url });
    await client.connect();
    await migratePostgres(client);
    const repositories = createPostgresRepositories(client);
    const account = async (address: string): Promise<Account> => ({
      id: await repositories.accounts.insert([address], Date.now()),
      addresses: [address],
      primaryAddress: address,
    });
    alice = await account("alice@example.com");
    bob = await account("bob@example.com");
    carol = await account("carol@example.com");
    await repositories.chats.insertDirect(alice.primaryAddress, bob.primaryAddress, Date.now());
    groupId = "0123456789abcdef0123456789abcdef";
    await repositories.chats.insertGroup(
      groupId,
      [alice.primaryAddress, bob.primaryAddress, carol.primaryAddress],
      Date.now(),
    );
  });

  afterAll(async () => {
    await client?.end();
    await database?.drop();
  });

  async function sendAndCount(account: Account, input: SendTextInput) {
    return runAndCount((context) => sendText(context, account, input));
  }

  async function runAndCount(body: PostgresBatchWrite["body"]) {
    const connection = countingConnection(client);
    const result = await runPostgresBatch(connection, [{ body, keyed: false }]);
    const outcome = result.outcomes[0];
    if (outcome === undefined || !outcome.ok) {
      throw new Error("the send failed", { cause: outcome?.ok === false ? outcome.error : null });
    }
    return { statements: connection.statements, appended: result.appended, value: outcome.value };
  }

  it("a text into a direct chat takes 5 statements (was 15), BEGIN to COMMIT", async () => {
    const { statements, appended } = await sendAndCount(
      alice,
      textInput(directChatGuid(bob.primaryAddress), "hello"),
    );
    expect(appended.map((event) => event.accountId).sort()).toEqual([alice.id, bob.id].sort());
    expect(statements[0]).toMatch(/^BEGIN; SAVEPOINT write/);
    expect(statements.at(-1)).toBe("COMMIT");
    expect(statements, statements.join("\n")).toHaveLength(5);
  });

  it("a text into a group of three takes 6 statements (was 19), BEGIN to COMMIT", async () => {
    const { statements, appended } = await sendAndCount(
      bob,
      textInput(groupChatGuid(groupId), "hello, group"),
    );
    expect(appended).toHaveLength(3);
    expect(statements.at(-1)).toBe("COMMIT");
    expect(statements, statements.join("\n")).toHaveLength(6);
  });

  it("an edit of a text in a direct chat takes 13 statements (was 19), BEGIN to COMMIT", async () => {
    const chatGuid = directChatGuid(bob.primaryAddress);
    const sent = await sendAndCount(alice, textInput(chatGuid, "before the edit"));
    const messageGuid = (sent.value as { guid?: string }).guid ?? "";
    expect(messageGuid).not.toBe("");
    const { statements, appended } = await runAndCount((context) =>
      editMessage(context, alice, { chatGuid, messageGuid, targetPartIndex: null }, "after"),
    );
    expect(appended).toHaveLength(2);
    expect(statements.at(-1)).toBe("COMMIT");
    expect(statements, statements.join("\n")).toHaveLength(13);
  });

  it("a tapback takes 13 statements and an unsend 9, BEGIN to COMMIT (unchanged)", async () => {
    const chatGuid = directChatGuid(bob.primaryAddress);
    const sent = await sendAndCount(alice, textInput(chatGuid, "react to me"));
    const messageGuid = (sent.value as { guid?: string }).guid ?? "";
    const target = {
      chatGuid: directChatGuid(alice.primaryAddress),
      messageGuid,
      targetPartIndex: null,
    };
    const tapback = await runAndCount((context) =>
      setReaction(
        context,
        bob,
        target,
        { kind: photon.imessage.v1.MessageReactionKind.MESSAGE_REACTION_KIND_LIKE, emoji: null },
        true,
      ),
    );
    expect(tapback.appended).toHaveLength(2);
    expect(tapback.statements, tapback.statements.join("\n")).toHaveLength(13);
    const unsend = await runAndCount((context) =>
      unsendMessage(context, alice, { chatGuid, messageGuid, targetPartIndex: null }),
    );
    expect(unsend.appended).toHaveLength(2);
    expect(unsend.statements, unsend.statements.join("\n")).toHaveLength(9);
  });
});
