import {
  NotFoundError,
  type PollEvent,
  type UnknownEvent,
  ValidationError,
} from "@threadline/core";
import { describe, expect, it } from "vitest";
import type { Poll } from "../src/index.js";
import { aliceAddress, bobAddress, carolAddress, startPollsFixture } from "./polls-fixture.js";

/** Reads `count` events from a stream, then closes it. */
async function take<T>(stream: AsyncIterable<T>, count: number): Promise<T[]> {
  const events: T[] = [];
  for await (const event of stream) {
    events.push(event);
    if (events.length === count) break;
  }
  return events;
}

function option(poll: Poll, index: number): string {
  const found = poll.options[index];
  if (found === undefined) throw new Error(`the poll has no option ${index}`);
  return found.optionIdentifier;
}

function deltaOf(event: PollEvent | UnknownEvent) {
  return event.type === "poll.changed" ? event.delta : { type: "unknown" };
}

describe("polls.create", () => {
  it("posts a poll with trimmed title and choices, each choice with its creator and a stable id", async () => {
    await using fixture = await startPollsFixture();
    const poll = await fixture.alice.polls.create(fixture.group, " Where? ", ["Pizza ", " Sushi"]);
    expect(poll).toMatchObject({ chatGuid: fixture.group, title: "Where?", votes: [] });
    expect(poll.pollMessageGuid).toMatch(/^\S+$/);
    expect(poll.options.map((choice) => [choice.text, choice.creatorHandle])).toEqual([
      ["Pizza", aliceAddress],
      ["Sushi", aliceAddress],
    ]);
    expect(new Set(poll.options.map((choice) => choice.optionIdentifier)).size).toBe(2);
    expect(await fixture.bob.polls.get(poll.pollMessageGuid)).toStrictEqual(poll);
  });

  it("works in a direct chat; each side sees the chat under its own name", async () => {
    await using fixture = await startPollsFixture();
    const poll = await fixture.alice.polls.create(fixture.direct, "Lunch?", ["Yes", "No"]);
    expect(poll.chatGuid).toBe(`any;-;${bobAddress}`);
    expect((await fixture.bob.polls.get(poll.pollMessageGuid)).chatGuid).toBe(
      `any;-;${aliceAddress}`,
    );
  });

  it("32 choices are allowed", async () => {
    await using fixture = await startPollsFixture();
    const choices = Array.from({ length: 32 }, (_, index) => `Choice ${index}`);
    const poll = await fixture.alice.polls.create(fixture.group, "Many", choices);
    expect(poll.options.map((choice) => choice.text)).toEqual(choices);
  });

  it("a chat the caller is not in is NotFoundError", async () => {
    await using fixture = await startPollsFixture();
    await expect(fixture.dave.polls.create(fixture.group, "Q", ["A", "B"])).rejects.toBeInstanceOf(
      NotFoundError,
    );
    // The error names the call the user made, not the RPC behind it.
    await expect(fixture.dave.polls.create(fixture.group, "Q", ["A", "B"])).rejects.toThrow(
      /^polls\.create\(\) failed/,
    );
  });
});

describe("polls.vote / unvote", () => {
  it("a vote is recorded, moved to another option, and withdrawn", async () => {
    await using fixture = await startPollsFixture();
    const poll = await fixture.alice.polls.create(fixture.group, "Where?", ["Pizza", "Sushi"]);
    const voted = await fixture.bob.polls.vote(poll.pollMessageGuid, option(poll, 0));
    expect(voted.votes).toEqual([
      {
        participant: { address: bobAddress, service: "iMessage" },
        optionIdentifier: option(poll, 0),
      },
    ]);
    const moved = await fixture.bob.polls.vote(poll.pollMessageGuid, option(poll, 1));
    expect(moved.votes.map((vote) => vote.optionIdentifier)).toEqual([option(poll, 1)]);
    await fixture.carol.polls.vote(poll.pollMessageGuid, option(poll, 1));
    const withdrawn = await fixture.bob.polls.unvote(poll.pollMessageGuid);
    expect(withdrawn.votes.map((vote) => vote.participant.address)).toEqual([carolAddress]);
    expect(await fixture.alice.polls.get(poll.pollMessageGuid)).toStrictEqual(withdrawn);
  });

  it("voting for the chosen option again, or unvoting without a vote, emits nothing", async () => {
    await using fixture = await startPollsFixture();
    const poll = await fixture.alice.polls.create(fixture.group, "Where?", ["Pizza", "Sushi"]);
    await fixture.bob.polls.vote(poll.pollMessageGuid, option(poll, 0));
    const head = (await fixture.alice.events.getLogInfo()).headSequence;
    await fixture.bob.polls.vote(poll.pollMessageGuid, option(poll, 0));
    await fixture.carol.polls.unvote(poll.pollMessageGuid);
    expect((await fixture.alice.events.getLogInfo()).headSequence).toBe(head);
  });

  it("an identifier that is not an option of the poll is refused by the server", async () => {
    await using fixture = await startPollsFixture();
    const poll = await fixture.alice.polls.create(fixture.group, "Where?", ["Pizza", "Sushi"]);
    const attempt = fixture.bob.polls.vote(poll.pollMessageGuid, "not-an-option");
    await expect(attempt).rejects.toBeInstanceOf(ValidationError);
    await expect(attempt).rejects.toThrow(/is not an option of poll/);
    expect((await fixture.bob.polls.get(poll.pollMessageGuid)).votes).toEqual([]);
  });
});

