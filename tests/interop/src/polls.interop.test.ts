import { NotFoundError as PublishedNotFoundError } from "@photon-ai/advanced-imessage/grpc";
import { NotFoundError, ValidationError } from "@threadline/core";
import { describe, expect, it } from "vitest";
import { comparable } from "./comparable.js";
import { openRegistered, startGroupsAndPollsFixture } from "./groups-and-polls-fixture.js";
import { collectInBackground } from "./stream-collector.js";

function optionId(
  poll: { readonly options: readonly { optionIdentifier: string }[] },
  index: number,
) {
  const option = poll.options[index];
  if (option === undefined) throw new Error(`the poll has no option ${index}`);
  return option.optionIdentifier;
}

describe("published client and @threadline/polls against one server", () => {
  it("create: a poll made by either client reads the same through both, field by field", async () => {
    await using fixture = await startGroupsAndPollsFixture();
    const { alice, bob } = fixture;
    const published = await alice.photon.polls.create(fixture.group, "Where?", ["Pizza", "Sushi"]);
    const ours = await alice.threadline.polls.create(fixture.group, "When?", [
      "Friday",
      "Saturday",
    ]);
    for (const poll of [published, ours]) {
      const viaPublished = await bob.photon.polls.get(poll.pollMessageGuid);
      const viaOurs = await bob.threadline.polls.get(poll.pollMessageGuid);
      expect(comparable(viaOurs)).toStrictEqual(comparable(viaPublished));
      // A group has one GUID for every member, so the creator's result is what others read.
      expect(comparable(viaOurs)).toStrictEqual(comparable(poll));
    }
    expect(comparable(await alice.threadline.polls.get(published.pollMessageGuid))).toStrictEqual(
      comparable(published),
    );
  });

  it("create in a direct chat: both clients name the chat from the viewer's side", async () => {
    await using fixture = await startGroupsAndPollsFixture();
    const { alice, bob } = fixture;
    const published = await alice.photon.polls.create(fixture.direct, "Lunch?", ["Yes", "No"]);
    const ours = await alice.threadline.polls.get(published.pollMessageGuid);
    expect(comparable(ours)).toStrictEqual(comparable(published));
    expect(comparable(await bob.threadline.polls.get(published.pollMessageGuid))).toStrictEqual(
      comparable(await bob.photon.polls.get(published.pollMessageGuid)),
    );
    expect((await bob.threadline.polls.get(published.pollMessageGuid)).chatGuid).toBe(
      `any;-;${alice.address}`,
    );
  });

  it("vote, unvote and addOption: each step returns the same poll through either client", async () => {
    await using fixture = await startGroupsAndPollsFixture();
    const { alice, bob, carol } = fixture;
    const poll = await alice.threadline.polls.create(fixture.group, "Where?", ["Pizza", "Sushi"]);
    const pizza = optionId(poll, 0);
    const sushi = optionId(poll, 1);

    // Each pair reaches one state once through each client: the results must match.
    const publishedVote = await bob.photon.polls.vote(poll.pollMessageGuid, pizza);
    const ourUnvote = await bob.threadline.polls.unvote(poll.pollMessageGuid);
    const ourVote = await bob.threadline.polls.vote(poll.pollMessageGuid, pizza);
    const publishedUnvote = await bob.photon.polls.unvote(poll.pollMessageGuid);
    expect(publishedVote.votes).toHaveLength(1);
    expect(comparable(ourVote)).toStrictEqual(comparable(publishedVote));
    expect(comparable(ourUnvote)).toStrictEqual(comparable(publishedUnvote));

    // Moving a vote, then voting for the same option again (no change) from the other client.
    const publishedMove = await carol.photon.polls.vote(poll.pollMessageGuid, sushi);
    const ourRepeat = await carol.threadline.polls.vote(poll.pollMessageGuid, sushi);
    expect(comparable(ourRepeat)).toStrictEqual(comparable(publishedMove));

    // An added option cannot be taken back, so each client's result is compared with the
    // other client's read of the same state, right after it.
    const publishedAdd = await carol.photon.polls.addOption(poll.pollMessageGuid, "Tacos");
    expect(publishedAdd.options.map((option) => option.text)).toEqual(["Pizza", "Sushi", "Tacos"]);
    expect(comparable(await carol.threadline.polls.get(poll.pollMessageGuid))).toStrictEqual(
      comparable(publishedAdd),
    );
    const ourAdd = await bob.threadline.polls.addOption(poll.pollMessageGuid, "Ramen");
    expect(ourAdd.options.at(-1)).toMatchObject({ text: "Ramen", creatorHandle: bob.address });
    expect(comparable(ourAdd)).toStrictEqual(
      comparable(await bob.photon.polls.get(poll.pollMessageGuid)),
    );
    expect(comparable(await alice.threadline.polls.get(poll.pollMessageGuid))).toStrictEqual(
      comparable(await alice.photon.polls.get(poll.pollMessageGuid)),
    );
  });

  it("subscribeEvents: both streams deliver the same poll events, field by field", async () => {
    await using fixture = await startGroupsAndPollsFixture();
    const { alice, bob, carol } = fixture;
    const theirs = await openRegistered(fixture.server.address, alice.token, (client) =>
      client.polls.subscribeEvents(),
    );
    const ourStream = alice.threadline.polls.subscribeEvents();
    await ourStream.ready;
    const ours = collectInBackground(ourStream);
    try {
      const poll = await bob.photon.polls.create(fixture.group, "Where?", ["Pizza", "Sushi"]);
      await carol.threadline.polls.vote(poll.pollMessageGuid, optionId(poll, 0));
      await carol.photon.polls.vote(poll.pollMessageGuid, optionId(poll, 1));
      await carol.threadline.polls.unvote(poll.pollMessageGuid);
      await alice.threadline.polls.addOption(poll.pollMessageGuid, "Tacos");
      await theirs.collector.until((events) => events.length >= 6);
      await ours.until((events) => events.length >= 6);
      expect(ours.events.map((event) => event.type === "poll.changed" && event.delta.type)).toEqual(
        ["created", "voted", "unvoted", "voted", "unvoted", "optionAdded"],
      );
      expect(comparable(ours.events)).toStrictEqual(comparable(theirs.collector.events));
    } finally {
      await theirs.close();
      await ours.close();
    }
  });

  it("a filtered stream: both deliver only that poll's events", async () => {
    await using fixture = await startGroupsAndPollsFixture();
    const { alice, bob } = fixture;
    const poll = await alice.photon.polls.create(fixture.group, "Where?", ["Pizza", "Sushi"]);
    const other = await alice.photon.polls.create(fixture.group, "When?", ["Now", "Later"]);
    const theirs = await openRegistered(fixture.server.address, alice.token, (client) =>
      client.polls.subscribeEvents({ pollMessage: poll.pollMessageGuid }),
    );
    const ourStream = alice.threadline.polls.subscribeEvents({ pollMessage: poll.pollMessageGuid });
    await ourStream.ready;
    const ours = collectInBackground(ourStream);
    try {
      await bob.threadline.polls.vote(other.pollMessageGuid, optionId(other, 0));
      await bob.threadline.polls.vote(poll.pollMessageGuid, optionId(poll, 1));
      await theirs.collector.until((events) => events.length >= 1);
      await ours.until((events) => events.length >= 1);
      expect(comparable(ours.events)).toStrictEqual(comparable(theirs.collector.events));
      expect(
        ours.events.map((event) => event.type === "poll.changed" && event.pollMessageGuid),
      ).toEqual([poll.pollMessageGuid]);
    } finally {
      await theirs.close();
      await ours.close();
    }
  });

  it("rejections: both clients get the server's typed errors; ours refuses bad input before sending", async () => {
    await using fixture = await startGroupsAndPollsFixture();
    const { alice, dave } = fixture;
    const poll = await alice.photon.polls.create(fixture.group, "Where?", ["Pizza", "Sushi"]);
    await expect(dave.photon.polls.get(poll.pollMessageGuid)).rejects.toBeInstanceOf(
      PublishedNotFoundError,
    );
    await expect(dave.threadline.polls.get(poll.pollMessageGuid)).rejects.toBeInstanceOf(
      NotFoundError,
    );
    // Only the server knows the identifiers of a poll's options.
    await expect(alice.photon.polls.vote(poll.pollMessageGuid, "nope")).rejects.toMatchObject({
      name: "ValidationError",
    });
    await expect(alice.threadline.polls.vote(poll.pollMessageGuid, "nope")).rejects.toMatchObject({
      name: "ValidationError",
      grpcCode: 3,
    });
    // One choice: the published client sends it and the server refuses; ours refuses first.
    await expect(alice.photon.polls.create(fixture.group, "Q", ["Only"])).rejects.toMatchObject({
      name: "ValidationError",
    });
    const ours = alice.threadline.polls.create(fixture.group, "Q", ["Only"]);
    await expect(ours).rejects.toBeInstanceOf(ValidationError);
    await expect(ours).rejects.not.toHaveProperty("grpcCode", 3);
  });
});
