import type { ClientContext, ResourceFactory } from "@threadline/core";
import {
  GroupServiceDefinition,
  MessageServiceDefinition,
  PollServiceDefinition,
  photon,
} from "@threadline/protocol";

/** A poll as the demo needs it: its message and the identifiers one can vote for. */
export interface DemoPoll {
  readonly pollMessageGuid: string;
  readonly optionIdentifiers: readonly string[];
}

/**
 * Messages, groups and polls for the simulated people. Threadline has no resource
 * package for these yet, so the demo builds one on core's `ClientContext`, the same
 * integration point `@threadline/chats` uses: real RPCs, auth, retries with
 * idempotency keys.
 */
export interface ConversationResource {
  send(chatGuid: string, text: string): Promise<string>;
  edit(chatGuid: string, messageGuid: string, text: string): Promise<void>;
  react(chatGuid: string, messageGuid: string, kind: Reaction, isSet: boolean): Promise<void>;
  rename(chatGuid: string, displayName: string): Promise<void>;
  addParticipant(chatGuid: string, address: string): Promise<void>;
  removeParticipant(chatGuid: string, address: string): Promise<void>;
  createPoll(chatGuid: string, title: string, options: readonly string[]): Promise<DemoPoll>;
  vote(pollMessageGuid: string, optionIdentifier: string): Promise<void>;
  unvote(pollMessageGuid: string): Promise<void>;
  addPollOption(pollMessageGuid: string, text: string): Promise<DemoPoll>;
}

/** Tapbacks the people use. */
export type Reaction = "love" | "like" | "laugh" | "emphasize";

const reactionKinds: Record<Reaction, photon.imessage.v1.MessageReactionKind> = {
  love: photon.imessage.v1.MessageReactionKind.MESSAGE_REACTION_KIND_LOVE,
  like: photon.imessage.v1.MessageReactionKind.MESSAGE_REACTION_KIND_LIKE,
  laugh: photon.imessage.v1.MessageReactionKind.MESSAGE_REACTION_KIND_LAUGH,
  emphasize: photon.imessage.v1.MessageReactionKind.MESSAGE_REACTION_KIND_EMPHASIZE,
};

const write = { mutating: true } as const;

function pollFrom(response: photon.imessage.v1.PollResponse, call: string): DemoPoll {
  const poll = response.poll;
  if (poll === null || poll === undefined || poll.pollMessageGuid === "") {
    throw new Error(`${call} answered without a poll`);
  }
  return {
    pollMessageGuid: poll.pollMessageGuid,
    optionIdentifiers: poll.options.map((option) => option.optionIdentifier),
  };
}

/** The resource factory: `createClient({ ..., resources: { conversation } })`. */
export const conversation: ResourceFactory<ConversationResource> = (context: ClientContext) => ({
  async send(chatGuid, text) {
    const response = await context.unary(
      MessageServiceDefinition.sendTextMessage,
      { chatGuid, text },
      write,
    );
    const guid = response.message?.guid;
    if (guid === undefined || guid === "")
      throw new Error("SendTextMessage answered without a message");
    return guid;
  },
  async edit(chatGuid, messageGuid, text) {
    await context.unary(
      MessageServiceDefinition.editMessage,
      { target: { chatGuid, messageGuid }, newText: text },
      write,
    );
  },
  async react(chatGuid, messageGuid, kind, isSet) {
    await context.unary(
      MessageServiceDefinition.setReaction,
      { target: { chatGuid, messageGuid }, reaction: { kind: reactionKinds[kind] }, isSet },
      write,
    );
  },
  async rename(chatGuid, displayName) {
    await context.unary(GroupServiceDefinition.setDisplayName, { chatGuid, displayName }, write);
  },
  async addParticipant(chatGuid, address) {
    await context.unary(
      GroupServiceDefinition.addParticipants,
      { chatGuid, addresses: [address] },
      write,
    );
  },
  async removeParticipant(chatGuid, address) {
    await context.unary(
      GroupServiceDefinition.removeParticipants,
      { chatGuid, addresses: [address] },
      write,
    );
  },
  async createPoll(chatGuid, title, options) {
    const response = await context.unary(
      PollServiceDefinition.createPoll,
      { chatGuid, title, options: [...options] },
      write,
    );
    return pollFrom(response, "CreatePoll");
  },
  async vote(pollMessageGuid, optionIdentifier) {
    await context.unary(
      PollServiceDefinition.votePoll,
      { pollMessageGuid, optionIdentifier },
      write,
    );
  },
  async unvote(pollMessageGuid) {
    await context.unary(PollServiceDefinition.unvotePoll, { pollMessageGuid }, write);
  },
  async addPollOption(pollMessageGuid, text) {
    const response = await context.unary(
      PollServiceDefinition.addPollOption,
      { pollMessageGuid, optionText: text },
      write,
    );
    return pollFrom(response, "AddPollOption");
  },
});