describe("polls.addOption", () => {
  it("appends a trimmed choice credited to whoever added it", async () => {
    await using fixture = await startPollsFixture();
    const poll = await fixture.alice.polls.create(fixture.group, "Where?", ["Pizza", "Sushi"]);
    const grown = await fixture.carol.polls.addOption(poll.pollMessageGuid, "  Tacos ");
    expect(grown.options.map((choice) => [choice.text, choice.creatorHandle])).toEqual([
      ["Pizza", aliceAddress],
      ["Sushi", aliceAddress],
      ["Tacos", carolAddress],
    ]);
    expect(grown.options.slice(0, 2)).toStrictEqual(poll.options);
  });

  it("the server refuses a repeat of an existing option and a 33rd option", async () => {
    await using fixture = await startPollsFixture();
    const choices = Array.from({ length: 32 }, (_, index) => `Choice ${index}`);
    const full = await fixture.alice.polls.create(fixture.group, "Many", choices);
    await expect(fixture.bob.polls.addOption(full.pollMessageGuid, "Extra")).rejects.toThrow(
      /already has 32 options/,
    );
    const poll = await fixture.alice.polls.create(fixture.group, "Where?", ["Pizza", "Sushi"]);
    await expect(fixture.bob.polls.addOption(poll.pollMessageGuid, " PIZZA")).rejects.toThrow(
      /already an option/,
    );
    expect((await fixture.bob.polls.get(poll.pollMessageGuid)).options).toHaveLength(2);
  });
});

describe("polls.get", () => {
  it("is NotFoundError for an unknown poll and for one outside the caller's chats", async () => {
    await using fixture = await startPollsFixture();
    const poll = await fixture.alice.polls.create(fixture.group, "Where?", ["Pizza", "Sushi"]);
    await expect(fixture.dave.polls.get(poll.pollMessageGuid)).rejects.toBeInstanceOf(
      NotFoundError,
    );
    await expect(fixture.alice.polls.get("NO-SUCH-POLL")).rejects.toBeInstanceOf(NotFoundError);
  });
});

describe("polls.subscribeEvents", () => {
  it("one poll's stream delivers its votes and options, typed, and nothing of other polls", async () => {
    await using fixture = await startPollsFixture();
    const poll = await fixture.alice.polls.create(fixture.group, "Where?", ["Pizza", "Sushi"]);
    const other = await fixture.alice.polls.create(fixture.group, "When?", ["Now", "Later"]);
    await using stream = fixture.alice.polls.subscribeEvents({ pollMessage: poll.pollMessageGuid });
    await stream.ready;

    await fixture.bob.polls.vote(other.pollMessageGuid, option(other, 0));
    await fixture.bob.polls.vote(poll.pollMessageGuid, option(poll, 0));
    await fixture.bob.polls.vote(poll.pollMessageGuid, option(poll, 1));
    await fixture.bob.polls.unvote(poll.pollMessageGuid);
    const grown = await fixture.carol.polls.addOption(poll.pollMessageGuid, "Tacos");

    const events = await take(stream, 5);
    expect(events.map(deltaOf)).toEqual([
      { type: "voted", optionIdentifier: option(poll, 0) },
      { type: "unvoted", optionIdentifier: option(poll, 0) },
      { type: "voted", optionIdentifier: option(poll, 1) },
      { type: "unvoted", optionIdentifier: option(poll, 1) },
      { type: "optionAdded", title: "Where?", options: grown.options },
    ]);
    for (const event of events) {
      expect(event).toMatchObject({
        type: "poll.changed",
        pollMessageGuid: poll.pollMessageGuid,
        chatGuid: fixture.group,
        isFromMe: false,
      });
    }
    expect(events[0]).toMatchObject({ actor: { address: bobAddress } });
  });

  it("without a filter, a new poll arrives as created with its options", async () => {
    await using fixture = await startPollsFixture();
    await using stream = fixture.bob.polls.subscribeEvents();
    await stream.ready;
    const poll = await fixture.alice.polls.create(fixture.group, "Where?", ["Pizza", "Sushi"]);
    const [created] = await take(stream, 1);
    expect(created).toMatchObject({
      type: "poll.changed",
      pollMessageGuid: poll.pollMessageGuid,
      delta: { type: "created", title: "Where?", options: poll.options },
    });
  });
});
