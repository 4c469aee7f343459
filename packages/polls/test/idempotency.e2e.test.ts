import { recordingContext } from "@threadline/core/testing";
import { PollServiceDefinition } from "@threadline/protocol";
import { describe, expect, it } from "vitest";
import { polls } from "../src/index.js";
import { startPollsFixture } from "./polls-fixture.js";

describe("idempotency keys on poll writes", () => {
  it("every write is sent as mutating (one key reused by the SDK's retries); get is not", async () => {
    await using fixture = await startPollsFixture();
    const { calls, context } = recordingContext(fixture.alice.context);
    const im = polls(context);
    const poll = await im.create(fixture.group, "Where?", ["Pizza", "Sushi"]);
    const first = poll.options[0]?.optionIdentifier ?? "";
    await im.vote(poll.pollMessageGuid, first);
    await im.unvote(poll.pollMessageGuid);
    await im.addOption(poll.pollMessageGuid, "Tacos");
    await im.get(poll.pollMessageGuid);

    const mutating = (name: string) =>
      calls.find((call) => call.path.endsWith(`/${name}`))?.options?.mutating;
    for (const write of ["CreatePoll", "VotePoll", "UnvotePoll", "AddPollOption"]) {
      expect(mutating(write), write).toBe(true);
    }
    expect(mutating("GetPoll")).toBeUndefined();
  });

  it("a clientMessageId is both the x-idempotency-key and the request's client_message_id", async () => {
    await using fixture = await startPollsFixture();
    const { calls, context } = recordingContext(fixture.alice.context);
    const im = polls(context);
    const poll = await im.create(fixture.group, "Where?", ["Pizza", "Sushi"], {
      clientMessageId: "job-1",
    });
    await im.addOption(poll.pollMessageGuid, "Tacos", { clientMessageId: "job-2" });
    await im.unvote(poll.pollMessageGuid, { clientMessageId: "job-3" });
    for (const [index, call] of calls.entries()) {
      const key = `job-${index + 1}`;
      expect(call.options).toMatchObject({ mutating: true, idempotencyKey: key });
      expect(call.request).toMatchObject({ clientMessageId: key });
    }
  });

  it("creating again with the same clientMessageId returns the first poll and posts one", async () => {
    await using fixture = await startPollsFixture();
    const first = await fixture.alice.polls.create(fixture.group, "Where?", ["Pizza", "Sushi"], {
      clientMessageId: "poll-once",
    });
    const head = (await fixture.bob.events.getLogInfo()).headSequence;
    const again = await fixture.alice.polls.create(fixture.group, "Where?", ["Pizza", "Sushi"], {
      clientMessageId: "poll-once",
    });
    expect(again).toStrictEqual(first);
    const raw = await fixture.alice.context.unary(
      PollServiceDefinition.createPoll,
      {
        chatGuid: fixture.group,
        title: "Where?",
        options: ["Pizza", "Sushi"],
        clientMessageId: "poll-once",
      },
      { mutating: true, idempotencyKey: "poll-once" },
    );
    expect(raw.poll?.pollMessageGuid).toBe(first.pollMessageGuid);
    expect((await fixture.bob.events.getLogInfo()).headSequence).toBe(head);
  });

  it("the same key with a different write is a ConflictError and changes nothing", async () => {
    await using fixture = await startPollsFixture();
    const poll = await fixture.alice.polls.create(fixture.group, "Where?", ["Pizza", "Sushi"]);
    await fixture.bob.polls.addOption(poll.pollMessageGuid, "Tacos", { clientMessageId: "k" });
    await expect(
      fixture.bob.polls.addOption(poll.pollMessageGuid, "Ramen", { clientMessageId: "k" }),
    ).rejects.toMatchObject({ name: "ConflictError", code: "IDEMPOTENCY_KEY_REUSED" });
    expect((await fixture.bob.polls.get(poll.pollMessageGuid)).options).toHaveLength(3);
  });
});
