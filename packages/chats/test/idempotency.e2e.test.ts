import { createClient } from "@threadline/core";
import { recordingContext } from "@threadline/core/testing";
import { ChatServiceDefinition, photon } from "@threadline/protocol";
import { createRawClient, startTestServer } from "@threadline/server/testing";
import { describe, expect, it } from "vitest";
import { chats } from "../src/index.js";
import { pngBytes } from "./chats-fixture.js";

async function startIdempotencyFixture() {
  const server = await startTestServer();
  const alice = await server.accounts.create(["alice@example.com"]);
  await server.accounts.create(["bob@example.com"]);
  const im = createClient({ address: server.address, token: alice.token });
  const { calls, context } = recordingContext(im.context);
  return {
    server,
    token: alice.token,
    chats: chats(context),
    calls,
    async [Symbol.asyncDispose]() {
      await im.close();
      await server[Symbol.asyncDispose]();
    },
  };
}

describe("idempotency keys on writes", () => {
  it("every write is sent as mutating, so the SDK's retries reuse one key; reads are not", async () => {
    await using fixture = await startIdempotencyFixture();
    const { chat } = await fixture.chats.create(["bob@example.com"]);
    await fixture.chats.markRead(chat.guid);
    await fixture.chats.setTyping(chat.guid, true);
    await fixture.chats.shareContactInfo(chat.guid);
    await fixture.chats.setBackground(chat.guid, pngBytes);
    await fixture.chats.removeBackground(chat.guid);
    await fixture.chats.archive(chat.guid);
    await fixture.chats.unarchive(chat.guid);
    await fixture.chats.get(chat.guid);
    await fixture.chats.count();
    await fixture.chats.hasBackground(chat.guid);

    const mutating = (name: string) =>
      fixture.calls.find((call) => call.path.endsWith(`/${name}`))?.options?.mutating;
    for (const write of [
      "CreateChat",
      "MarkChatRead",
      "SetTyping",
      "ShareContactInfo",
      "SetBackground",
      "RemoveBackground",
      "ArchiveChat",
      "UnarchiveChat",
    ]) {
      expect(mutating(write), write).toBe(true);
    }
    for (const read of ["GetChat", "GetChatCount", "HasBackground"]) {
      expect(mutating(read), read).toBeUndefined();
    }
  });

  it("an explicit clientMessageId is the idempotency key and the proto client_message_id", async () => {
    await using fixture = await startIdempotencyFixture();
    const { chat } = await fixture.chats.create(["bob@example.com"], {
      message: "hello",
      clientMessageId: "job-1",
    });
    await fixture.chats.archive(chat.guid, { clientMessageId: "job-2" });
    await fixture.chats.markRead(chat.guid, { clientMessageId: "job-3" });

    const byPath = (name: string) => fixture.calls.find((call) => call.path.endsWith(`/${name}`));
    expect(byPath("CreateChat")?.options?.idempotencyKey).toBe("job-1");
    expect(byPath("CreateChat")?.request).toMatchObject({ clientMessageId: "job-1" });
    expect(byPath("ArchiveChat")?.options?.idempotencyKey).toBe("job-2");
    expect(byPath("ArchiveChat")?.request).toMatchObject({ clientMessageId: "job-2" });
    expect(byPath("MarkChatRead")?.options?.idempotencyKey).toBe("job-3");
  });

  it("the server knows the create by its clientMessageId: a raw retry with that key gets the first result", async () => {
    await using fixture = await startIdempotencyFixture();
    const first = await fixture.chats.create(["bob@example.com"], {
      message: "hello",
      clientMessageId: "job-9",
    });
    const raw = createRawClient(fixture.server.address, fixture.token);
    try {
      const retry = await raw.call(ChatServiceDefinition.createChat, {
        addresses: ["bob@example.com"],
        service: photon.imessage.v1.ChatServiceType.CHAT_SERVICE_TYPE_IMESSAGE,
        initialMessage: { text: "hello" },
        clientMessageId: "job-9",
      });
      expect(retry.ok).toBe(true);
      if (retry.ok) {
        expect(retry.response.chat?.guid).toBe(first.chat.guid);
        expect(retry.response.initialMessage?.guid).toBe(first.initialMessage?.guid);
      }
    } finally {
      raw.close();
    }
  });
});
