import type { ThreadlineServer } from "@threadline/server";
import { type Actor, connectActor } from "./activity.js";

/** The bot's account and the actors that produce activity it can see. */
export interface Cast {
  readonly botAddress: string;
  readonly botToken: string;
  readonly actors: readonly Actor[];
  /** One line per actor, for the introduction. */
  readonly description: readonly string[];
  close(): Promise<void>;
}

const bot = "bot@example.com";
const alice = "alice@example.com";
const bob = "bob@example.com";
const carol = "carol@example.com";

/**
 * On the embedded server: the bot's account, three people (Alice, Bob, Carol) with
 * accounts of their own, one group of all four and two direct chats with the bot.
 * The bot's account also replies now and then, which is what read receipts acknowledge.
 */
export async function createEmbeddedCast(server: ThreadlineServer): Promise<Cast> {
  const accounts = {
    bot: await server.accounts.create([bot]),
    alice: await server.accounts.create([alice]),
    bob: await server.accounts.create([bob]),
    carol: await server.accounts.create([carol]),
  };
  const clients = {
    bot: connectActor(server.address, accounts.bot.token),
    alice: connectActor(server.address, accounts.alice.token),
    bob: connectActor(server.address, accounts.bob.token),
    carol: connectActor(server.address, accounts.carol.token),
  };
  const { chat: group } = await clients.alice.chats.create([bot, bob, carol], {
    message: "Who's in for Saturday?",
  });
  await clients.alice.chats.create([bot], { message: "Hi bot, remind me about Saturday" });
  await clients.bob.chats.create([bot], { message: "Hey bot!" });
  const actors: Actor[] = [
    {
      name: "Alice",
      address: alice,
      client: clients.alice,
      chats: [group.guid, `any;-;${bot}`],
      group: group.guid,
      managesMembers: true,
      repliesOnly: false,
    },
    {
      name: "Bob",
      address: bob,
      client: clients.bob,
      chats: [group.guid, `any;-;${bot}`],
      group: group.guid,
      managesMembers: false,
      repliesOnly: false,
    },
    {
      name: "Carol",
      address: carol,
      client: clients.carol,
      chats: [group.guid],
      group: group.guid,
      managesMembers: false,
      repliesOnly: false,
    },
    {
      name: "bot's account",
      address: bot,
      client: clients.bot,
      chats: [group.guid, `any;-;${alice}`, `any;-;${bob}`],
      group: group.guid,
      managesMembers: false,
      repliesOnly: true,
    },
  ];
  return {
    botAddress: bot,
    botToken: accounts.bot.token,
    actors,
    description: [
      `bot        ${bot}: runs recover() in a child process`,
      `people     ${alice}, ${bob}, ${carol}: messages, edits, reactions, read receipts,`,
      "           group renames, members joining and leaving, polls and votes, backgrounds",
      `chats      group "${group.guid}" (all four) + direct chats Alice<->bot, Bob<->bot`,
    ],
    close: async () => {
      await Promise.all(Object.values(clients).map((client) => client.close()));
    },
  };
}

/**
 * On another server only the bot's token is known, so the bot's own account produces
 * the activity in chats it creates with example addresses (its events are `isFromMe`).
 */
export async function createRemoteCast(address: string, token: string): Promise<Cast> {
  const client = connectActor(address, token);
  const { chat: group } = await client.chats.create([alice, bob, carol], {
    message: "Who's in for Saturday?",
  });
  const { chat: direct } = await client.chats.create([alice], { message: "Hi Alice" });
  return {
    botAddress: "(the THREADLINE_TOKEN account)",
    botToken: token,
    actors: [
      {
        name: "bot's account",
        address: "",
        client,
        chats: [group.guid, direct.guid],
        group: group.guid,
        managesMembers: true,
        repliesOnly: false,
      },
    ],
    description: [
      "bot        the THREADLINE_TOKEN account: runs recover() in a child process",
      "activity   written by that same account (no other tokens are known on a remote server)",
      `chats      group "${group.guid}" + direct "${direct.guid}"`,
    ],
    close: () => client.close(),
  };
}
