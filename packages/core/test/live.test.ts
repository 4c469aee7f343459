import { ChatServiceDefinition, MessageServiceDefinition, photon } from "@threadline/protocol";
import { describe, expect, it } from "vitest";
import {
  AuthenticationError,
  CancelledError,
  createClient,
  eventFromFrame,
  type MessageEvent,
  type ThreadlineClient,
  type UnknownEvent,
} from "../src/index.js";
import { collect, startFixture, writeMessages } from "./fixture.js";

async function createChatWith(client: ThreadlineClient, address: string): Promise<string> {
  const created = await client.context.unary(
    ChatServiceDefinition.createChat,
    {
      addresses: [address],
      service: photon.imessage.v1.ChatServiceType.CHAT_SERVICE_TYPE_IMESSAGE,
    },
    { mutating: true },
  );
  const guid = created.chat?.guid;
  if (typeof guid !== "string") throw new Error("CreateChat returned no chat GUID");
  return guid;
}

async function send(client: ThreadlineClient, chatGuid: string, text: string): Promise<void> {
  await client.context.unary(
    MessageServiceDefinition.sendTextMessage,
    { chatGuid, text },
    { mutating: true },
  );
}

describe("live streams against a real server", () => {
  it("ready resolves once registered; later events arrive with the same shape as catch-up's", async () => {
    await using fixture = await startFixture();
    const im = fixture.client();
    const chatGuid = await writeMessages(im, 2);
    const live = im.events.live("message");
    await live.ready;
    await send(im, chatGuid, "after ready");
    const [event] = await collect(live.take(1));
    expect(event).toMatchObject({ type: "message.received", chatGuid, isFromMe: true });
    const replayed = (await collect(im.events.catchUp())).find(
      (candidate) =>
        candidate.type !== "catchup.complete" && candidate.sequence === event?.sequence,
    );
    expect(replayed).toEqual(event);
  });

  it("ClientContext.stream maps frames and skips the ones map returns undefined for", async () => {
    await using fixture = await startFixture({ heartbeatIntervalMs: 50 });
    const im = fixture.client();
    const chatGuid = await writeMessages(im, 1);
    let frames = 0;
    let sawHeartbeat: () => void = () => undefined;
    const heartbeat = new Promise<void>((resolve) => {
      sawHeartbeat = resolve;
    });
    const stream = im.context.stream(
      MessageServiceDefinition.subscribeMessageEvents,
      { chatGuid },
      (frame) => {
        if (frame.heartbeat) {
          sawHeartbeat();
          return undefined;
        }
        return eventFromFrame(frame);
      },
      { onFrame: () => frames++ },
    );
    await stream.ready;
    await heartbeat;
    await send(im, chatGuid, "through context.stream");
    const [event] = await collect(stream.take(1));
    // The heartbeat reached map and onFrame but not the consumer: the first event is the message.
    expect(event).toMatchObject({ type: "message.received", chatGuid });
    expect(frames).toBeGreaterThanOrEqual(2);
  });

  it("a chat filter delivers only that chat's events", async () => {
    await using fixture = await startFixture();
    await fixture.server.accounts.create(["carol@example.com"]);
    const im = fixture.client();
    const withBob = await createChatWith(im, "bob@example.com");
    const withCarol = await createChatWith(im, "carol@example.com");
    const onlyCarol = im.events.live("message", { chat: withCarol });
    const everything = im.events.live("message");
    await Promise.all([onlyCarol.ready, everything.ready]);
    await send(im, withBob, "to bob");
    await send(im, withCarol, "to carol");
    await send(im, withBob, "to bob again");
    await send(im, withCarol, "to carol again");
    const carolEvents = await collect(onlyCarol.take(2));
    const allEvents = await collect(everything.take(4));
    const text = (event: MessageEvent | UnknownEvent) =>
      event.type === "message.received" ? event.message.content.text : event.type;
    expect(carolEvents.map(text)).toEqual(["to carol", "to carol again"]);
    expect(carolEvents.every((event) => event.chatGuid === withCarol)).toBe(true);
    expect(allEvents.map(text)).toEqual(["to bob", "to carol", "to bob again", "to carol again"]);
  });

  it("Bob sees Alice's message in the chat named for Alice", async () => {
    await using fixture = await startFixture();
    const alice = fixture.client();
    const bob = fixture.client({ token: fixture.bob.token });
    const bobLive = bob.events.live("message");
    await bobLive.ready;
    await writeMessages(alice, 1);
    const [event] = await collect(bobLive.take(1));
    expect(event).toMatchObject({
      type: "message.received",
      chatGuid: "any;-;alice@example.com",
      isFromMe: false,
    });
  });

  it("a bad token is an AuthenticationError: unary calls are not retried, live ready rejects", async () => {
    await using fixture = await startFixture();
    let tokenCalls = 0;
    const im = createClient({
      address: fixture.server.address,
      token: async () => {
        tokenCalls += 1;
        return "not-a-real-token";
      },
    });
    try {
      await expect(im.events.getLogInfo()).rejects.toBeInstanceOf(AuthenticationError);
      // One GetServerInfo call, which failed with UNAUTHENTICATED and was not retried.
      expect(tokenCalls).toBe(1);
      const live = im.events.live("chat");
      await expect(live.ready).rejects.toBeInstanceOf(AuthenticationError);
      await expect(collect(live)).rejects.toMatchObject({
        code: "UNAUTHENTICATED",
        retryable: false,
      });
      await expect(collect(im.events.catchUp())).rejects.toBeInstanceOf(AuthenticationError);
    } finally {
      await im.close();
    }
  });

  it("close() ends a pending read at once and ready rejects when closed first", async () => {
    await using fixture = await startFixture();
    const im = fixture.client();
    const live = im.events.live("group");
    await live.ready;
    const iterator = live[Symbol.asyncIterator]();
    const pending = iterator.next();
    await live.close();
    await expect(pending).resolves.toEqual({ value: undefined, done: true });

    const early = im.events.live("poll");
    const closing = early.close();
    await expect(early.ready).rejects.toBeInstanceOf(CancelledError);
    await closing;
  });

  it("client.close() closes every open stream", async () => {
    await using fixture = await startFixture();
    const im = fixture.client();
    const streams = [im.events.live("message"), im.events.live("chat")];
    await Promise.all(streams.map((stream) => stream.ready));
    const reads = streams.map((stream) => collect<unknown>(stream));
    await im.close();
    await expect(Promise.all(reads)).resolves.toEqual([[], []]);
  });
});
