import { status } from "@grpc/grpc-js";
import {
  ChatServiceDefinition as Chat,
  PollServiceDefinition as Polls,
} from "@threadline/protocol";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import type { AccountClient } from "./domain-client.js";
import { type DomainTestServer, startDomainTestServer } from "./domain-fixture.js";

let server: DomainTestServer;
let alice: AccountClient;
let bob: AccountClient;
let carol: AccountClient;
const aliceToBob = "any;-;bob@example.com";

beforeEach(async () => {
  server = await startDomainTestServer();
  alice = await server.connect("alice@example.com");
  bob = await server.connect("bob@example.com");
  carol = await server.connect("carol@example.com");
  await alice.call(Chat.createChat, { addresses: ["bob@example.com"] });
});

afterEach(() => server.close());

async function createPoll() {
  return (
    await alice.call(Polls.createPoll, {
      chatGuid: aliceToBob,
      title: "Lunch?",
      options: ["Pizza", "Sushi"],
    })
  ).poll;
}

describe("CreatePoll", () => {
  it("creates a poll and tells both sides, each in its own chat GUID", async () => {
    const poll = await createPoll();
    expect(poll.title).toBe("Lunch?");
    expect(poll.options.map((option) => option.text)).toEqual(["Pizza", "Sushi"]);
    expect(poll.chatGuid).toBe(aliceToBob);
    const [bobEvent] = await bob.catchUp();
    expect(bobEvent?.pollChanged?.created?.title).toBe("Lunch?");
    expect(bobEvent?.pollChanged?.pollMessageGuid).toBe(poll.pollMessageGuid);
    expect(bobEvent?.pollChanged?.chatGuid).toBe("any;-;alice@example.com");
    expect(bobEvent?.pollChanged?.isFromMe).toBe(false);
    expect(
      (await bob.call(Polls.getPoll, { pollMessageGuid: poll.pollMessageGuid })).poll.title,
    ).toBe("Lunch?");
  });

  it.each([
    [{ title: "", options: ["a", "b"] }, "title must not be empty"],
    [{ title: "Q", options: ["only"] }, "needs 2 to 32 options"],
    [{ title: "Q", options: ["Yes", " yes "] }, "must be distinct"],
    [{ title: "Q", options: ["Yes", ""] }, "options[1] must not be empty"],
  ])("rejects %j with INVALID_ARGUMENT", async (fields, fragment) => {
    const failure = await alice.failure(Polls.createPoll, { chatGuid: aliceToBob, ...fields });
    expect(failure.code).toBe(status.INVALID_ARGUMENT);
    expect(failure.details).toContain(fragment);
    expect(await bob.catchUp()).toEqual([]);
  });

  it("is NOT_FOUND in someone else's chat", async () => {
    const failure = await carol.failure(Polls.createPoll, {
      chatGuid: aliceToBob,
      title: "Q",
      options: ["a", "b"],
    });
    expect(failure.code).toBe(status.NOT_FOUND);
  });
});

describe("votes and options", () => {
  it("votes, moves a vote (unvoted then voted) and unvotes, with events for everyone", async () => {
    const poll = await createPoll();
    const [pizza, sushi] = poll.options.map((option) => option.optionIdentifier);
    const guid = poll.pollMessageGuid;
    await bob.call(Polls.votePoll, { pollMessageGuid: guid, optionIdentifier: pizza ?? "" });
    await bob.call(Polls.votePoll, { pollMessageGuid: guid, optionIdentifier: pizza ?? "" });
    const moved = await bob.call(Polls.votePoll, {
      pollMessageGuid: guid,
      optionIdentifier: sushi ?? "",
    });
    expect(moved.poll.votes).toEqual([
      expect.objectContaining({
        optionIdentifier: sushi,
        participant: expect.objectContaining({ address: "bob@example.com" }),
      }),
    ]);
    const cleared = await bob.call(Polls.unvotePoll, { pollMessageGuid: guid });
    await bob.call(Polls.unvotePoll, { pollMessageGuid: guid });
    expect(cleared.poll.votes).toEqual([]);
    const changes = (await alice.catchUp(1)).map((event) => [
      event.pollChanged?.change,
      event.pollChanged?.voted?.optionIdentifier ?? event.pollChanged?.unvoted?.optionIdentifier,
    ]);
    expect(changes).toEqual([
      ["voted", pizza],
      ["unvoted", pizza],
      ["voted", sushi],
      ["unvoted", sushi],
    ]);
  });

  it("rejects an unknown option and is NOT_FOUND for outsiders and unknown polls", async () => {
    const poll = await createPoll();
    const unknown = await bob.failure(Polls.votePoll, {
      pollMessageGuid: poll.pollMessageGuid,
      optionIdentifier: "x",
    });
    expect(unknown.code).toBe(status.INVALID_ARGUMENT);
    expect(unknown.details).toContain("GetPoll");
    const outsider = await carol.failure(Polls.getPoll, { pollMessageGuid: poll.pollMessageGuid });
    expect(outsider.code).toBe(status.NOT_FOUND);
    expect((await bob.failure(Polls.getPoll, { pollMessageGuid: "NOPE" })).code).toBe(
      status.NOT_FOUND,
    );
  });

  it("refuses a 33rd option", async () => {
    const options = Array.from({ length: 32 }, (_unused, index) => `option ${index}`);
    const poll = (
      await alice.call(Polls.createPoll, { chatGuid: aliceToBob, title: "Many", options })
    ).poll;
    const failure = await bob.failure(Polls.addPollOption, {
      pollMessageGuid: poll.pollMessageGuid,
      optionText: "one more",
    });
    expect(failure.code).toBe(status.INVALID_ARGUMENT);
    expect(failure.details).toContain("32 options");
    const tooMany = await alice.failure(Polls.createPoll, {
      chatGuid: aliceToBob,
      title: "Too many",
      options: [...options, "option 32"],
    });
    expect(tooMany.details).toContain("2 to 32 options");
  });

  it("adds a distinct option and rejects a duplicate", async () => {
    const poll = await createPoll();
    const added = await bob.call(Polls.addPollOption, {
      pollMessageGuid: poll.pollMessageGuid,
      optionText: "Tacos",
    });
    expect(added.poll.options.map((option) => option.text)).toEqual(["Pizza", "Sushi", "Tacos"]);
    expect(added.poll.options[2]?.creatorHandle).toBe("bob@example.com");
    const [event] = await alice.catchUp(1);
    expect(event?.pollChanged?.optionAdded?.options).toHaveLength(3);
    const duplicate = await bob.failure(Polls.addPollOption, {
      pollMessageGuid: poll.pollMessageGuid,
      optionText: "PIZZA",
    });
    expect(duplicate.code).toBe(status.INVALID_ARGUMENT);
    expect(
      (await alice.call(Polls.getPoll, { pollMessageGuid: poll.pollMessageGuid })).poll.options,
    ).toHaveLength(3);
  });
});
