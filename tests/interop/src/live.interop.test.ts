import { type AdvancedIMessage, createGrpcClient } from "@photon-ai/advanced-imessage/grpc";
import type { DomainEvent, EventDomain } from "@threadline/core";
import { describe, expect, it } from "vitest";
import { collect, comparable, kindOf } from "./comparable.js";
import { type InteropFixture, type Person, startInteropFixture } from "./fixture.js";
import { seedLog } from "./seed-log.js";
import { collectInBackground, type StreamCollector } from "./stream-collector.js";

interface Sequenced {
  readonly type: string;
  readonly sequence: number;
}

/**
 * A live stream of the published client that is known to be registered on the server.
 * The published client has no `ready`; a heartbeat frame on a stream proves the server
 * registered it, so each stream gets its own client whose `onHeartbeat` says so.
 */
interface RegisteredStream<T extends Sequenced> {
  readonly client: AdvancedIMessage;
  readonly collector: StreamCollector<T>;
  close(): Promise<void>;
}

async function openRegistered<T extends Sequenced>(
  fixture: InteropFixture,
  person: Person,
  open: (client: AdvancedIMessage) => AsyncIterable<T> & { close(): Promise<void> },
): Promise<RegisteredStream<T>> {
  let heartbeat: () => void = () => undefined;
  const registered = new Promise<void>((resolve) => {
    heartbeat = resolve;
  });
  const client = createGrpcClient({
    address: fixture.server.address,
    token: person.token,
    tls: false,
    onHeartbeat: () => heartbeat(),
  });
  const collector = collectInBackground(open(client));
  // Rejects instead if the stream fails before its first heartbeat.
  await Promise.race([registered, collector.until(() => false)]);
  return {
    client,
    collector,
    async close() {
      await collector.close();
      await client[Symbol.asyncDispose]();
    },
  };
}

const domains: readonly EventDomain[] = ["message", "chat", "group", "poll"];

function domainOf(event: { readonly type: string }): string {
  return event.type.split(".")[0] ?? "";
}

function lastSequence(events: readonly Sequenced[]): number {
  return events.at(-1)?.sequence ?? 0;
}

describe("published client: live subscribeEvents streams", () => {
  it("deliver every message, chat, group and poll event, matching @threadline/core field by field", async () => {
    await using fixture = await startInteropFixture();
    const { alice } = fixture;
    const streams = {
      message: await openRegistered(fixture, alice, (client) => client.messages.subscribeEvents()),
      chat: await openRegistered(fixture, alice, (client) => client.chats.subscribeEvents()),
      group: await openRegistered(fixture, alice, (client) => client.groups.subscribeEvents()),
      poll: await openRegistered(fixture, alice, (client) => client.polls.subscribeEvents()),
    };
    const coreStreams = Object.fromEntries(
      domains.map((domain) => [domain, alice.threadline.events.live(domain)] as const),
    );
    await Promise.all(Object.values(coreStreams).map((stream) => stream.ready));
    const coreCollectors = Object.fromEntries(
      domains.map((domain) => {
        const stream = coreStreams[domain];
        if (stream === undefined) throw new Error(`no ${domain} stream`);
        return [domain, collectInBackground<DomainEvent>(stream)] as const;
      }),
    );
    try {
      const before = (await alice.threadline.events.getLogInfo()).headSequence;
      await seedLog(fixture);
      const written = (await collect(alice.threadline.events.catchUp(before))).filter(
        (event): event is DomainEvent => event.type !== "catchup.complete",
      );
      expect(written.length).toBeGreaterThan(20);
      for (const domain of domains) {
        const expected = written.filter((event) => domainOf(event) === domain);
        expect(expected.length, `${domain} events written`).toBeGreaterThan(0);
        const published = streams[domain].collector;
        const threadline = coreCollectors[domain];
        if (threadline === undefined) throw new Error(`no ${domain} collector`);
        await published.until((events) => lastSequence(events) >= lastSequence(expected));
        await threadline.until((events) => events.length >= expected.length);
        expect(comparable(published.events), `${domain} stream`).toStrictEqual(
          comparable(expected),
        );
        expect(comparable(threadline.events), `${domain} core live`).toStrictEqual(
          comparable(published.events),
        );
      }
      expect(new Set(written.map(kindOf)).size).toBeGreaterThanOrEqual(21);
    } finally {
      for (const stream of Object.values(streams)) await stream.close();
      for (const collector of Object.values(coreCollectors)) await collector.close();
    }
  });

  it("a chat filter only delivers that chat's events", async () => {
    await using fixture = await startInteropFixture();
    const { alice, bob, carol } = fixture;
    const { chat: group } = await alice.photon.chats.create([bob.address, carol.address], {
      message: "Group",
    });
    const { chat: direct } = await alice.photon.chats.create([bob.address], { message: "Direct" });
    const stream = await openRegistered(fixture, alice, (client) =>
      client.messages.subscribeEvents({ chat: group.guid }),
    );
    try {
      await bob.photon.messages.sendText(`any;-;${alice.address}`, "only in the direct chat");
      const last = await bob.photon.messages.sendText(group.guid, "in the group");
      await stream.collector.until((events) =>
        events.some(
          (event) => event.type === "message.received" && event.message.guid === last.guid,
        ),
      );
      expect(stream.collector.events.map((event) => event.chatGuid)).toEqual(
        stream.collector.events.map(() => group.guid),
      );
      expect(direct.guid).not.toBe(group.guid);
    } finally {
      await stream.close();
    }
  });

  it("a poll filter only delivers that poll's changes", async () => {
    await using fixture = await startInteropFixture();
    const { alice, bob, carol } = fixture;
    const { chat: group } = await alice.photon.chats.create([bob.address, carol.address]);
    const watched = await alice.photon.polls.create(group.guid, "Watched?", ["Yes", "No"]);
    const other = await alice.photon.polls.create(group.guid, "Other?", ["A", "B"]);
    const stream = await openRegistered(fixture, alice, (client) =>
      client.polls.subscribeEvents({ pollMessage: watched.pollMessageGuid }),
    );
    try {
      const otherOption = other.options[0]?.optionIdentifier ?? "";
      const watchedOption = watched.options[1]?.optionIdentifier ?? "";
      await bob.photon.polls.vote(other.pollMessageGuid, otherOption);
      await bob.photon.polls.vote(watched.pollMessageGuid, watchedOption);
      await stream.collector.until((events) => events.length >= 1);
      expect(stream.collector.events).toEqual([
        expect.objectContaining({
          type: "poll.changed",
          pollMessageGuid: watched.pollMessageGuid,
          delta: { type: "voted", optionIdentifier: watchedOption },
          actor: expect.objectContaining({ address: bob.address }),
        }),
      ]);
    } finally {
      await stream.close();
    }
  });
});
