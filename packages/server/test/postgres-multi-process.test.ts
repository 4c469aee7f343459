// Three `threadline-server start --database …` processes on one PostgreSQL database,
// driven over gRPC like real clients would.
import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import type { ServiceError } from "@grpc/grpc-js";
import {
  ChatServiceDefinition,
  EventLogServiceDefinition,
  EventServiceDefinition,
  MessageServiceDefinition,
  type photon,
} from "@threadline/protocol";
import fc from "fast-check";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { collect, createRawClient, type RawClient } from "./support/grpc-client.js";
import { type LiveRecorder, recordLive } from "./support/live-recorder.js";
import { delayedCommits, installCommitDelay } from "./support/postgres-commit-delay.js";
import {
  createScratchDatabase,
  postgresReachable,
  type ScratchDatabase,
} from "./support/postgres-scratch.js";
import {
  addAccountThroughCli,
  type PostgresServerProcess,
  startPostgresServerProcess,
} from "./support/postgres-server-process.js";

const reachable = await postgresReachable();

type CatchUpFrame = photon.imessage.v1.CatchUpEventsResponse;
type MessageResponse = photon.imessage.v1.MessageResponse;
type GetMessageResponse = photon.imessage.v1.GetMessageResponse;

const addresses = ["alice@example.com", "bob@example.com", "carol@example.com"] as const;

/** A chat as its creator sees it: writers act as the creator. */
interface OwnedChat {
  readonly owner: number;
  readonly guid: string;
}

/** A write a server acknowledged. */
interface AcknowledgedSend {
  readonly owner: number;
  readonly chatGuid: string;
  readonly messageGuid: string;
  readonly text: string;
}

/** Every event of one account's log, from a full catch-up. */
interface AccountLog {
  readonly head: number;
  /** Sequences of the message events (what SubscribeMessageEvents delivers). */
  readonly messageSequences: readonly number[];
}

/** The two live streams one account holds open on one process. */
interface AccountSubscribers {
  readonly process: number;
  readonly account: number;
  /** threadline.v1 SubscribeEvents from the start of the log: backlog, then live. */
  readonly everything: LiveRecorder;
  /** SubscribeMessageEvents: live message events from the moment it registered. */
  readonly messages: LiveRecorder;
  /** The account's head when `messages` registered (the log was quiet then). */
  readonly headAtStart: number;
}

function pick<T>(items: readonly T[]): T {
  const item = items[Math.floor(Math.random() * items.length)];
  if (item === undefined) throw new Error("pick from an empty list");
  return item;
}

function within<T>(promise: Promise<T>, milliseconds: number, what: string): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const expired = new Promise<never>((_, reject) => {
    timer = setTimeout(
      () => reject(new Error(`${what} did not happen within ${milliseconds} ms`)),
      milliseconds,
    );
  });
  return Promise.race([promise, expired]).finally(() => clearTimeout(timer));
}

function contiguousFrom(first: number, count: number): number[] {
  return Array.from({ length: count }, (_, index) => first + index);
}

