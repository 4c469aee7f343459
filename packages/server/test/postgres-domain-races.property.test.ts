import { randomBytes } from "node:crypto";
import { photon } from "@threadline/protocol";
import fc from "fast-check";
import pg from "pg";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { Account } from "../src/auth/account.js";
import { directChatGuid } from "../src/domain/chat-guid.js";
import { validateSendText } from "../src/domain/message-operations.js";
import { plainCardSession, validateMiniAppCard } from "../src/domain/mini-app-operations.js";
import {
  executeWrite,
  runWrite,
  type WriteInput,
  type WriteOperationName,
  type WriteResult,
} from "../src/domain/write-operations.js";
import { ServerError } from "../src/errors/server-error.js";
import type { PgQueryable } from "../src/storage/postgres/pg-queryable.js";
import { classifyPostgresFailure } from "../src/storage/postgres/postgres-failure.js";
import type { EventDomain } from "../src/storage/write-context.js";
import {
  createScratchDatabase,
  postgresReachable,
  type ScratchDatabase,
} from "./support/postgres-scratch.js";
import { openRecordingStore, type RecordingStore } from "./support/postgres-test-writes.js";

// Writes that read, decide and then change, run at the same moment through two server
// processes' stores (each with two pooled connections) on one PostgreSQL database: the
// outcome must be one a client could get from the same calls made one after the other.

const reachable = await postgresReachable();

/** Holds most batches open for up to 5 ms before COMMIT, so concurrent writes overlap. */
async function holdSomeCommits(sql: PgQueryable): Promise<void> {
  if (Math.random() < 0.2) return;
  await sql.query("SELECT pg_sleep($1)", [Math.random() * 0.005]);
}

type Settled<T> = { ok: true; value: T } | { ok: false; error: unknown };

/** The change a decoded event carries: its one field besides the envelope. */
function changeOf(event: object): string {
  const envelope = new Set(["chatGuid", "occurredAt", "actor", "isFromMe", "pollMessageGuid"]);
  const changes = Object.keys(event).filter(
    (key) => !envelope.has(key) && Reflect.get(event, key) != null,
  );
  if (changes.length !== 1) throw new Error(`an event with changes ${changes.join(", ")}`);
  return changes[0] ?? "";
}

/** One committed event of an account's log, decoded. */
interface DecodedEvent {
  readonly sequence: number;
  readonly chatGuid: string;
  readonly change: string;
  readonly body: Record<string, unknown>;
}

/** The decoded change event of a log entry, as a plain object. */
function decodeEvent(kind: EventDomain, payload: Uint8Array): Record<string, unknown> {
  const v1 = photon.imessage.v1;
  switch (kind) {
    case "message":
      return v1.MessageChangeEvent.toObject(v1.MessageChangeEvent.decode(payload));
    case "group":
      return v1.GroupChangeEvent.toObject(v1.GroupChangeEvent.decode(payload));
    case "poll":
      return v1.PollChangeEvent.toObject(v1.PollChangeEvent.decode(payload));
    case "chat":
      return v1.ChatChangeEvent.toObject(v1.ChatChangeEvent.decode(payload));
  }
}

