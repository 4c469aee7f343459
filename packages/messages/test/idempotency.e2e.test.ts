import { ConflictError, createClient } from "@threadline/core";
import { recordingContext } from "@threadline/core/testing";
import { describe, expect, it } from "vitest";
import { messages } from "../src/index.js";
import { aliceToBob, startMessagesFixture } from "./messages-fixture.js";

describe("idempotency keys on message writes", () => {
  it("every write is mutating (the SDK's retries reuse one key); get is not", async () => {
    await using fixture = await startMessagesFixture();
    const im = createClient({ address: fixture.server.address, token: fixture.tokens.alice });
    try {
      const { calls, context } = recordingContext(im.context);
      const resource = messages(context);
      const sent = await resource.sendText(aliceToBob, "hello");
      await resource.edit(aliceToBob, sent.guid, "hello!");
      await resource.setReaction(aliceToBob, sent.guid, { kind: "love" }, true);
      await resource.unsend(aliceToBob, sent.guid);
      await resource.get(sent.guid);
      expect(
        calls.map((call) => [call.path.split("/").at(-1), call.options?.mutating === true]),
      ).toEqual([
        ["SendTextMessage", true],
        ["EditMessage", true],
        ["SetReaction", true],
        ["UnsendMessage", true],
        ["GetMessage", false],
      ]);
    } finally {
      await im.close();
    }
  });

  it("clientMessageId is sent as the key and the field, and a repeat returns the first message", async () => {
    await using fixture = await startMessagesFixture();
    const im = createClient({ address: fixture.server.address, token: fixture.tokens.alice });
    try {
      const { calls, context } = recordingContext(im.context);
      const resource = messages(context);
      const first = await resource.sendText(aliceToBob, "once", { clientMessageId: "job-17" });
      const again = await resource.sendText(aliceToBob, "once", { clientMessageId: "job-17" });
      expect(again.guid).toBe(first.guid);
      expect(calls[0]?.options?.idempotencyKey).toBe("job-17");
      expect(calls[0]?.request).toMatchObject({ clientMessageId: "job-17" });
      expect((await fixture.bob.events.getLogInfo()).headSequence).toBe(1);
      await expect(
        resource.sendText(aliceToBob, "different", { clientMessageId: "job-17" }),
      ).rejects.toBeInstanceOf(ConflictError);
      expect((await fixture.bob.events.getLogInfo()).headSequence).toBe(1);
    } finally {
      await im.close();
    }
  });

  it("a tapback repeated with its key after it was removed is not applied again", async () => {
    await using fixture = await startMessagesFixture();
    const sent = await fixture.alice.messages.sendText(aliceToBob, "vote");
    const bobToAlice = "any;-;alice@example.com";
    const like = { kind: "like" } as const;
    await fixture.bob.messages.setReaction(bobToAlice, sent.guid, like, true, {
      clientMessageId: "tap-1",
    });
    await fixture.bob.messages.setReaction(bobToAlice, sent.guid, like, false);
    const replayed = await fixture.bob.messages.setReaction(bobToAlice, sent.guid, like, true, {
      clientMessageId: "tap-1",
    });
    // The replay is the first call's answer (the tapback was on then) ...
    expect(replayed.appliedReactions.map((applied) => applied.reaction.kind)).toEqual(["like"]);
    // ... but nothing was applied: the message has no tapback and the log no third change.
    expect((await fixture.alice.messages.get(sent.guid)).appliedReactions).toEqual([]);
    expect((await fixture.alice.events.getLogInfo()).headSequence).toBe(3);
  });
});
