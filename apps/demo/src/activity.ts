import { chats } from "@threadline/chats";
import { createClient, type ThreadlineClient } from "@threadline/core";
import { groups } from "@threadline/groups";
import { messages, type SettableMessageReaction } from "@threadline/messages";
import { type Poll, polls } from "@threadline/polls";
import { botMention } from "./bot-reply.js";

/** A client with the resources the simulated people use. */
export type ActorClient = ThreadlineClient<{
  chats: typeof chats;
  messages: typeof messages;
  groups: typeof groups;
  polls: typeof polls;
}>;

/** Someone who acts: a simulated person, or the bot's own account replying. */
export interface Actor {
  readonly name: string;
  readonly address: string;
  readonly client: ActorClient;
  /** Chat GUIDs as this actor sees them (direct chats are named from the viewer's side). */
  readonly chats: readonly string[];
  /** The group, as this actor sees it, when the actor is in it. */
  readonly group?: string;
  /** Whether this actor changes the group's membership (one does, to avoid races). */
  readonly managesMembers: boolean;
  /** Whether this actor only replies (sends messages) rather than doing everything. */
  readonly repliesOnly: boolean;
}

/** Counters of what the activity did. */
export interface ActivityStats {
  readonly actions: Record<string, number>;
  rejected: number;
  firstRejection?: string;
}

/** Creates a client for an actor. */
export function connectActor(address: string, token: string): ActorClient {
  return createClient({ address, token, resources: { chats, messages, groups, polls } });
}

// A 1x1 PNG's leading bytes are enough for the server to recognise the image type.
const backgroundImage = Uint8Array.from([
  0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a, 0x00, 0x00, 0x00, 0x0d, 0x49, 0x48, 0x44, 0x52,
  0x00, 0x00, 0x00, 0x01, 0x00, 0x00, 0x00, 0x01, 0x08, 0x06, 0x00, 0x00, 0x00, 0x1f, 0x15, 0xc4,
  0x89,
]);

const lines = [
  "Are we still on for Saturday?",
  "I can bring the snacks",
  "Running 10 minutes late",
  "Who has the tickets?",
  "That sounds great",
  "Let's meet at the station",
  "Did anyone check the weather?",
  "I'll book the table",
  "See you there!",
  "Can we move it to 7?",
];
const groupNames = ["Weekend plans", "Saturday crew", "Hiking trip", "Dinner club", "Road trip"];
const pollTitles = ["Where should we eat?", "Which day works?", "Movie or bowling?"];
const pollChoices = ["Pizza", "Sushi", "Tacos", "Friday", "Saturday", "Sunday"];
const questionsForTheBot = [
  "what's the plan for Saturday?",
  "remind us at 6",
  "who is bringing what?",
  "how's the weather looking?",
];
const reactions: readonly SettableMessageReaction["kind"][] = [
  "love",
  "like",
  "laugh",
  "emphasize",
];
const extraMember = "dave@example.com";

function pick<T>(items: readonly T[]): T {
  const item = items[Math.floor(Math.random() * items.length)];
  if (item === undefined) throw new Error("pick from an empty list");
  return item;
}

/** What the actors share: recent messages per group/chat and open polls. */
interface SharedState {
  /** Recent messages each actor sent, by actor name (only senders edit their own). */
  readonly ownMessages: Map<string, { chat: string; guid: string }[]>;
  /** Recent messages in the group, for reactions from anyone in it. */
  readonly groupMessages: string[];
  readonly polls: Poll[];
  daveIsMember: boolean;
  hasBackground: boolean;
}

type Action = (actor: Actor, state: SharedState) => Promise<string | undefined>;

const remember = <T>(list: T[], item: T, limit = 20) => {
  list.push(item);
  if (list.length > limit) list.shift();
};

interface ActionKind {
  readonly name: string;
  readonly weight: number;
  /** Toggles shared state, so runs one at a time across actors. */
  readonly exclusive?: boolean;
  readonly run: Action;
}

