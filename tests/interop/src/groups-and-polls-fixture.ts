import { type AdvancedIMessage, createGrpcClient } from "@photon-ai/advanced-imessage/grpc";
import { chats } from "@threadline/chats";
import { createClient, type ThreadlineClient } from "@threadline/core";
import { groups } from "@threadline/groups";
import { polls } from "@threadline/polls";
import { startInteropFixture } from "./fixture.js";
import { collectInBackground, type StreamCollector } from "./stream-collector.js";

type Resources = { chats: typeof chats; groups: typeof groups; polls: typeof polls };

/** One account through both clients, ours with chats, groups and polls. */
export interface Member {
  readonly address: string;
  readonly token: string;
  /** The published `@photon-ai/advanced-imessage` gRPC client. */
  readonly photon: AdvancedIMessage;
  /** `@threadline/core` with `@threadline/chats`, `@threadline/groups` and `@threadline/polls`. */
  readonly threadline: ThreadlineClient<Resources>;
}

/**
 * The interop fixture (a real server, Alice, Bob and Carol through both clients) plus
 * Dave, who joins groups later, and the group of Alice, Bob and Carol.
 */
export async function startGroupsAndPollsFixture() {
  const base = await startInteropFixture();
  const connect = (token: string) =>
    createClient({ address: base.server.address, token, resources: { chats, groups, polls } });
  const dave = await base.server.accounts.create(["dave@example.com"]);
  const member = (address: string, token: string, photon: AdvancedIMessage): Member => ({
    address,
    token,
    photon,
    threadline: connect(token),
  });
  const alice = member(base.alice.address, base.alice.token, base.alice.photon);
  const bob = member(base.bob.address, base.bob.token, base.bob.photon);
  const carol = member(base.carol.address, base.carol.token, base.carol.photon);
  const davePhoton = createGrpcClient({
    address: base.server.address,
    token: dave.token,
    tls: false,
    autoIdempotency: true,
  });
  const daveMember = member("dave@example.com", dave.token, davePhoton);
  const { chat: group } = await alice.threadline.chats.create([bob.address, carol.address], {
    message: "Hello, group",
  });
  const { chat: direct } = await alice.threadline.chats.create([bob.address], { message: "Hi" });
  return {
    server: base.server,
    alice,
    bob,
    carol,
    dave: daveMember,
    group: group.guid,
    direct: direct.guid,
    async [Symbol.asyncDispose]() {
      for (const someone of [alice, bob, carol, daveMember]) await someone.threadline.close();
      await davePhoton[Symbol.asyncDispose]();
      await base[Symbol.asyncDispose]();
    },
  };
}

/** A published-client live stream known to be registered on the server. */
export interface RegisteredStream<T> {
  readonly collector: StreamCollector<T>;
  close(): Promise<void>;
}

/**
 * Opens a published-client stream on its own client and waits until the server has
 * registered it: the published stream has no `ready`, but a heartbeat frame on it
 * proves registration.
 */
export async function openRegistered<T>(
  address: string,
  token: string,
  open: (client: AdvancedIMessage) => AsyncIterable<T> & { close(): Promise<void> },
): Promise<RegisteredStream<T>> {
  let heartbeat: () => void = () => undefined;
  const registered = new Promise<void>((resolve) => {
    heartbeat = resolve;
  });
  const client = createGrpcClient({ address, token, tls: false, onHeartbeat: () => heartbeat() });
  const collector = collectInBackground(open(client));
  // Rejects instead if the stream fails before its first heartbeat.
  await Promise.race([registered, collector.until(() => false)]);
  return {
    collector,
    async close() {
      await collector.close();
      await client[Symbol.asyncDispose]();
    },
  };
}

/** Both clients' views of one chat, comparable field by field. */
export function sharedChatFields<Chat extends { chatIdentifier?: string; groupId?: string }>(
  published: Chat,
): Omit<Chat, "chatIdentifier" | "groupId"> {
  // The published Chat also carries `chatIdentifier` and `groupId`, which our Chat does
  // not expose (the group id is the part of `guid` after "any;+;").
  const { chatIdentifier: _identifier, groupId: _groupId, ...shared } = published;
  return shared;
}
