import { describe, expect, it } from "vitest";
import { engineNames, useContractEngine } from "./contract-engines.js";

describe.each(engineNames)("chat repository's chat-with-owners reads on %s", (engineName) => {
  const engine = useContractEngine(engineName);

  it("read the chat as find does, with the owners of its participants in participant order", async () => {
    const { repositories, write } = engine();
    const { carol, dave } = await write(async (r) => ({
      carol: await r.accounts.insert(["carol@example.com"], 1),
      // One account owning two participant addresses: both are listed, in chat order.
      dave: await r.accounts.insert(["dave@example.com", "+15550000002"], 1),
    }));
    const group = await write((r) =>
      r.chats.insertGroup(
        "owners-group",
        ["+15550000002", "nobody@example.com", "carol@example.com", "dave@example.com"],
        10,
      ),
    );
    const expected = {
      chat: await repositories.chats.find(group.id),
      owners: [
        { address: "+15550000002", accountId: dave },
        { address: "carol@example.com", accountId: carol },
        { address: "dave@example.com", accountId: dave },
      ],
    };
    expect(expected.chat).toEqual(group);
    expect(await repositories.chats.findWithOwners(group.id)).toEqual(expected);
    expect(await repositories.chats.findGroupWithOwners("owners-group")).toEqual(expected);
    // Inside a write too (the fan-out reads them there), and after the members change.
    await write((r) => r.chats.deleteParticipants(group.id, ["carol@example.com"]));
    const erin = await write(async (r) => {
      const id = await r.accounts.insert(["erin@example.com"], 2);
      await r.chats.appendParticipants(group.id, ["erin@example.com"]);
      return id;
    });
    expect((await write((r) => r.chats.findWithOwners(group.id)))?.owners).toEqual([
      { address: "+15550000002", accountId: dave },
      { address: "dave@example.com", accountId: dave },
      { address: "erin@example.com", accountId: erin },
    ]);
  });

  it("find a direct chat from either side, with no owners when no participant has an account", async () => {
    const { repositories, write } = engine();
    const chat = await write((r) => r.chats.insertDirect("x@example.com", "y@example.com", 5));
    expect(await repositories.chats.findDirectWithOwners("y@example.com", "x@example.com")).toEqual(
      { chat, owners: [] },
    );
    const y = await write((r) => r.accounts.insert(["y@example.com"], 6));
    expect(await repositories.chats.findDirectWithOwners("x@example.com", "y@example.com")).toEqual(
      { chat, owners: [{ address: "y@example.com", accountId: y }] },
    );
  });

  it("answer undefined for chats that do not exist", async () => {
    const { repositories, write } = engine();
    const chat = await write((r) => r.chats.insertDirect("p@example.com", "q@example.com", 1));
    expect(await repositories.chats.findWithOwners(chat.id + 100)).toBeUndefined();
    expect(
      await repositories.chats.findDirectWithOwners("p@example.com", "r@example.com"),
    ).toBeUndefined();
    expect(await repositories.chats.findGroupWithOwners("no-such-group")).toBeUndefined();
  });
});