const actions: readonly ActionKind[] = [
  {
    name: "message",
    weight: 30,
    run: async (actor, state) => {
      const chat = pick(actor.chats);
      // Now and then someone in the group asks the bot; in a direct chat with the bot,
      // every message is addressed to it.
      const asksTheBot = chat === actor.group && !actor.repliesOnly && Math.random() < 0.2;
      const text = asksTheBot ? `${botMention} ${pick(questionsForTheBot)}` : pick(lines);
      const { guid } = await actor.client.messages.sendText(chat, text);
      const own = state.ownMessages.get(actor.name) ?? [];
      remember(own, { chat, guid });
      state.ownMessages.set(actor.name, own);
      if (chat === actor.group) remember(state.groupMessages, guid);
      return "message";
    },
  },
  {
    name: "edit",
    weight: 8,
    run: async (actor, state) => {
      const own = state.ownMessages.get(actor.name);
      if (own === undefined || own.length === 0) return undefined;
      const target = pick(own);
      await actor.client.messages.edit(target.chat, target.guid, `${pick(lines)} (edited)`);
      return "edit";
    },
  },
  {
    name: "reaction",
    weight: 14,
    run: async (actor, state) => {
      if (actor.group === undefined || state.groupMessages.length === 0) return undefined;
      const target = pick(state.groupMessages);
      const kind = pick(reactions);
      await actor.client.messages.setReaction(actor.group, target, { kind }, true);
      // Now and then a tapback is taken back again.
      if (Math.random() < 0.25)
        await actor.client.messages.setReaction(actor.group, target, { kind }, false);
      return "reaction";
    },
  },
  {
    name: "read receipt",
    weight: 10,
    run: async (actor) => {
      await actor.client.chats.markRead(pick(actor.chats));
      return "read receipt";
    },
  },
  {
    name: "group rename",
    weight: 4,
    run: async (actor) => {
      if (actor.group === undefined) return undefined;
      await actor.client.groups.setDisplayName(actor.group, pick(groupNames));
      return "group rename";
    },
  },
  {
    name: "membership change",
    weight: 4,
    exclusive: true,
    run: async (actor, state) => {
      if (actor.group === undefined || !actor.managesMembers) return undefined;
      if (state.daveIsMember) {
        await actor.client.groups.removeParticipants(actor.group, [extraMember]);
      } else {
        await actor.client.groups.addParticipants(actor.group, [extraMember]);
      }
      state.daveIsMember = !state.daveIsMember;
      return "membership change";
    },
  },
  {
    name: "poll",
    weight: 3,
    run: async (actor, state) => {
      if (actor.group === undefined) return undefined;
      const first = pick(pollChoices);
      const second = pick(pollChoices.filter((choice) => choice !== first));
      const poll = await actor.client.polls.create(actor.group, pick(pollTitles), [first, second]);
      remember(state.polls, poll, 5);
      return "poll";
    },
  },
  {
    name: "vote",
    weight: 10,
    run: async (actor, state) => {
      if (actor.group === undefined || state.polls.length === 0) return undefined;
      const poll = pick(state.polls);
      const roll = Math.random();
      if (roll < 0.15) {
        await actor.client.polls.unvote(poll.pollMessageGuid);
        return "vote";
      }
      if (roll < 0.25) {
        const updated = await actor.client.polls.addOption(
          poll.pollMessageGuid,
          `${pick(pollChoices)} ${Math.floor(Math.random() * 100)}`,
        );
        const index = state.polls.indexOf(poll);
        if (index >= 0) state.polls[index] = updated;
        return "vote";
      }
      const choice = pick(poll.options.map((option) => option.optionIdentifier));
      await actor.client.polls.vote(poll.pollMessageGuid, choice);
      return "vote";
    },
  },
  {
    name: "background",
    weight: 3,
    exclusive: true,
    run: async (actor, state) => {
      if (actor.group === undefined) return undefined;
      if (state.hasBackground) await actor.client.chats.removeBackground(actor.group);
      else await actor.client.chats.setBackground(actor.group, backgroundImage);
      state.hasBackground = !state.hasBackground;
      return "background";
    },
  },
];

const totalWeight = actions.reduce((sum, action) => sum + action.weight, 0);

function chooseAction(actor: Actor): ActionKind {
  if (actor.repliesOnly) return pick(actions.filter((action) => action.name === "message"));
  let roll = Math.random() * totalWeight;
  for (const action of actions) {
    roll -= action.weight;
    if (roll < 0) return action;
  }
  return pick(actions);
}

/**
 * Runs every actor's loop until `shouldStop()` says so. Actors pause between actions so
 * the whole cast writes about `eventsPerSecond` (the crash and catch-up stay visible).
 * A rejected write is counted and reported, never hidden.
 */
export async function runActivity(
  actors: readonly Actor[],
  eventsPerSecond: number,
  shouldStop: () => boolean,
): Promise<ActivityStats> {
  const state: SharedState = {
    ownMessages: new Map(),
    groupMessages: [],
    polls: [],
    daveIsMember: false,
    hasBackground: false,
  };
  const stats: ActivityStats = { actions: {}, rejected: 0 };
  const pauseMs = (actors.length * 1000) / eventsPerSecond;
  // Membership and background toggles read shared state: run those strictly in turn.
  let exclusive: Promise<unknown> = Promise.resolve();
  const loop = async (actor: Actor) => {
    while (!shouldStop()) {
      const action = chooseAction(actor);
      try {
        let run: Promise<string | undefined>;
        if (action.exclusive === true) {
          run = exclusive.then(() => action.run(actor, state));
          exclusive = run.catch(() => undefined);
        } else {
          run = action.run(actor, state);
        }
        const done = await run;
        if (done !== undefined) stats.actions[done] = (stats.actions[done] ?? 0) + 1;
      } catch (error) {
        stats.rejected++;
        stats.firstRejection ??= error instanceof Error ? error.message : String(error);
      }
      await new Promise((resolve) => setTimeout(resolve, Math.random() * 2 * pauseMs));
    }
  };
  await Promise.all(actors.map(loop));
  return stats;
}