describe.runIf(reachable)("concurrent domain writes through two PostgreSQL stores", () => {
  let database: ScratchDatabase;
  let stores: RecordingStore[];
  let admin: pg.Client;

  beforeAll(async () => {
    database = await createScratchDatabase();
    stores = [];
    for (let index = 0; index < 2; index += 1) {
      stores.push(
        await openRecordingStore(database.url, {
          execute: executeWrite,
          poolSize: 2,
          beforeCommit: holdSomeCommits,
        }),
      );
    }
    admin = new pg.Client({ connectionString: database.url });
    await admin.connect();
  });
  afterAll(async () => {
    await admin?.end();
    for (const each of stores ?? []) await each.store.close();
    await database?.drop();
  });

  function store(index: number) {
    const chosen = stores[index % stores.length];
    if (chosen === undefined) throw new Error("the stores did not open");
    return chosen.store;
  }

  function write<Name extends WriteOperationName>(
    on: number,
    operation: Name,
    input: WriteInput<Name>,
  ): Promise<WriteResult<Name>> {
    return runWrite(store(on), operation, input);
  }

  /** Runs every call at once (each on the store it names) and waits for all of them. */
  async function race<T>(calls: readonly (() => Promise<T>)[]): Promise<Settled<T>[]> {
    return Promise.all(
      calls.map((call) =>
        call().then(
          (value): Settled<T> => ({ ok: true, value }),
          (error: unknown): Settled<T> => ({ ok: false, error }),
        ),
      ),
    );
  }

  async function newAccount(name: string): Promise<Account> {
    const address = `${name}-${randomBytes(5).toString("hex")}@example.com`;
    return (await write(0, "accounts.create", { addresses: [address] })).account;
  }

  /** Every committed event of the account's log, oldest first. */
  async function eventsOf(account: Account): Promise<DecodedEvent[]> {
    const log = store(0).repositories.eventLog;
    const { headSequence } = await log.readState(account.id);
    const page = await log.readPage(account.id, 0, headSequence, 10_000);
    expect(page.map((event) => event.sequence)).toEqual(
      Array.from({ length: headSequence }, (_, index) => index + 1),
    );
    return page.map((event) => {
      const body = decodeEvent(event.kind, event.payload);
      return { sequence: event.sequence, chatGuid: event.chatGuid, change: changeOf(body), body };
    });
  }

  function changesIn(events: readonly DecodedEvent[], chatGuid: string): string[] {
    return events.filter((event) => event.chatGuid === chatGuid).map((event) => event.change);
  }

  /** The code of a rejection: a typed ServerError's, or "untyped" (INTERNAL on the wire). */
  function codeOf(result: Settled<unknown>): string {
    if (result.ok) return "ok";
    return result.error instanceof ServerError ? result.error.errorCode : "untyped";
  }

  async function directChat(owner: Account, other: Account): Promise<string> {
    const created = await write(0, "chats.create", {
      account: owner,
      input: { addresses: [other.primaryAddress] },
    });
    return created.chat?.guid ?? "";
  }

  async function group(owner: Account, members: readonly Account[]): Promise<string> {
    const created = await write(0, "chats.create", {
      account: owner,
      input: { addresses: members.map((member) => member.primaryAddress) },
    });
    return created.chat?.guid ?? "";
  }

  async function send(on: number, sender: Account, chatGuid: string, text: string) {
    const { message } = await write(on, "messages.sendText", {
      account: sender,
      input: validateSendText({ chatGuid, text }),
    });
    return message.guid ?? "";
  }

  /** Which store each of `count` concurrent calls goes to. */
  const placements = (count: fc.Arbitrary<number>) =>
    count.chain((length) =>
      fc.array(fc.integer({ min: 0, max: 1 }), { minLength: length, maxLength: length }),
    );

  it("the same new direct chat created through both stores at once is one chat, returned to every caller (property)", async () => {
    await fc.assert(
      fc.asyncProperty(
        placements(fc.integer({ min: 2, max: 4 })),
        fc.boolean(),
        async (on, bothSides) => {
          const alice = await newAccount("alice");
          const bob = await newAccount("bob");
          const results = await race(
            on.map((where, index) => () => {
              // Half of the runs have bob create it from his side as well.
              const [creator, other] = bothSides && index % 2 === 1 ? [bob, alice] : [alice, bob];
              return write(where, "chats.create", {
                account: creator,
                input: {
                  addresses: [other.primaryAddress],
                  message: { text: `hello ${index}`, subject: null, effectId: null },
                },
              });
            }),
          );
          expect(results.map(codeOf)).toEqual(on.map(() => "ok"));
          const { rows } = await admin.query<{ count: string }>(
            "SELECT count(*) AS count FROM chats WHERE direct_key IS NOT NULL AND id IN (SELECT chat_id FROM chat_participants WHERE address = $1)",
            [alice.primaryAddress],
          );
          expect(Number(rows[0]?.count)).toBe(1);
          const chat = await store(1).repositories.chats.findDirect(
            alice.primaryAddress,
            bob.primaryAddress,
          );
          expect(chat?.participants).toHaveLength(2);
          // Every opening message landed in the one chat, and both logs have each once.
          for (const account of [alice, bob]) {
            const received = (await eventsOf(account)).filter(
              (event) => event.change === "messageReceived",
            );
            expect(received).toHaveLength(on.length);
            expect(new Set(received.map((event) => event.chatGuid)).size).toBe(1);
          }
        },
      ),
      { numRuns: 12 },
    );
  });

  it("concurrent adds of the same member: one adds it, every other is INVALID_ARGUMENT, and each member's log has one participantAdded (property)", async () => {
    await fc.assert(
      fc.asyncProperty(placements(fc.integer({ min: 2, max: 4 })), async (on) => {
        const alice = await newAccount("alice");
        const bob = await newAccount("bob");
        const carol = await newAccount("carol");
        const dave = await newAccount("dave");
        const chatGuid = await group(alice, [bob, dave]);
        const results = await race(
          on.map(
            (where, index) => () =>
              write(where, "groups.addParticipants", {
                account: index % 2 === 0 ? alice : bob,
                chatGuid,
                addresses: [carol.primaryAddress],
              }),
          ),
        );
        const codes = results.map(codeOf);
        expect(codes.filter((code) => code === "ok")).toHaveLength(1);
        expect(codes.filter((code) => code !== "ok")).toEqual(
          on.slice(1).map(() => "INVALID_ARGUMENT"),
        );
        for (const failed of results) {
          if (!failed.ok) expect(failed.error).toMatchObject({ field: "addresses" });
        }
        for (const member of [alice, bob, carol, dave]) {
          expect(
            changesIn(await eventsOf(member), chatGuid).filter((c) => c === "participantAdded"),
          ).toHaveLength(1);
        }
        const chat = await store(0).repositories.chats.findGroup(chatGuid.replace(/^any;\+;/, ""));
        expect(
          chat?.participants.filter((address) => address === carol.primaryAddress),
        ).toHaveLength(1);
      }),
      { numRuns: 12 },
    );
  });

  it("concurrent MarkChatRead: one markedRead for the reader and one messageRead per message for the sender (property)", async () => {
    await fc.assert(
      fc.asyncProperty(
        placements(fc.integer({ min: 2, max: 4 })),
        fc.integer({ min: 1, max: 3 }),
        async (on, messages) => {
          const alice = await newAccount("alice");
          const bob = await newAccount("bob");
          const chatGuid = await directChat(alice, bob);
          const sent: string[] = [];
          for (let index = 0; index < messages; index += 1) {
            sent.push(await send(index, bob, directChatGuid(alice.primaryAddress), `m${index}`));
          }
          const results = await race(
            on.map((where) => () => write(where, "chats.markRead", { account: alice, chatGuid })),
          );
          expect(results.map(codeOf)).toEqual(on.map(() => "ok"));
          expect(
            changesIn(await eventsOf(alice), chatGuid).filter((c) => c === "markedRead"),
          ).toHaveLength(1);
          const read = (await eventsOf(bob)).filter((event) => event.change === "messageRead");
          expect(
            read
              .map((event) => (event.body.messageRead as { messageGuid: string }).messageGuid)
              .sort(),
          ).toEqual([...sent].sort());
          const chat = await store(0).repositories.chats.findDirect(
            alice.primaryAddress,
            bob.primaryAddress,
          );
          const chatId = chat?.id ?? 0;
          const state = await store(1).repositories.chats.accountState(chatId, alice.id);
          expect(
            await store(1).repositories.messages.countUnread(
              chatId,
              alice.id,
              state.readThroughMessageId,
            ),
          ).toBe(0);
        },
      ),
      { numRuns: 12 },
    );
  });

  it("concurrent archive and unarchive calls: the caller's log alternates archived and unarchived, one event per change, ending in the stored state (property)", async () => {
    await fc.assert(
      fc.asyncProperty(
        fc.array(fc.record({ on: fc.integer({ min: 0, max: 1 }), archived: fc.boolean() }), {
          minLength: 2,
          maxLength: 5,
        }),
        async (calls) => {
          const alice = await newAccount("alice");
          const bob = await newAccount("bob");
          const chatGuid = await directChat(alice, bob);
          const results = await race(
            calls.map(
              ({ on, archived }) =>
                () =>
                  write(on, "chats.setArchived", { account: alice, chatGuid, archived }),
            ),
          );
          expect(results.map(codeOf)).toEqual(calls.map(() => "ok"));
          const changes = changesIn(await eventsOf(alice), chatGuid);
          // Starting unarchived, every event changes the state: they alternate.
          changes.forEach((change, index) => {
            expect(change).toBe(index % 2 === 0 ? "archived" : "unarchived");
          });
          const wanted = new Set(calls.map((call) => call.archived));
          // At least one change happened exactly when some call asked to archive.
          expect(changes.length > 0).toBe(wanted.has(true));
          const chat = await store(0).repositories.chats.findDirect(
            alice.primaryAddress,
            bob.primaryAddress,
          );
          const state = await store(1).repositories.chats.accountState(chat?.id ?? 0, alice.id);
          expect(state.isArchived).toBe(changes.at(-1) === "archived");
          expect(changesIn(await eventsOf(bob), directChatGuid(alice.primaryAddress))).toEqual([]);
        },
      ),
      { numRuns: 15 },
    );
  });

  it("concurrent leaves and removals of one member: one succeeds, the rest are typed errors, one event per change (property)", async () => {
    await fc.assert(
      fc.asyncProperty(
        fc.array(fc.record({ on: fc.integer({ min: 0, max: 1 }), leave: fc.boolean() }), {
          minLength: 2,
          maxLength: 4,
        }),
        async (calls) => {
          const alice = await newAccount("alice");
          const bob = await newAccount("bob");
          const carol = await newAccount("carol");
          const chatGuid = await group(alice, [bob, carol]);
          const results = await race(
            calls.map(
              ({ on, leave }) =>
                () =>
                  leave
                    ? write(on, "groups.leave", { account: carol, chatGuid }).then(() => "left")
                    : write(on, "groups.removeParticipants", {
                        account: alice,
                        chatGuid,
                        addresses: [carol.primaryAddress],
                      }).then(() => "removed"),
            ),
          );
          const succeeded = results.filter((result) => result.ok);
          expect(succeeded).toHaveLength(1);
          calls.forEach((call, index) => {
            const result = results[index];
            if (result === undefined || result.ok) return;
            // Carol is gone: for her the group no longer exists; for alice, she is no member.
            expect(codeOf(result)).toBe(call.leave ? "NOT_FOUND" : "INVALID_ARGUMENT");
          });
          const change =
            succeeded[0]?.ok && succeeded[0].value === "left"
              ? "participantLeft"
              : "participantRemoved";
          for (const member of [alice, bob, carol]) {
            const changes = changesIn(await eventsOf(member), chatGuid).filter((c) =>
              ["participantLeft", "participantRemoved"].includes(c),
            );
            expect(changes).toEqual([change]);
          }
        },
      ),
      { numRuns: 12 },
    );
  });

  it("concurrent unsends and edits of one message: one messageUnsent per viewer, and no edit after it (property)", async () => {
    await fc.assert(
      fc.asyncProperty(
        fc.array(fc.record({ on: fc.integer({ min: 0, max: 1 }), unsend: fc.boolean() }), {
          minLength: 2,
          maxLength: 4,
        }),
        async (calls) => {
          const alice = await newAccount("alice");
          const bob = await newAccount("bob");
          const chatGuid = await directChat(alice, bob);
          const messageGuid = await send(0, alice, chatGuid, "to be unsent");
          const target = { chatGuid, messageGuid, targetPartIndex: null };
          const results = await race(
            calls.map(
              ({ on, unsend }, index) =>
                () =>
                  unsend
                    ? write(on, "messages.unsend", { account: alice, target })
                    : write(on, "messages.edit", {
                        account: alice,
                        target,
                        newText: `edit ${index}`,
                      }),
            ),
          );
          calls.forEach((call, index) => {
            const result = results[index];
            if (result === undefined) return;
            // An edit that comes after an unsend is refused; unsend is safe to repeat.
            expect(call.unsend ? ["ok"] : ["ok", "FAILED_PRECONDITION"]).toContain(codeOf(result));
          });
          for (const viewer of [alice, bob]) {
            const changes = (await eventsOf(viewer))
              .map((event) => event.change)
              .filter((change) => change === "messageUnsent" || change === "messageEdited");
            const unsent = changes.indexOf("messageUnsent");
            const wantsUnsend = calls.some((call) => call.unsend);
            expect(changes.filter((change) => change === "messageUnsent")).toHaveLength(
              wantsUnsend ? 1 : 0,
            );
            if (unsent >= 0) expect(changes.slice(unsent + 1)).toEqual([]);
            const edits = results.filter((result, index) => result.ok && !calls[index]?.unsend);
            expect(changes.filter((change) => change === "messageEdited")).toHaveLength(
              edits.length,
            );
          }
        },
      ),
      { numRuns: 12 },
    );
  });

  it("concurrent votes of one voter: the log replays to the stored vote, each vote moved by an unvoted of the option left (property)", async () => {
    await fc.assert(
      fc.asyncProperty(
        fc.array(
          fc.record({
            on: fc.integer({ min: 0, max: 1 }),
            option: fc.integer({ min: -1, max: 2 }),
          }),
          { minLength: 2, maxLength: 5 },
        ),
        async (calls) => {
          const alice = await newAccount("alice");
          const bob = await newAccount("bob");
          const chatGuid = await directChat(alice, bob);
          const { poll } = await write(0, "polls.create", {
            account: alice,
            chatGuid,
            input: { title: "lunch", options: ["soup", "salad", "pie"] },
          });
          const pollGuid = poll.pollMessageGuid ?? "";
          const options = (poll.options ?? []).map((option) => option.optionIdentifier ?? "");
          const results = await race(
            calls.map(
              ({ on, option }) =>
                () =>
                  option < 0
                    ? write(on, "polls.unvote", { account: bob, pollGuid })
                    : write(on, "polls.vote", {
                        account: bob,
                        pollGuid,
                        optionIdentifier: options[option] ?? "",
                      }),
            ),
          );
          expect(results.map(codeOf)).toEqual(calls.map(() => "ok"));
          for (const viewer of [alice, bob]) {
            let current: string | undefined;
            for (const event of await eventsOf(viewer)) {
              if (event.change === "voted") {
                expect(current).toBeUndefined();
                current = (event.body.voted as { optionIdentifier: string }).optionIdentifier;
              } else if (event.change === "unvoted") {
                expect((event.body.unvoted as { optionIdentifier: string }).optionIdentifier).toBe(
                  current,
                );
                current = undefined;
              }
            }
            const stored = await store(1).repositories.polls.listVotes(
              (await store(1).repositories.polls.find(pollGuid))?.id ?? 0,
            );
            expect(stored.map((vote) => vote.optionIdentifier)).toEqual(
              current === undefined ? [] : [current],
            );
          }
        },
      ),
      { numRuns: 15 },
    );
  });

  it("concurrent adds of the same poll option: one adds it, the rest are INVALID_ARGUMENT, one optionAdded per viewer (property)", async () => {
    await fc.assert(
      fc.asyncProperty(placements(fc.integer({ min: 2, max: 4 })), async (on) => {
        const alice = await newAccount("alice");
        const bob = await newAccount("bob");
        const chatGuid = await directChat(alice, bob);
        const { poll } = await write(0, "polls.create", {
          account: alice,
          chatGuid,
          input: { title: "dinner", options: ["rice", "pasta"] },
        });
        const pollGuid = poll.pollMessageGuid ?? "";
        const results = await race(
          on.map(
            (where, index) => () =>
              write(where, "polls.addOption", {
                account: index % 2 === 0 ? alice : bob,
                pollGuid,
                text: index % 2 === 0 ? "Bread" : "bread ",
              }),
          ),
        );
        const codes = results.map(codeOf);
        expect(codes.filter((code) => code === "ok")).toHaveLength(1);
        expect(codes.filter((code) => code !== "ok")).toEqual(
          on.slice(1).map(() => "INVALID_ARGUMENT"),
        );
        for (const viewer of [alice, bob]) {
          const added = (await eventsOf(viewer)).filter((event) => event.change === "optionAdded");
          expect(added).toHaveLength(1);
        }
        const stored = await store(1).repositories.polls.listOptions(
          (await store(1).repositories.polls.find(pollGuid))?.id ?? 0,
        );
        expect(stored).toHaveLength(3);
      }),
      { numRuns: 12 },
    );
  });

  it("concurrent creations of accounts with the same address, and registrations of the same WhatsApp number: one succeeds, the rest are ALREADY_EXISTS, never INTERNAL (property)", async () => {
    await fc.assert(
      fc.asyncProperty(placements(fc.integer({ min: 2, max: 4 })), async (on) => {
        const address = `shared-${randomBytes(5).toString("hex")}@example.com`;
        const accounts = await race(
          on.map((where) => () => write(where, "accounts.create", { addresses: [address] })),
        );
        expect(accounts.map(codeOf).sort()).toEqual(
          ["ok", ...on.slice(1).map(() => "ALREADY_EXISTS")].sort(),
        );
        // Whether the domain's check or the unique key caught it, the message names it.
        for (const result of accounts) {
          if (!result.ok) expect(String((result.error as Error).message)).toContain(address);
        }
        const phoneNumberId = String(100_000 + Math.floor(Math.random() * 1e9));
        const numbers = await race(
          on.map(
            (where) => () =>
              write(where, "whatsapp.registerNumber", {
                phoneNumberId,
                accessToken: "token",
                appSecret: "secret",
                verifyTokenHash: new Uint8Array(32),
              }),
          ),
        );
        expect(numbers.map(codeOf).sort()).toEqual(
          ["ok", ...on.slice(1).map(() => "ALREADY_EXISTS")].sort(),
        );
        for (const result of numbers) {
          if (!result.ok) expect(String((result.error as Error).message)).toContain(phoneNumberId);
        }
      }),
      { numRuns: 10 },
    );
  });

  it("sends racing a removal of their sender and an add of a new member: every message goes to exactly the members it was stored among (property)", async () => {
    await fc.assert(
      fc.asyncProperty(
        placements(fc.integer({ min: 2, max: 5 })),
        fc.integer({ min: 0, max: 1 }),
        fc.integer({ min: 0, max: 1 }),
        async (sendsOn, removeOn, addOn) => {
          const alice = await newAccount("alice");
          const bob = await newAccount("bob");
          const carol = await newAccount("carol");
          const dave = await newAccount("dave");
          const chatGuid = await group(alice, [bob, carol]);
          const calls: (() => Promise<string>)[] = [
            ...sendsOn.map((where, index) => () => send(where, carol, chatGuid, `c${index}`)),
            () =>
              write(removeOn, "groups.removeParticipants", {
                account: alice,
                chatGuid,
                addresses: [carol.primaryAddress],
              }).then(() => "removed"),
            () =>
              write(addOn, "groups.addParticipants", {
                account: alice,
                chatGuid,
                addresses: [dave.primaryAddress],
              }).then(() => "added"),
          ];
          const results = await race(calls);
          const sends = results.slice(0, sendsOn.length);
          expect(results.slice(sendsOn.length).map(codeOf)).toEqual(["ok", "ok"]);
          // A send after the removal is NOT_FOUND: carol no longer sees the group.
          for (const result of sends) expect(["ok", "NOT_FOUND"]).toContain(codeOf(result));
          const stored = sends.flatMap((result) => (result.ok ? [result.value] : []));
          const received = (events: readonly DecodedEvent[]) =>
            events
              .filter((event) => event.chatGuid === chatGuid && event.change === "messageReceived")
              .map(
                (event) =>
                  (event.body.messageReceived as { message: { guid: string } }).message.guid,
              );
          for (const member of [alice, bob, carol]) {
            const events = await eventsOf(member);
            const removal = events.findIndex((event) => event.change === "participantRemoved");
            expect(removal).toBeGreaterThanOrEqual(0);
            // Nothing carol sent reaches anyone after her removal; everything before does.
            expect(received(events.slice(removal))).toEqual([]);
            expect(received(events.slice(0, removal)).sort()).toEqual([...stored].sort());
          }
          // Dave gets exactly the messages stored after his add: those above his read marker.
          const chat = await store(0).repositories.chats.findGroup(
            chatGuid.replace(/^any;\+;/, ""),
          );
          const marker = (await store(0).repositories.chats.accountState(chat?.id ?? 0, dave.id))
            .readThroughMessageId;
          const after: string[] = [];
          for (const guid of stored) {
            const message = await store(1).repositories.messages.find(guid);
            if ((message?.id ?? 0) > marker) after.push(guid);
          }
          expect(received(await eventsOf(dave)).sort()).toEqual(after.sort());
        },
      ),
      { numRuns: 15 },
    );
  });

  it("concurrent token rotations of one account: each revokes the token before it, one token survives (property)", async () => {
    await fc.assert(
      fc.asyncProperty(placements(fc.integer({ min: 2, max: 4 })), async (on) => {
        const account = await newAccount("rotor");
        const results = await race(
          on.map(
            (where) => () =>
              write(where, "accounts.rotateTokens", { address: account.primaryAddress }),
          ),
        );
        expect(results.map(codeOf)).toEqual(on.map(() => "ok"));
        const revoked = results.map((result) => (result.ok ? (result.value?.revoked ?? -1) : -1));
        // The first token and every rotation's but the last: each revoked exactly one.
        expect(revoked).toEqual(on.map(() => 1));
        const listed = (await store(1).repositories.accounts.list()).find(
          (each) => each.id === account.id,
        );
        expect(listed?.tokenCount).toBe(1);
      }),
      { numRuns: 10 },
    );
  });

  it("replies racing an unsend of their target: a reply is stored before the unsend or refused after it, never after it (property)", async () => {
    await fc.assert(
      fc.asyncProperty(
        placements(fc.integer({ min: 1, max: 4 })),
        fc.integer({ min: 0, max: 1 }),
        async (repliesOn, unsendOn) => {
          const alice = await newAccount("alice");
          const bob = await newAccount("bob");
          const chatGuid = await directChat(alice, bob);
          const messageGuid = await send(0, alice, chatGuid, "answer me");
          const bobsGuid = directChatGuid(alice.primaryAddress);
          const results = await race<string>([
            () =>
              write(unsendOn, "messages.unsend", {
                account: alice,
                target: { chatGuid, messageGuid, targetPartIndex: null },
              }).then(() => "unsent"),
            ...repliesOn.map((where, index) => async () => {
              const { message } = await write(where, "messages.sendText", {
                account: bob,
                input: validateSendText({
                  chatGuid: bobsGuid,
                  text: `reply ${index}`,
                  replyTo: { messageGuid },
                }),
              });
              return message.guid ?? "";
            }),
          ]);
          expect(codeOf(results[0] ?? { ok: true, value: "" })).toBe("ok");
          for (const reply of results.slice(1)) {
            expect(["ok", "FAILED_PRECONDITION"]).toContain(codeOf(reply));
          }
          const stored = results.slice(1).flatMap((result) => (result.ok ? [result.value] : []));
          for (const viewer of [alice, bob]) {
            const events = await eventsOf(viewer);
            const unsent = events.findIndex((event) => event.change === "messageUnsent");
            expect(unsent).toBeGreaterThanOrEqual(0);
            const replies = events
              .filter((event) => event.change === "messageReceived")
              .filter(
                (event) =>
                  (event.body.messageReceived as { message: { replyToGuid?: string } }).message
                    .replyToGuid === messageGuid,
              );
            expect(replies).toHaveLength(stored.length);
            for (const reply of replies)
              expect(reply.sequence).toBeLessThan(events[unsent]?.sequence ?? 0);
          }
        },
      ),
      { numRuns: 15 },
    );
  });

  it("concurrent removals of a group's icon and background, renames to one name, and tapbacks: one event per real change (property)", async () => {
    const png = new Uint8Array([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a, 0, 0, 0, 0]);
    const love = photon.imessage.v1.MessageReactionKind.MESSAGE_REACTION_KIND_LOVE;
    await fc.assert(
      fc.asyncProperty(
        placements(fc.integer({ min: 2, max: 4 })),
        fc.boolean(),
        async (on, reactionIsSet) => {
          const alice = await newAccount("alice");
          const bob = await newAccount("bob");
          const carol = await newAccount("carol");
          const chatGuid = await group(alice, [bob, carol]);
          const image = { bytes: png, type: "image/png" as const };
          await write(0, "groups.setIcon", { account: alice, chatGuid, image });
          await write(0, "chats.setBackground", { account: alice, chatGuid, image });
          const messageGuid = await send(0, alice, chatGuid, "react to me");
          const target = { chatGuid, messageGuid, targetPartIndex: null };
          const reaction = { kind: love, emoji: null };
          if (!reactionIsSet) {
            await write(0, "messages.setReaction", { account: bob, target, reaction, isSet: true });
          }
          const calls = on.flatMap((where, index) => {
            const member = index % 2 === 0 ? alice : bob;
            return [
              () => write(where, "groups.removeIcon", { account: member, chatGuid }),
              () => write(where, "chats.removeBackground", { account: member, chatGuid }),
              () =>
                write(where, "groups.setDisplayName", {
                  account: member,
                  chatGuid,
                  displayName: "the team",
                }),
              () =>
                write(where, "messages.setReaction", {
                  account: bob,
                  target,
                  reaction,
                  isSet: reactionIsSet,
                }),
            ];
          });
          const results = await race<unknown>(calls);
          expect(results.map(codeOf)).toEqual(calls.map(() => "ok"));
          const reactionChange = reactionIsSet ? "reactionAdded" : "reactionRemoved";
          for (const viewer of [alice, bob, carol]) {
            const changes = (await eventsOf(viewer)).map((event) => event.change);
            for (const change of [
              "iconRemoved",
              "backgroundRemoved",
              "displayNameChanged",
              reactionChange,
            ]) {
              expect(changes.filter((each) => each === change)).toHaveLength(1);
            }
          }
        },
      ),
      { numRuns: 12 },
    );
  });

  it("the same WhatsApp webhook events delivered through both stores at once: each dedupe key is stored once, under contiguous sequences (property)", async () => {
    await fc.assert(
      fc.asyncProperty(
        fc.array(
          fc.record({
            on: fc.integer({ min: 0, max: 1 }),
            keys: fc.uniqueArray(fc.integer({ min: 0, max: 5 }), { minLength: 1, maxLength: 4 }),
          }),
          { minLength: 2, maxLength: 4 },
        ),
        async (deliveries) => {
          const phoneNumberId = String(200_000 + Math.floor(Math.random() * 1e9));
          await write(0, "whatsapp.registerNumber", {
            phoneNumberId,
            accessToken: "token",
            appSecret: "secret",
            verifyTokenHash: new Uint8Array(32),
          });
          const numberId =
            (await store(0).repositories.whatsapp.findNumber(phoneNumberId))?.id ?? 0;
          const results = await race(
            deliveries.map(
              ({ on, keys }) =>
                () =>
                  write(on, "whatsapp.appendWebhookEvents", {
                    numbers: [
                      {
                        numberId,
                        events: keys.map((key) => ({
                          phoneNumberId,
                          kind: 1 as const,
                          dedupeKey: `m:wamid.${key}`,
                          event: {},
                        })),
                      },
                    ],
                  }),
            ),
          );
          expect(results.map(codeOf)).toEqual(deliveries.map(() => "ok"));
          const distinct = new Set(
            deliveries.flatMap(({ keys }) => keys.map((key) => `m:wamid.${key}`)),
          );
          const { rows } = await admin.query<{ dedupe_key: string; sequence: string }>(
            "SELECT dedupe_key, sequence FROM whatsapp_log WHERE number_id = $1 ORDER BY sequence",
            [numberId],
          );
          expect(rows.map((row) => Number(row.sequence))).toEqual(
            Array.from({ length: distinct.size }, (_, index) => index + 1),
          );
          expect(new Set(rows.map((row) => row.dedupe_key))).toEqual(distinct);
          const appended = results.reduce(
            (sum, result) => sum + (result.ok ? (result.value.numbers[0]?.rows.length ?? 0) : 0),
            0,
          );
          const duplicates = results.reduce(
            (sum, result) => sum + (result.ok ? result.value.duplicates : 0),
            0,
          );
          expect(appended).toBe(distinct.size);
          expect(appended + duplicates).toBe(
            deliveries.reduce((sum, { keys }) => sum + keys.length, 0),
          );
        },
      ),
      { numRuns: 12 },
    );
  });

  it("webhooks racing the removal of their WhatsApp number: each is stored before the removal (and removed with it) or NOT_FOUND, nothing is left behind (property)", async () => {
    await fc.assert(
      fc.asyncProperty(
        placements(fc.integer({ min: 1, max: 4 })),
        fc.integer({ min: 0, max: 1 }),
        fc.boolean(),
        async (webhooksOn, removeOn, hadEvents) => {
          const phoneNumberId = String(300_000 + Math.floor(Math.random() * 1e9));
          await write(0, "whatsapp.registerNumber", {
            phoneNumberId,
            accessToken: "token",
            appSecret: "secret",
            verifyTokenHash: new Uint8Array(32),
          });
          const numberId =
            (await store(0).repositories.whatsapp.findNumber(phoneNumberId))?.id ?? 0;
          const webhook = (key: string) => ({
            numbers: [
              {
                numberId,
                events: [{ phoneNumberId, kind: 1 as const, dedupeKey: `m:${key}`, event: {} }],
              },
            ],
          });
          // Half of the runs start with a head row (an earlier webhook), half without.
          if (hadEvents) await write(0, "whatsapp.appendWebhookEvents", webhook("earlier"));
          const results = await race<unknown>([
            () => write(removeOn, "whatsapp.removeNumber", { phoneNumberId }),
            ...webhooksOn.map(
              (where, index) => () =>
                write(where, "whatsapp.appendWebhookEvents", webhook(`w${index}`)),
            ),
          ]);
          expect(results[0]).toEqual({ ok: true, value: { removed: true } });
          for (const result of results.slice(1))
            expect(["ok", "NOT_FOUND"]).toContain(codeOf(result));
          const left = await admin.query(
            "SELECT 1 FROM whatsapp_log WHERE number_id = $1 UNION ALL SELECT 1 FROM whatsapp_heads WHERE number_id = $1",
            [numberId],
          );
          expect(left.rows).toEqual([]);
        },
      ),
      { numRuns: 15 },
    );
  });

  it("card updates and sticker placements racing an unsend of their message: each lands before the unsend or is FAILED_PRECONDITION, none after it (property)", async () => {
    const cardRequest = {
      teamId: "ABCDE12345",
      extensionBundleId: "com.example.game.messages",
      appName: "Example Game",
      url: "https://example.com/game/42",
      layout: { caption: "Your move" },
      live: true,
    };
    await fc.assert(
      fc.asyncProperty(
        fc.array(fc.record({ on: fc.integer({ min: 0, max: 1 }), sticker: fc.boolean() }), {
          minLength: 1,
          maxLength: 4,
        }),
        fc.integer({ min: 0, max: 1 }),
        async (calls, unsendOn) => {
          const alice = await newAccount("alice");
          const bob = await newAccount("bob");
          const chatGuid = await directChat(alice, bob);
          const sent = await write(0, "miniApps.send", {
            account: alice,
            chatGuid,
            card: validateMiniAppCard(cardRequest),
          });
          const messageGuid = sent.message?.guid ?? "";
          const session = plainCardSession(sent.miniAppCardSession);
          const upload = await write(0, "attachments.recordUpload", {
            attachment: {
              uploaderAccountId: bob.id,
              fileName: "sticker.png",
              mimeType: "image/png",
              uti: "public.png",
              totalBytes: 12,
              sha256: randomBytes(32).toString("hex"),
              companion: null,
            },
          });
          const stickerGuid = upload.attachment?.guid ?? "";
          const bobsTarget = {
            chatGuid: directChatGuid(alice.primaryAddress),
            messageGuid,
            targetPartIndex: null,
          };
          const results = await race<unknown>([
            () =>
              write(unsendOn, "messages.unsend", {
                account: alice,
                target: { chatGuid, messageGuid, targetPartIndex: null },
              }),
            ...calls.map(
              ({ on, sticker }, index) =>
                () =>
                  sticker
                    ? write(on, "stickers.place", {
                        account: bob,
                        target: bobsTarget,
                        stickerGuid,
                        placement: { x: 0.5, y: 0.5, scale: null, rotation: null, width: null },
                      })
                    : write(on, "miniApps.update", {
                        account: alice,
                        session,
                        card: validateMiniAppCard({
                          ...cardRequest,
                          layout: { caption: `move ${index}` },
                        }),
                      }),
            ),
          ]);
          expect(codeOf(results[0] ?? { ok: true, value: null })).toBe("ok");
          const landed = { messageEdited: 0, stickerPlaced: 0 };
          calls.forEach((call, index) => {
            const result = results[index + 1];
            if (result === undefined) return;
            expect(["ok", "FAILED_PRECONDITION"]).toContain(codeOf(result));
            if (result.ok) landed[call.sticker ? "stickerPlaced" : "messageEdited"] += 1;
          });
          for (const viewer of [alice, bob]) {
            const events = await eventsOf(viewer);
            const unsent = events.findIndex((event) => event.change === "messageUnsent");
            expect(unsent).toBeGreaterThanOrEqual(0);
            const after = events.slice(unsent + 1).map((event) => event.change);
            expect(after.filter((change) => change in landed)).toEqual([]);
            for (const change of ["messageEdited", "stickerPlaced"] as const) {
              expect(events.filter((event) => event.change === change)).toHaveLength(
                landed[change],
              );
            }
          }
        },
      ),
      { numRuns: 12 },
    );
  });

  it("a unique violation that reaches the engine is a typed error: ALREADY_EXISTS for an account address or WhatsApp number, else UNAVAILABLE and retryable", async () => {
    const violation = async (statement: string, values: unknown[]): Promise<unknown> => {
      await admin.query("SAVEPOINT duplicate");
      try {
        await admin.query(statement, values);
        await admin.query(statement, values);
      } catch (error) {
        return error;
      } finally {
        await admin.query("ROLLBACK TO SAVEPOINT duplicate");
      }
      throw new Error(`${statement} stored a duplicate`);
    };
    await admin.query("BEGIN");
    try {
      const { rows } = await admin.query<{ id: string }>(
        "INSERT INTO accounts (created_at) VALUES (0) RETURNING id",
      );
      const address = await violation(
        "INSERT INTO account_addresses (address, account_id, position) VALUES ($1, $2, 0)",
        ["twice@example.com", rows[0]?.id],
      );
      expect(classifyPostgresFailure(address)).toMatchObject({
        errorCode: "ALREADY_EXISTS",
        retryable: false,
        message: expect.stringContaining("twice@example.com"),
      });
      const number = await violation(
        "INSERT INTO whatsapp_numbers (phone_number_id, access_token, app_secret, verify_token_hash, created_at) VALUES ($1, 't', 's', '\\x00', 0)",
        ["555000111"],
      );
      expect(classifyPostgresFailure(number)).toMatchObject({
        errorCode: "ALREADY_EXISTS",
        message: expect.stringContaining("555000111"),
      });
      const chat = await violation(
        "INSERT INTO chats (is_group, group_id, created_at) VALUES (true, $1, 0)",
        ["same-group-id"],
      );
      expect(classifyPostgresFailure(chat)).toMatchObject({
        errorCode: "UNAVAILABLE",
        retryable: true,
        message: expect.stringContaining("chats"),
      });
    } finally {
      await admin.query("ROLLBACK");
    }
  });
});
