import { status } from "@grpc/grpc-js";
import {
  ChatServiceDefinition,
  EventServiceDefinition,
  MessageServiceDefinition,
  PollServiceDefinition,
  type photon,
} from "@threadline/protocol";
import { describe, expect, it } from "vitest";
import { runWrite } from "../src/domain/write-operations.js";
import type { LogEventInput } from "../src/index.js";
import { startTestServer } from "../src/testing.js";
import { appendMessages } from "./support/append-events.js";
import { readFrames } from "./support/frame-reader.js";
import { collect, createRawClient, trailer } from "./support/grpc-client.js";

type MessageFrame = photon.imessage.v1.SubscribeMessageEventsResponse;
type PollFrame = photon.imessage.v1.SubscribePollEventsResponse;
type CatchUpFrame = photon.imessage.v1.CatchUpEventsResponse;

function pollEvent(pollGuid: string): LogEventInput {
  return {
    kind: "poll",
    event: { chatGuid: "any;+;team", pollMessageGuid: pollGuid, isFromMe: false, voted: {} },
  };
}

describe("live Subscribe*Events streams", () => {
  it("sends headers on registration, then only the events committed afterwards", async () => {
    await using server = await startTestServer();
    const { account, token } = await server.accounts.create(["alice@example.com"]);
    await appendMessages(server.server.store, account.id, 2);
    const messages = createRawClient(server.address, MessageServiceDefinition, token);
    const live = readFrames<MessageFrame>(messages.stream("subscribeMessageEvents", {}));
    try {
      await live.headers;
      await appendMessages(server.server.store, account.id, 2);
      const first = await live.next();
      const second = await live.next();
      expect([first.sequence, second.sequence]).toEqual([3, 4]);
      expect(first.messageChanged?.chatGuid).toBe("any;-;bob@example.com");
    } finally {
      live.cancel();
      messages.close();
    }
  });

  it("filters by chat and by poll, and ignores other domains", async () => {
    await using server = await startTestServer();
    const { account, token } = await server.accounts.create(["alice@example.com"]);
    const messages = createRawClient(server.address, MessageServiceDefinition, token);
    const polls = createRawClient(server.address, PollServiceDefinition, token);
    const carolOnly = readFrames<MessageFrame>(
      messages.stream("subscribeMessageEvents", { chatGuid: "any;-;carol@example.com" }),
    );
    const pollTwo = readFrames<PollFrame>(
      polls.stream("subscribePollEvents", { pollMessageGuid: "poll-2" }),
    );
    try {
      await Promise.all([carolOnly.headers, pollTwo.headers]);
      await appendMessages(server.server.store, account.id, 2, "any;-;bob@example.com");
      await runWrite(server.server.store, "log.appendEvents", {
        events: [
          { accountId: account.id, event: pollEvent("poll-1") },
          { accountId: account.id, event: pollEvent("poll-2") },
        ],
      });
      await appendMessages(server.server.store, account.id, 1, "any;-;carol@example.com");
      await appendMessages(server.server.store, account.id, 1, "any;-;bob@example.com");
      await runWrite(server.server.store, "log.appendEvents", {
        events: [
          { accountId: account.id, event: pollEvent("poll-1") },
          { accountId: account.id, event: pollEvent("poll-2") },
        ],
      });
      await appendMessages(server.server.store, account.id, 1, "any;-;carol@example.com");
      // Each stream's frames are exactly its matching events, in order, nothing between.
      const carol = [await carolOnly.next(), await carolOnly.next()];
      expect(carol.map((frame) => frame.sequence)).toEqual([5, 9]);
      expect(carol.map((frame) => frame.messageChanged?.chatGuid)).toEqual([
        "any;-;carol@example.com",
        "any;-;carol@example.com",
      ]);
      const poll = [await pollTwo.next(), await pollTwo.next()];
      expect(poll.map((frame) => frame.sequence)).toEqual([4, 8]);
      expect(poll.map((frame) => frame.pollChanged?.pollMessageGuid)).toEqual(["poll-2", "poll-2"]);
    } finally {
      carolOnly.cancel();
      pollTwo.cancel();
      messages.close();
      polls.close();
    }
  });

  it("rejects a malformed chat_guid filter with INVALID_ARGUMENT", async () => {
    await using server = await startTestServer();
    const { token } = await server.accounts.create(["alice@example.com"]);
    const chats = createRawClient(server.address, ChatServiceDefinition, token);
    try {
      const error = await collect(
        chats.stream("subscribeChatEvents", { chatGuid: "bob@example.com" }),
      ).then(
        () => undefined,
        (failure: unknown) => failure,
      );
      expect(error).toMatchObject({ code: status.INVALID_ARGUMENT });
      expect(String((error as { details: string }).details)).toContain(
        'chat_guid "bob@example.com" is not a chat GUID; it must be "any;-;<email or E.164 phone>" or "any;+;<group id>"',
      );
    } finally {
      chats.close();
    }
  });

  it("sends heartbeat frames on an idle stream", async () => {
    await using server = await startTestServer({ heartbeatIntervalMs: 20 });
    const { token } = await server.accounts.create(["alice@example.com"]);
    const messages = createRawClient(server.address, MessageServiceDefinition, token);
    const live = readFrames<MessageFrame>(messages.stream("subscribeMessageEvents", {}));
    try {
      const frame = await live.next();
      expect(frame.heartbeat).not.toBeNull();
      expect(frame.sequence).toBeNull();
    } finally {
      live.cancel();
      messages.close();
    }
  });

  it("never shows one account's events to another", async () => {
    await using server = await startTestServer();
    const alice = await server.accounts.create(["alice@example.com"]);
    const bob = await server.accounts.create(["bob@example.com"]);
    const messages = createRawClient(server.address, MessageServiceDefinition, alice.token);
    const events = createRawClient(server.address, EventServiceDefinition, alice.token);
    const live = readFrames<MessageFrame>(messages.stream("subscribeMessageEvents", {}));
    try {
      await live.headers;
      await appendMessages(server.server.store, bob.account.id, 5, "any;-;someone@example.com");
      await appendMessages(
        server.server.store,
        alice.account.id,
        1,
        "any;-;alice-only@example.com",
      );
      // Alice's first live frame is her own event with her own sequence 1.
      const first = await live.next();
      expect(first.sequence).toBe(1);
      expect(first.messageChanged?.chatGuid).toBe("any;-;alice-only@example.com");
      const catchUp = await collect<CatchUpFrame>(events.stream("catchUpEvents", {}));
      expect(catchUp.map((frame) => frame.sequence)).toEqual([1, null]);
      expect(catchUp.at(-1)?.complete?.headSequence).toBe(1);
    } finally {
      live.cancel();
      messages.close();
      events.close();
    }
  });

  it("caps the live streams one account may hold open", async () => {
    await using server = await startTestServer({ maxSubscribersPerAccount: 2 });
    const alice = await server.accounts.create(["alice@example.com"]);
    const bob = await server.accounts.create(["bob@example.com"]);
    const messages = createRawClient(server.address, MessageServiceDefinition, alice.token);
    const bobMessages = createRawClient(server.address, MessageServiceDefinition, bob.token);
    const first = readFrames<MessageFrame>(messages.stream("subscribeMessageEvents", {}));
    const second = readFrames<MessageFrame>(messages.stream("subscribeMessageEvents", {}));
    const bobs = readFrames<MessageFrame>(bobMessages.stream("subscribeMessageEvents", {}));
    try {
      await Promise.all([first.headers, second.headers, bobs.headers]);
      const third = readFrames<MessageFrame>(messages.stream("subscribeMessageEvents", {}));
      const refused = await third.ended;
      expect(refused?.code).toBe(status.RESOURCE_EXHAUSTED);
      expect(refused && trailer(refused, "error-code")).toBe("RESOURCE_EXHAUSTED");
      expect(refused?.details).toContain("2 live streams");
      first.cancel();
      await first.ended;
      while (server.server.hub.countFor(alice.account.id) > 1) {
        await new Promise((resolve) => setTimeout(resolve, 5));
      }
      const replacement = readFrames<MessageFrame>(messages.stream("subscribeMessageEvents", {}));
      await replacement.headers;
      replacement.cancel();
    } finally {
      first.cancel();
      second.cancel();
      bobs.cancel();
      messages.close();
      bobMessages.close();
    }
  });

  it("ends live streams with retryable UNAVAILABLE when the server shuts down", async () => {
    const server = await startTestServer();
    const { token } = await server.accounts.create(["alice@example.com"]);
    const messages = createRawClient(server.address, MessageServiceDefinition, token);
    const live = readFrames<MessageFrame>(messages.stream("subscribeMessageEvents", {}));
    try {
      await live.headers;
      await server.server.close();
      const error = await live.ended;
      expect(error?.code).toBe(status.UNAVAILABLE);
      expect(error && trailer(error, "x-retryable")).toBe("true");
    } finally {
      messages.close();
      await server.close();
    }
  });
});
