import { createGrpcClient } from "@photon-ai/advanced-imessage/grpc";
import { createClient } from "@threadline/core";
import { startTestServer } from "@threadline/server/testing";
import { describe, expect, it } from "vitest";
import { chats } from "../src/index.js";
import { pngBytes } from "./chats-fixture.js";

/** Drops keys whose value is `undefined`, so "absent" compares equal to "absent". */
function present(value: unknown): unknown {
  if (Array.isArray(value)) return value.map(present);
  if (value instanceof Date || value instanceof Uint8Array) return value;
  if (typeof value === "object" && value !== null) {
    return Object.fromEntries(
      Object.entries(value)
        .filter(([, field]) => field !== undefined)
        .map(([key, field]) => [key, present(field)]),
    );
  }
  return value;
}

/** The fields of a chat both SDKs document. */
function chatFields(chat: {
  guid: string;
  displayName: string;
  isGroup: boolean;
  participants: readonly unknown[];
  service: string;
  isArchived: boolean;
  isFiltered: boolean;
  unreadCount?: number | undefined;
  lastMessage?:
    | { guid: string; isFromMe: boolean; content: { text?: string | undefined } }
    | undefined;
}) {
  return present({
    guid: chat.guid,
    displayName: chat.displayName,
    isGroup: chat.isGroup,
    participants: chat.participants,
    service: chat.service,
    isArchived: chat.isArchived,
    isFiltered: chat.isFiltered,
    unreadCount: chat.unreadCount,
    lastMessage:
      chat.lastMessage === undefined
        ? undefined
        : {
            guid: chat.lastMessage.guid,
            isFromMe: chat.lastMessage.isFromMe,
            text: chat.lastMessage.content.text,
          },
  });
}

async function startInterop() {
  const server = await startTestServer({ heartbeatIntervalMs: 100 });
  const alice = await server.accounts.create(["alice@example.com"]);
  const bob = await server.accounts.create(["bob@example.com"]);
  let heartbeats = 0;
  const heartbeatWaiters: Array<() => void> = [];
  const published = createGrpcClient({
    address: server.address,
    token: bob.token,
    tls: false,
    onHeartbeat: () => {
      heartbeats += 1;
      for (const wake of heartbeatWaiters.splice(0)) wake();
    },
  });
  const threadlineBob = createClient({
    address: server.address,
    token: bob.token,
    tls: false,
    resources: { chats },
  });
  const threadlineAlice = createClient({
    address: server.address,
    token: alice.token,
    tls: false,
    resources: { chats },
  });
  return {
    published,
    bob: threadlineBob,
    alice: threadlineAlice,
    /** Resolves on the next heartbeat any published-client stream receives. */
    nextHeartbeat: () =>
      new Promise<number>((resolve) => heartbeatWaiters.push(() => resolve(heartbeats))),
    async [Symbol.asyncDispose]() {
      await Promise.allSettled([published.close(), threadlineBob.close(), threadlineAlice.close()]);
      await server[Symbol.asyncDispose]();
    },
  };
}

describe("the published @photon-ai/advanced-imessage gRPC client against our ChatService", () => {
  it("talks plaintext to a local server (tls: false) and sees the same chats as @threadline/chats", async () => {
    await using fixture = await startInterop();

    // A chat created by the published client reads the same through both SDKs.
    const created = await fixture.published.chats.create(["Alice@Example.com"], {
      message: "from the published client",
    });
    const ours = await fixture.bob.chats.get(created.chat.guid);
    expect(chatFields(ours)).toEqual(chatFields(created.chat));
    expect(created.initialMessage?.guid).toBe(ours.lastMessage?.guid);

    // And one created by @threadline/chats reads the same through the published client.
    const group = await fixture.bob.chats.create(["alice@example.com", "carol@example.com"], {
      message: "group hello",
    });
    const theirGroup = await fixture.published.chats.get(group.chat.guid);
    expect(chatFields(theirGroup)).toEqual(chatFields(group.chat));
    expect(chatFields(await fixture.published.chats.get(created.chat.guid))).toEqual(
      chatFields(ours),
    );

    // The other side's view agrees too.
    const aliceView = await fixture.alice.chats.get("any;-;bob@example.com");
    expect(aliceView.unreadCount).toBe(1);

    expect(await fixture.published.chats.count()).toBe(await fixture.bob.chats.count());
    expect(await fixture.published.chats.count()).toBe(2);
    expect(await fixture.published.chats.count({ includeArchived: true })).toBe(
      await fixture.bob.chats.count({ includeArchived: true }),
    );
  });

  it("background and read-state calls agree, and both event streams report the same events", async () => {
    await using fixture = await startInterop();
    const { chat } = await fixture.bob.chats.create(["alice@example.com"]);
    await fixture.alice.chats.create(["bob@example.com"], { message: "unread for bob" });

    await using ourStream = fixture.bob.chats.subscribeEvents({ chat: chat.guid });
    const theirStream = fixture.published.chats.subscribeEvents({ chat: chat.guid });
    const theirEvents: unknown[] = [];
    const theirCollection = (async () => {
      for await (const event of theirStream) {
        theirEvents.push(event);
        if (theirEvents.length === 5) break;
      }
    })();
    // The published stream has no `ready`; a heartbeat on it proves it is registered.
    await Promise.all([ourStream.ready, fixture.nextHeartbeat()]);

    expect(await fixture.published.chats.hasBackground(chat.guid)).toBe(false);
    expect(await fixture.bob.chats.hasBackground(chat.guid)).toBe(false);
    await fixture.published.chats.setBackground(chat.guid, pngBytes);
    expect(await fixture.bob.chats.hasBackground(chat.guid)).toBe(true);
    expect(await fixture.published.chats.hasBackground(chat.guid)).toBe(true);
    await fixture.published.chats.markRead(chat.guid);
    expect((await fixture.bob.chats.get(chat.guid)).unreadCount).toBe(0);
    await fixture.bob.chats.removeBackground(chat.guid);
    expect(await fixture.published.chats.hasBackground(chat.guid)).toBe(false);
    // Archiving is a Threadline addition the published client cannot call, but it sees
    // the state and the events.
    await fixture.bob.chats.archive(chat.guid);
    expect((await fixture.published.chats.get(chat.guid)).isArchived).toBe(true);
    expect(await fixture.published.chats.count()).toBe(await fixture.bob.chats.count());
    expect(await fixture.published.chats.count({ includeArchived: true })).toBe(
      await fixture.bob.chats.count({ includeArchived: true }),
    );
    expect(await fixture.published.chats.count()).toBe(0);
    await fixture.bob.chats.unarchive(chat.guid);

    const ourEvents: unknown[] = [];
    for await (const event of ourStream) {
      ourEvents.push(event);
      if (ourEvents.length === 5) break;
    }
    await theirCollection;
    expect(ourEvents.map((event) => present(event))).toEqual(
      theirEvents.map((event) => present(event)),
    );
    expect(ourEvents.map((event) => (event as { type: string }).type)).toEqual([
      "chat.backgroundChanged",
      "chat.markedRead",
      "chat.backgroundRemoved",
      "chat.archived",
      "chat.unarchived",
    ]);
  });

  it("rejections from the server reach the published client as its typed errors", async () => {
    await using fixture = await startInterop();
    await expect(fixture.published.chats.get("any;+;nosuchgroup")).rejects.toMatchObject({
      name: "NotFoundError",
    });
    await expect(fixture.published.chats.create(["12345"])).rejects.toMatchObject({
      name: "ValidationError",
    });
  });
});