describe.runIf(reachable)("three server processes on one PostgreSQL database", () => {
  let database: ScratchDatabase;
  let directory: string;
  let processes: PostgresServerProcess[] = [];
  const alive = new Set<number>();
  let tokens: string[] = [];
  let chats: OwnedChat[] = [];
  const clients = new Map<string, RawClient>();

  function client(
    process: number,
    account: number,
    service: "chats" | "messages" | "events" | "eventLog",
  ): RawClient {
    const key = `${process}/${account}/${service}`;
    let existing = clients.get(key);
    if (existing === undefined) {
      const address = processes[process]?.address;
      const token = tokens[account];
      if (address === undefined || token === undefined) throw new Error(`no ${key}`);
      const definition = {
        chats: ChatServiceDefinition,
        messages: MessageServiceDefinition,
        events: EventServiceDefinition,
        eventLog: EventLogServiceDefinition,
      }[service];
      existing = createRawClient(address, definition, token);
      clients.set(key, existing);
    }
    return existing;
  }

  async function accountLog(process: number, account: number, after = 0): Promise<AccountLog> {
    const frames = await collect<CatchUpFrame>(
      client(process, account, "events").stream("catchUpEvents", { afterSequence: after }),
    );
    const head = Number(frames.at(-1)?.complete?.headSequence ?? -1);
    const sequences = frames.flatMap((frame) =>
      frame.sequence == null ? [] : [Number(frame.sequence)],
    );
    // Catch-up itself must be whole: after `after` up to its head, every sequence once.
    expect(sequences).toEqual(contiguousFrom(after + 1, head - after));
    return {
      head,
      messageSequences: frames.flatMap((frame) =>
        frame.sequence != null && frame.messageChanged != null ? [Number(frame.sequence)] : [],
      ),
    };
  }

  /** Opens both live streams of every account on every living process (the log is quiet). */
  async function subscribeEverywhere(): Promise<AccountSubscribers[]> {
    const subscribers: AccountSubscribers[] = [];
    for (const process of alive) {
      for (let account = 0; account < addresses.length; account += 1) {
        const { head } = await accountLog(process, account);
        const everything = recordLive(
          client(process, account, "eventLog").stream("subscribeEvents", {}),
          "batched",
        );
        const messages = recordLive(
          client(process, account, "messages").stream("subscribeMessageEvents", {}),
          "single",
        );
        await Promise.all([everything.headers, messages.headers]);
        subscribers.push({ process, account, everything, messages, headAtStart: head });
      }
    }
    return subscribers;
  }

  /**
   * Every subscriber of a living process saw every event of its account exactly once, in
   * sequence order, with no gap: the whole log on SubscribeEvents, the message events
   * committed after it registered on SubscribeMessageEvents.
   */
  async function expectSubscribersSawEverything(
    subscribers: readonly AccountSubscribers[],
  ): Promise<void> {
    const reader = [...alive][0];
    if (reader === undefined) throw new Error("no process is alive");
    const logs = await Promise.all(addresses.map((_, account) => accountLog(reader, account)));
    for (const subscriber of subscribers) {
      const log = logs[subscriber.account];
      if (log === undefined) throw new Error("no log");
      const expectedMessages = log.messageSequences.filter(
        (sequence) => sequence > subscriber.headAtStart,
      );
      const label = `process ${subscriber.process}, ${addresses[subscriber.account]}`;
      if (!alive.has(subscriber.process)) {
        // A killed process's streams broke off, but what they delivered is a prefix.
        const delivered = subscriber.everything.events.map((event) => event.sequence);
        expect(delivered, `${label} (killed): SubscribeEvents`).toEqual(
          contiguousFrom(1, delivered.length),
        );
        const messages = subscriber.messages.events.map((event) => event.sequence);
        expect(messages, `${label} (killed): SubscribeMessageEvents`).toEqual(
          expectedMessages.slice(0, messages.length),
        );
        continue;
      }
      await within(subscriber.everything.reach(log.head), 20_000, `${label}: SubscribeEvents`);
      const lastMessage = expectedMessages.at(-1);
      if (lastMessage !== undefined) {
        await within(
          subscriber.messages.reach(lastMessage),
          20_000,
          `${label}: SubscribeMessageEvents`,
        );
      }
      expect(
        subscriber.everything.events.map((event) => event.sequence),
        `${label}: SubscribeEvents`,
      ).toEqual(contiguousFrom(1, log.head));
      expect(
        subscriber.messages.events.map((event) => event.sequence),
        `${label}: SubscribeMessageEvents`,
      ).toEqual(expectedMessages);
    }
  }

  function cancelAll(subscribers: readonly AccountSubscribers[]): void {
    for (const subscriber of subscribers) {
      subscriber.everything.cancel();
      subscriber.messages.cancel();
    }
  }

  /** The highest sequence any live subscriber has seen per account: known committed. */
  function knownCommitted(subscribers: readonly AccountSubscribers[], account: number): number {
    let highest = 0;
    for (const subscriber of subscribers) {
      if (subscriber.account !== account) continue;
      highest = Math.max(highest, subscriber.everything.events.at(-1)?.sequence ?? 0);
    }
    return highest;
  }

  /**
   * Catch-up readers from random cursors at or below what is known committed, on random
   * living processes, while the load runs: each one starts right after its cursor, has
   * no hole up to the head it captured, and that head is not behind what was known
   * committed when it started.
   */
  function catchUpReaders(subscribers: readonly AccountSubscribers[], runs: number) {
    return fc.assert(
      fc.asyncProperty(
        fc.integer({ min: 0, max: addresses.length - 1 }),
        fc.nat(),
        fc.double({ min: 0, max: 1, noNaN: true }),
        async (account, processChoice, fraction) => {
          const living = [...alive];
          const process = living[processChoice % living.length];
          if (process === undefined) throw new Error("no process is alive");
          const known = knownCommitted(subscribers, account);
          const cursor = Math.floor(fraction * known);
          let log: AccountLog;
          try {
            log = await accountLog(process, account, cursor);
          } catch (error) {
            // A reader on the process that was just killed loses its stream; nothing to check.
            if (!alive.has(process) && typeof Reflect.get(Object(error), "code") === "number") {
              return;
            }
            throw error;
          }
          expect(log.head).toBeGreaterThanOrEqual(known);
        },
      ),
      { numRuns: runs },
    );
  }

  /**
   * `writers` concurrent writers, `writesPerWriter` writes each, to random living
   * processes: mostly SendTextMessage, then edits and reactions of acknowledged messages
   * and MarkChatRead. Calls to a process that `isKilled` names may fail (nothing is
   * acknowledged then); any other failure fails the load.
   */
  async function runLoad(options: {
    readonly writers: number;
    readonly writesPerWriter: number;
    readonly acknowledged: AcknowledgedSend[];
    readonly edited: Set<string>;
    readonly isKilled?: (process: number) => boolean;
    readonly afterEachWrite?: () => Promise<void> | void;
  }): Promise<void> {
    await Promise.all(
      Array.from({ length: options.writers }, async (_, writer) => {
        for (let round = 0; round < options.writesPerWriter; round += 1) {
          const process = pick([...alive]);
          const chat = pick(chats);
          const own = options.acknowledged.filter((sent) => sent.chatGuid === chat.guid);
          const dice = Math.random();
          try {
            if (dice < 0.7 || own.length === 0) {
              const text = `writer ${writer} round ${round} via ${process}`;
              const response = await client(process, chat.owner, "messages").unary<MessageResponse>(
                "sendTextMessage",
                { chatGuid: chat.guid, text },
              );
              const messageGuid = response.message?.guid ?? "";
              expect(messageGuid).not.toBe("");
              options.acknowledged.push({
                owner: chat.owner,
                chatGuid: chat.guid,
                messageGuid,
                text,
              });
            } else if (dice < 0.82) {
              const target = pick(own);
              await client(process, chat.owner, "messages").unary("editMessage", {
                target: { chatGuid: chat.guid, messageGuid: target.messageGuid },
                newText: `${target.text}, edited by writer ${writer}`,
              });
              options.edited.add(target.messageGuid);
            } else if (dice < 0.94) {
              await client(process, chat.owner, "messages").unary("setReaction", {
                target: { chatGuid: chat.guid, messageGuid: pick(own).messageGuid },
                reaction: { kind: Math.floor(Math.random() * 6) },
                isSet: Math.random() < 0.7,
              });
            } else {
              await client(process, chat.owner, "chats").unary("markChatRead", {
                chatGuid: chat.guid,
              });
            }
          } catch (error) {
            if (options.isKilled?.(process) === true) continue;
            throw error;
          }
          await options.afterEachWrite?.();
        }
      }),
    );
  }

  /** Every acknowledged message (and every acknowledged edit) is in the database. */
  async function expectAcknowledgedPresent(
    acknowledged: readonly AcknowledgedSend[],
    edited: ReadonlySet<string>,
  ): Promise<void> {
    const missing: string[] = [];
    for (const sent of acknowledged) {
      const reader = pick([...alive]);
      const found = await client(reader, sent.owner, "messages")
        .unary<GetMessageResponse>("getMessage", { messageGuid: sent.messageGuid })
        .catch((error: ServiceError) => {
          missing.push(`${sent.messageGuid}: ${error.code} ${error.details}`);
          return undefined;
        });
      if (found === undefined) continue;
      expect(found.message?.guid).toBe(sent.messageGuid);
      if (edited.has(sent.messageGuid)) {
        expect(found.message?.dateEdited, `edit of ${sent.messageGuid}`).toBeTruthy();
      } else {
        expect(found.message?.content?.text).toBe(sent.text);
      }
    }
    expect(missing).toEqual([]);
  }

  beforeAll(async () => {
    database = await createScratchDatabase();
    directory = await mkdtemp(join(tmpdir(), "threadline-multi-process-"));
    // All three at once: their migrations of the one database race.
    processes = await Promise.all(
      [0, 1, 2].map((index) =>
        startPostgresServerProcess({
          databaseUrl: database.url,
          attachmentsPath: join(directory, `process-${index}.db`),
        }),
      ),
    );
    for (let index = 0; index < processes.length; index += 1) alive.add(index);
    await installCommitDelay(database.url, { share: 0.5, maxSeconds: 0.004 });
    tokens = await Promise.all(
      addresses.map((address) => addAccountThroughCli(database.url, address)),
    );
    // Each account owns chats with the others, created through different processes.
    const owned: [number, string[]][] = [
      [0, [addresses[1]]],
      [1, [addresses[2]]],
      [2, [addresses[0]]],
      [0, [addresses[1], addresses[2]]],
    ];
    chats = [];
    for (const [index, [owner, members]] of owned.entries()) {
      const created = await client(
        index % 3,
        owner,
        "chats",
      ).unary<photon.imessage.v1.CreateChatResponse>("createChat", { addresses: members });
      const guid = created.chat?.guid ?? "";
      expect(guid).not.toBe("");
      chats.push({ owner, guid });
    }
  }, 60_000);

  afterAll(async () => {
    for (const entry of clients.values()) entry.close();
    await Promise.all(processes.map((process) => process.stop()));
    await database?.drop();
    if (directory !== undefined) await rm(directory, { recursive: true, force: true });
  });

  it("writers on random processes for the same accounts, with COMMITs held after the head update: every process's live subscribers see every event once, in order, and catch-up from random cursors never skips", async () => {
    const subscribers = await subscribeEverywhere();
    const acknowledged: AcknowledgedSend[] = [];
    const edited = new Set<string>();
    const delayedBefore = await delayedCommits(database.url);
    try {
      await Promise.all([
        runLoad({ writers: 12, writesPerWriter: 25, acknowledged, edited }),
        catchUpReaders(subscribers, 40),
      ]);
      await expectSubscribersSawEverything(subscribers);
      await expectAcknowledgedPresent(acknowledged, edited);
      expect(acknowledged.length).toBeGreaterThan(0);
      // The injected delay really held commits open.
      expect(await delayedCommits(database.url)).toBeGreaterThan(delayedBefore);
      // Idle afterwards: catch-up from any cursor still agrees with the live streams.
      await catchUpReaders(subscribers, 20);
    } finally {
      cancelAll(subscribers);
    }
  });

  it("kill -9 of one process mid-load: every acknowledged write is present afterwards, and the survivors keep serving every event to their subscribers", async () => {
    const subscribers = await subscribeEverywhere();
    const acknowledged: AcknowledgedSend[] = [];
    const edited = new Set<string>();
    const victim = 1;
    const target = processes[victim];
    if (target === undefined) throw new Error("no victim process");
    let killed = false;
    let killing: Promise<number | string> | undefined;
    try {
      await Promise.all([
        runLoad({
          writers: 12,
          writesPerWriter: 25,
          acknowledged,
          edited,
          isKilled: (process) => process === victim && killed,
          afterEachWrite: () => {
            // Mid-load: a third of the way in, with writes to it in flight.
            if (!killed && acknowledged.length >= 80) {
              killed = true;
              alive.delete(victim);
              killing = target.killHard();
            }
          },
        }),
        catchUpReaders(subscribers, 30),
      ]);
      expect(killed).toBe(true);
      expect(await killing).toBe("SIGKILL");
      // Writes acknowledged by the victim before it died are there too.
      await expectAcknowledgedPresent(acknowledged, edited);
      await expectSubscribersSawEverything(subscribers);
      // And the survivors still take writes and publish them to each other.
      const after: AcknowledgedSend[] = [];
      await runLoad({ writers: 4, writesPerWriter: 5, acknowledged: after, edited });
      await expectSubscribersSawEverything(subscribers);
      await expectAcknowledgedPresent(after, edited);
    } finally {
      cancelAll(subscribers);
    }
  });
});
