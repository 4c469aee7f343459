import { recordingContext } from "@threadline/core/testing";
import { GroupServiceDefinition } from "@threadline/protocol";
import { describe, expect, it } from "vitest";
import { groups } from "../src/index.js";
import { daveAddress, pngBytes, startGroupsFixture } from "./groups-fixture.js";

describe("idempotency keys on group writes", () => {
  it("every write is sent as mutating (one key reused by the SDK's retries); getIcon is not", async () => {
    await using fixture = await startGroupsFixture();
    const { calls, context } = recordingContext(fixture.alice.context);
    const im = groups(context);
    await im.setDisplayName(fixture.group, "Weekend");
    await im.addParticipants(fixture.group, [daveAddress]);
    await im.removeParticipants(fixture.group, [daveAddress]);
    await im.setIcon(fixture.group, pngBytes);
    await im.getIcon(fixture.group);
    await im.removeIcon(fixture.group);
    await im.leave(fixture.group);

    const mutating = (name: string) =>
      calls.find((call) => call.path.endsWith(`/${name}`))?.options?.mutating;
    for (const write of [
      "SetDisplayName",
      "AddParticipants",
      "RemoveParticipants",
      "SetIcon",
      "RemoveIcon",
      "LeaveGroup",
    ]) {
      expect(mutating(write), write).toBe(true);
    }
    expect(mutating("GetIcon")).toBeUndefined();
  });

  it("a clientMessageId is both the x-idempotency-key and the request's client_message_id", async () => {
    await using fixture = await startGroupsFixture();
    const { calls, context } = recordingContext(fixture.alice.context);
    const im = groups(context);
    await im.setDisplayName(fixture.group, "Weekend", { clientMessageId: "job-1" });
    await im.addParticipants(fixture.group, [daveAddress], { clientMessageId: "job-2" });
    await im.setIcon(fixture.group, pngBytes, { clientMessageId: "job-3" });
    for (const [index, call] of calls.entries()) {
      const key = `job-${index + 1}`;
      expect(call.options).toMatchObject({ mutating: true, idempotencyKey: key });
      expect(call.request).toMatchObject({ clientMessageId: key });
    }
  });

  it("repeating a write with its clientMessageId applies it once and returns the first result", async () => {
    await using fixture = await startGroupsFixture();
    const first = await fixture.alice.groups.addParticipants(fixture.group, [daveAddress], {
      clientMessageId: "add-dave",
    });
    const head = (await fixture.bob.events.getLogInfo()).headSequence;
    // Dave is a member now, so applying the add again would be INVALID_ARGUMENT.
    const again = await fixture.alice.groups.addParticipants(fixture.group, [daveAddress], {
      clientMessageId: "add-dave",
    });
    expect(again).toStrictEqual(first);
    // A raw retry with the same key (as after a crash) is answered from the first result too.
    const raw = await fixture.alice.context.unary(
      GroupServiceDefinition.addParticipants,
      { chatGuid: fixture.group, addresses: [daveAddress], clientMessageId: "add-dave" },
      { mutating: true, idempotencyKey: "add-dave" },
    );
    expect(raw.chat?.participants.map((participant) => participant.address).sort()).toEqual(
      first.participants.map((participant) => participant.address).sort(),
    );
    expect((await fixture.bob.events.getLogInfo()).headSequence).toBe(head);
  });

  it("the same key with a different write is a ConflictError and changes nothing", async () => {
    await using fixture = await startGroupsFixture();
    await fixture.alice.groups.setDisplayName(fixture.group, "First", { clientMessageId: "k" });
    await expect(
      fixture.alice.groups.setDisplayName(fixture.group, "Second", { clientMessageId: "k" }),
    ).rejects.toMatchObject({ name: "ConflictError", code: "IDEMPOTENCY_KEY_REUSED" });
    expect((await fixture.alice.chats.get(fixture.group)).displayName).toBe("First");
  });
});
