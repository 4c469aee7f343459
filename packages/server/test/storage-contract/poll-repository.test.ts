import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { engineNames, useContractEngine } from "./contract-engines.js";
import { directChat, freshGuid } from "./contract-records.js";

describe.each(engineNames)("poll repository on %s", (engineName) => {
  const engine = useContractEngine(engineName);

  async function poll(write: ReturnType<typeof engine>["write"], chatId: number) {
    const guid = freshGuid("poll");
    const id = await write((r) =>
      r.polls.insert({
        guid,
        chatId,
        creatorAddress: "alice@example.com",
        title: "Lunch?",
        createdAt: 1_000,
      }),
    );
    return { id, guid };
  }

  it("stores a poll and finds it by guid", async () => {
    const { repositories, write } = engine();
    const chatId = await directChat(write);
    const { id, guid } = await poll(write, chatId);
    expect(await repositories.polls.find(guid)).toEqual({ id, guid, chatId, title: "Lunch?" });
    expect(await repositories.polls.find("missing")).toBeUndefined();
  });

  it("refuses a second poll with the same guid or one in a chat that does not exist", async () => {
    const { repositories, write } = engine();
    const chatId = await directChat(write);
    const { guid } = await poll(write, chatId);
    await expect(
      write((r) =>
        r.polls.insert({ guid, chatId, creatorAddress: "b", title: "Again", createdAt: 2 }),
      ),
    ).rejects.toThrow();
    await expect(
      write((r) =>
        r.polls.insert({
          guid: freshGuid("poll"),
          chatId: chatId + 100,
          creatorAddress: "b",
          title: "Nowhere",
          createdAt: 2,
        }),
      ),
    ).rejects.toThrow();
    expect((await repositories.polls.find(guid))?.title).toBe("Lunch?");
  });

  it("lists options by position, whatever order they were added in; identifiers are unique per poll", async () => {
    const { repositories, write } = engine();
    const chatId = await directChat(write);
    const { id } = await poll(write, chatId);
    const other = await poll(write, chatId);
    await write(async (r) => {
      await r.polls.insertOption(
        id,
        { optionIdentifier: "b", text: "Tacos", creatorAddress: "bob@example.com" },
        1,
      );
      await r.polls.insertOption(
        id,
        { optionIdentifier: "a", text: "Pizza", creatorAddress: "alice@example.com" },
        0,
      );
      await r.polls.insertOption(
        other.id,
        { optionIdentifier: "a", text: "Elsewhere", creatorAddress: "alice@example.com" },
        0,
      );
    });
    expect(await repositories.polls.listOptions(id)).toEqual([
      { optionIdentifier: "a", text: "Pizza", creatorAddress: "alice@example.com" },
      { optionIdentifier: "b", text: "Tacos", creatorAddress: "bob@example.com" },
    ]);
    await expect(
      write((r) =>
        r.polls.insertOption(id, { optionIdentifier: "a", text: "Dup", creatorAddress: "c" }, 2),
      ),
    ).rejects.toThrow();
    expect(await repositories.polls.listOptions(id)).toHaveLength(2);
    expect(await repositories.polls.listOptions(id + 100)).toEqual([]);
  });

  it("casts, moves and withdraws one vote per voter", async () => {
    const { repositories, write } = engine();
    const chatId = await directChat(write);
    const { id } = await poll(write, chatId);
    await write((r) => r.polls.setVote(id, "bob@example.com", "a", 2_000));
    await write((r) => r.polls.setVote(id, "alice@example.com", "b", 3_000));
    expect(await repositories.polls.findVote(id, "bob@example.com")).toBe("a");
    await write((r) => r.polls.setVote(id, "bob@example.com", "b", 4_000));
    expect(await repositories.polls.findVote(id, "bob@example.com")).toBe("b");
    // Moving a vote makes it the newest.
    expect(await repositories.polls.listVotes(id)).toEqual([
      { voterAddress: "alice@example.com", optionIdentifier: "b" },
      { voterAddress: "bob@example.com", optionIdentifier: "b" },
    ]);
    await write((r) => r.polls.deleteVote(id, "alice@example.com"));
    await write((r) => r.polls.deleteVote(id, "nobody@example.com"));
    expect(await repositories.polls.findVote(id, "alice@example.com")).toBeUndefined();
    expect(await repositories.polls.listVotes(id)).toEqual([
      { voterAddress: "bob@example.com", optionIdentifier: "b" },
    ]);
  });

  it("lists votes oldest first, ties by voter address in code-point order", async () => {
    const { repositories, write } = engine();
    const chatId = await directChat(write);
    const { id } = await poll(write, chatId);
    for (const voter of ["amy@example.com", "Zed@example.com", "+15550000001"]) {
      await write((r) => r.polls.setVote(id, voter, "a", 5_000));
    }
    await write((r) => r.polls.setVote(id, "zoe@example.com", "a", 4_000));
    expect((await repositories.polls.listVotes(id)).map((vote) => vote.voterAddress)).toEqual([
      "zoe@example.com",
      "+15550000001",
      "Zed@example.com",
      "amy@example.com",
    ]);
  });

  it("votes end as the last setVote or deleteVote per voter left them (property)", async () => {
    const { repositories, write } = engine();
    const chatId = await directChat(write);
    const step = fc.record({
      voter: fc.integer({ min: 0, max: 4 }),
      option: fc.option(fc.constantFrom("a", "b", "c"), { nil: null }),
    });
    await fc.assert(
      fc.asyncProperty(fc.array(step, { maxLength: 15 }), async (steps) => {
        const { id } = await poll(write, chatId);
        const model = new Map<string, { option: string; at: number }>();
        for (const [index, { voter, option }] of steps.entries()) {
          const voterAddress = `voter${voter}@example.com`;
          if (option === null) {
            await write((r) => r.polls.deleteVote(id, voterAddress));
            model.delete(voterAddress);
          } else {
            await write((r) => r.polls.setVote(id, voterAddress, option, index));
            model.set(voterAddress, { option, at: index });
          }
        }
        const expected = [...model.entries()]
          .sort(([, left], [, right]) => left.at - right.at)
          .map(([voterAddress, { option }]) => ({ voterAddress, optionIdentifier: option }));
        expect(await repositories.polls.listVotes(id)).toEqual(expected);
      }),
      { numRuns: 25 },
    );
  });
});
