import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { engineNames, hex, useContractEngine } from "./contract-engines.js";
import { directChat, newMessage } from "./contract-records.js";

const png = new Uint8Array([0x89, 0x50, 0x4e, 0x47, 0x00, 0xff]);
const jpeg = new Uint8Array([0xff, 0xd8, 0xff, 0x00]);

describe.each(engineNames)("chat repository on %s", (engineName) => {
  const engine = useContractEngine(engineName);

  it("creates a direct chat that either side finds, participants in creation order", async () => {
    const { repositories, write } = engine();
    const created = await write((r) =>
      r.chats.insertDirect("bob@example.com", "alice@example.com", 100),
    );
    const expected = {
      id: created.id,
      isGroup: false,
      groupId: null,
      displayName: null,
      participants: ["bob@example.com", "alice@example.com"],
      backgroundType: null,
      iconType: null,
    };
    expect(created).toEqual(expected);
    expect(await repositories.chats.find(created.id)).toEqual(expected);
    expect(await repositories.chats.findDirect("alice@example.com", "bob@example.com")).toEqual(
      expected,
    );
    expect(await repositories.chats.findDirect("bob@example.com", "alice@example.com")).toEqual(
      expected,
    );
  });

  it("answers undefined for chats that do not exist", async () => {
    const { repositories, write } = engine();
    const created = await write((r) => r.chats.insertDirect("a@example.com", "b@example.com", 1));
    expect(await repositories.chats.find(created.id + 100)).toBeUndefined();
    expect(await repositories.chats.findDirect("a@example.com", "c@example.com")).toBeUndefined();
    expect(await repositories.chats.findGroup("no-such-group")).toBeUndefined();
    expect(await repositories.chats.findIcon(created.id + 100)).toBeUndefined();
  });

  it("findOrInsertDirect creates a pair's chat once and then finds it, from either side", async () => {
    const { repositories, write } = engine();
    const first = await write((r) =>
      r.chats.findOrInsertDirect("bob@example.com", "alice@example.com", 100),
    );
    expect(first).toEqual({
      chat: {
        id: first.chat.id,
        isGroup: false,
        groupId: null,
        displayName: null,
        participants: ["bob@example.com", "alice@example.com"],
        backgroundType: null,
        iconType: null,
      },
      created: true,
    });
    const again = await write((r) =>
      r.chats.findOrInsertDirect("alice@example.com", "bob@example.com", 200),
    );
    expect(again).toEqual({ chat: first.chat, created: false });
    expect(await repositories.chats.findDirect("alice@example.com", "bob@example.com")).toEqual(
      first.chat,
    );
    const inserted = await write((r) =>
      r.chats.insertDirect("carol@example.com", "dan@example.com", 300),
    );
    expect(
      await write((r) => r.chats.findOrInsertDirect("dan@example.com", "carol@example.com", 400)),
    ).toEqual({ chat: inserted, created: false });
  });

  it("findForUpdate and findForMembershipChange read the chat as find does, and undefined for a missing one", async () => {
    const { write } = engine();
    const group = await write((r) =>
      r.chats.insertGroup("locked-group", ["a@example.com", "b@example.com"], 1),
    );
    await write((r) => r.chats.setDisplayName(group.id, "Named"));
    expect(await write((r) => r.chats.findForUpdate(group.id))).toEqual({
      ...group,
      displayName: "Named",
    });
    expect(await write((r) => r.chats.findForUpdate(group.id + 100))).toBeUndefined();
    expect(await write((r) => r.chats.findForMembershipChange(group.id))).toEqual({
      ...group,
      displayName: "Named",
    });
    expect(await write((r) => r.chats.findForMembershipChange(group.id + 100))).toBeUndefined();
  });

  it("keeps one direct chat per pair: a second insert in either order fails and leaves nothing", async () => {
    const { repositories, write } = engine();
    const first = await write((r) => r.chats.insertDirect("a@example.com", "b@example.com", 1));
    await expect(
      write((r) => r.chats.insertDirect("b@example.com", "a@example.com", 2)),
    ).rejects.toThrow();
    await expect(
      write((r) => r.chats.insertDirect("a@example.com", "b@example.com", 3)),
    ).rejects.toThrow();
    expect((await repositories.chats.findDirect("b@example.com", "a@example.com"))?.id).toBe(
      first.id,
    );
    expect(await repositories.chats.listIdsForAddresses(["a@example.com"])).toEqual([first.id]);
  });

  it("creates a group with its participants in order, found by group id; group ids are unique", async () => {
    const { repositories, write } = engine();
    const group = await write((r) =>
      r.chats.insertGroup("group-1", ["c@example.com", "a@example.com", "+15550000001"], 10),
    );
    expect(await repositories.chats.findGroup("group-1")).toEqual({
      id: group.id,
      isGroup: true,
      groupId: "group-1",
      displayName: null,
      participants: ["c@example.com", "a@example.com", "+15550000001"],
      backgroundType: null,
      iconType: null,
    });
    await expect(
      write((r) => r.chats.insertGroup("group-1", ["d@example.com"], 11)),
    ).rejects.toThrow();
    expect(await repositories.chats.listIdsForAddresses(["d@example.com"])).toEqual([]);
  });

  it("appends participants after the current ones and removes only current ones", async () => {
    const { repositories, write } = engine();
    const group = await write((r) =>
      r.chats.insertGroup("group-2", ["a@example.com", "b@example.com", "c@example.com"], 1),
    );
    await write((r) => r.chats.deleteParticipants(group.id, ["b@example.com", "x@example.com"]));
    await write((r) => r.chats.appendParticipants(group.id, ["d@example.com", "e@example.com"]));
    await write((r) => r.chats.appendParticipants(group.id, ["b@example.com"]));
    await write((r) => r.chats.appendParticipants(group.id, []));
    await write((r) => r.chats.deleteParticipants(group.id, []));
    expect((await repositories.chats.find(group.id))?.participants).toEqual([
      "a@example.com",
      "c@example.com",
      "d@example.com",
      "e@example.com",
      "b@example.com",
    ]);
  });

  it("refuses a participant twice in one chat", async () => {
    const { repositories, write } = engine();
    const group = await write((r) => r.chats.insertGroup("group-3", ["a@example.com"], 1));
    await expect(
      write((r) => r.chats.appendParticipants(group.id, ["b@example.com", "a@example.com"])),
    ).rejects.toThrow();
    expect((await repositories.chats.find(group.id))?.participants).toEqual(["a@example.com"]);
  });

  it("sets and clears the display name, background and icon", async () => {
    const { repositories, write } = engine();
    const group = await write((r) => r.chats.insertGroup("group-4", ["a@example.com"], 1));
    await write(async (r) => {
      await r.chats.setDisplayName(group.id, "Climbing");
      await r.chats.setBackground(group.id, { bytes: png, type: "image/png" });
      await r.chats.setIcon(group.id, { bytes: png, type: "image/png" });
      await r.chats.setIcon(group.id, { bytes: jpeg, type: "image/jpeg" });
    });
    expect(await repositories.chats.find(group.id)).toMatchObject({
      displayName: "Climbing",
      backgroundType: "image/png",
      iconType: "image/jpeg",
    });
    const icon = await repositories.chats.findIcon(group.id);
    expect(icon === undefined ? undefined : { bytes: hex(icon.bytes), type: icon.type }).toEqual({
      bytes: hex(jpeg),
      type: "image/jpeg",
    });
    await write(async (r) => {
      await r.chats.setDisplayName(group.id, null);
      await r.chats.clearBackground(group.id);
      await r.chats.clearIcon(group.id);
      await r.chats.clearIcon(group.id);
    });
    expect(await repositories.chats.find(group.id)).toMatchObject({
      displayName: null,
      backgroundType: null,
      iconType: null,
    });
    expect(await repositories.chats.findIcon(group.id)).toBeUndefined();
  });

  it("keeps each account's state of a chat: defaults, read marker only forward, archive flag", async () => {
    const { repositories, write } = engine();
    const chat = await write((r) => r.chats.insertDirect("a@example.com", "b@example.com", 1));
    expect(await repositories.chats.accountState(chat.id, 1)).toEqual({
      readThroughMessageId: 0,
      isArchived: false,
    });
    await write(async (r) => {
      await r.chats.markReadThrough(chat.id, 1, 40);
      await r.chats.markReadThrough(chat.id, 1, 25);
      await r.chats.setArchived(chat.id, 2, true);
    });
    expect(await repositories.chats.accountState(chat.id, 1)).toEqual({
      readThroughMessageId: 40,
      isArchived: false,
    });
    expect(await repositories.chats.accountState(chat.id, 2)).toEqual({
      readThroughMessageId: 0,
      isArchived: true,
    });
    await write(async (r) => {
      await r.chats.setArchived(chat.id, 1, true);
      await r.chats.setArchived(chat.id, 2, false);
      await r.chats.markReadThrough(chat.id, 2, 7);
    });
    expect(await repositories.chats.accountState(chat.id, 1)).toEqual({
      readThroughMessageId: 40,
      isArchived: true,
    });
    expect(await repositories.chats.accountState(chat.id, 2)).toEqual({
      readThroughMessageId: 7,
      isArchived: false,
    });
  });

  it("keeps a removed member's state, so a re-added member has its read marker", async () => {
    const { repositories, write } = engine();
    const group = await write((r) =>
      r.chats.insertGroup("group-5", ["a@example.com", "b@example.com"], 1),
    );
    await write((r) => r.chats.markReadThrough(group.id, 2, 9));
    await write((r) => r.chats.deleteParticipants(group.id, ["b@example.com"]));
    await write((r) => r.chats.appendParticipants(group.id, ["b@example.com"]));
    expect(await repositories.chats.accountState(group.id, 2)).toEqual({
      readThroughMessageId: 9,
      isArchived: false,
    });
  });

  it("lists and counts the distinct chats of an account's addresses, archived ones on request", async () => {
    const { repositories, write } = engine();
    const own = ["me@example.com", "+15550000009"];
    const direct = await write((r) => r.chats.insertDirect("me@example.com", "x@example.com", 1));
    const group = await write((r) =>
      r.chats.insertGroup("group-6", ["+15550000009", "me@example.com", "y@example.com"], 2),
    );
    const archived = await write((r) => r.chats.insertDirect("+15550000009", "z@example.com", 3));
    await write((r) => r.chats.insertDirect("x@example.com", "y@example.com", 4));
    await write((r) => r.chats.setArchived(archived.id, 5, true));
    await write((r) => r.chats.setArchived(group.id, 6, true));
    expect((await repositories.chats.listIdsForAddresses(own)).sort((a, b) => a - b)).toEqual([
      direct.id,
      group.id,
      archived.id,
    ]);
    expect(await repositories.chats.countForAddresses(5, own, true)).toBe(3);
    expect(await repositories.chats.countForAddresses(5, own, false)).toBe(2);
    expect(await repositories.chats.countForAddresses(6, own, false)).toBe(2);
    expect(await repositories.chats.listIdsForAddresses([])).toEqual([]);
    expect(await repositories.chats.countForAddresses(5, [], true)).toBe(0);
    expect(await repositories.chats.listIdsForAddresses(["nobody@example.com"])).toEqual([]);
  });

  it("membership stays in joining order through any adds and removals (property)", async () => {
    const { repositories, write } = engine();
    let run = 0;
    const operation = fc.record({
      add: fc.boolean(),
      members: fc.uniqueArray(fc.integer({ min: 0, max: 7 }), { maxLength: 3 }),
    });
    await fc.assert(
      fc.asyncProperty(fc.array(operation, { maxLength: 10 }), async (operations) => {
        run += 1;
        const address = (n: number) => `member${n}@example.com`;
        const group = await write((r) => r.chats.insertGroup(`property-${run}`, [address(0)], run));
        const model = [address(0)];
        for (const { add, members } of operations) {
          const addresses = members.map(address);
          if (add) {
            const fresh = addresses.filter((candidate) => !model.includes(candidate));
            await write((r) => r.chats.appendParticipants(group.id, fresh));
            model.push(...fresh);
          } else {
            await write((r) => r.chats.deleteParticipants(group.id, addresses));
            for (const removed of addresses) {
              const index = model.indexOf(removed);
              if (index >= 0) model.splice(index, 1);
            }
          }
        }
        expect((await repositories.chats.find(group.id))?.participants).toEqual(model);
      }),
      { numRuns: 25 },
    );
  });
});

describe("chat repository on postgres, several processes at once", () => {
  const engine = useContractEngine("postgres");

  it("concurrent joins of one group each get a position of their own, in commit order", async () => {
    const { repositories, write } = engine();
    // Several rounds: without the chat row lock two joins may read the same next
    // position, which shows up in some rounds but not in every one.
    for (let round = 0; round < 6; round += 1) {
      const group = await write((r) =>
        r.chats.insertGroup(`busy-group-${round}`, ["a@example.com"], 1),
      );
      const joiners = Array.from({ length: 8 }, (_, index) => `joiner${index}@example.com`);
      const committed: string[] = [];
      await Promise.all(
        joiners.map((joiner) =>
          write(async (r) => {
            await r.chats.appendParticipants(group.id, [joiner]);
            // Recorded before COMMIT: the chat row lock makes the order of the appends
            // the order of the commits.
            committed.push(joiner);
          }),
        ),
      );
      expect((await repositories.chats.find(group.id))?.participants).toEqual([
        "a@example.com",
        ...committed,
      ]);
    }
  });

  it("concurrent findOrInsertDirect of one pair, from either side, all get the one chat, created once", async () => {
    const { repositories, write } = engine();
    for (let round = 0; round < 5; round += 1) {
      const own = `own${round}@example.com`;
      const other = `other${round}@example.com`;
      const results = await Promise.all(
        Array.from({ length: 6 }, (_, writer) =>
          write((r) =>
            writer % 2 === 0
              ? r.chats.findOrInsertDirect(own, other, writer)
              : r.chats.findOrInsertDirect(other, own, writer),
          ),
        ),
      );
      expect(results.filter((result) => result.created)).toHaveLength(1);
      const chat = await repositories.chats.findDirect(own, other);
      expect(results.map((result) => result.chat.id)).toEqual(results.map(() => chat?.id));
      expect(chat?.participants).toHaveLength(2);
    }
  });

  it("findForUpdate makes concurrent read-then-change writes of one chat queue: no change is lost", async () => {
    const { repositories, write } = engine();
    const group = await write((r) => r.chats.insertGroup("counter-group", ["a@example.com"], 1));
    await Promise.all(
      Array.from({ length: 8 }, (_, writer) =>
        write(async (r) => {
          const chat = await r.chats.findForUpdate(group.id);
          await r.chats.setDisplayName(group.id, `${chat?.displayName ?? ""}${writer}`);
        }),
      ),
    );
    const name = (await repositories.chats.find(group.id))?.displayName ?? "";
    expect([...name].sort()).toEqual(["0", "1", "2", "3", "4", "5", "6", "7"]);
  });

  /** A send into `chatId` whose transaction stays open (its insert done) until released. */
  async function sendHeldOpen(chatId: number) {
    const { write } = engine();
    let release = () => {};
    const mayCommit = new Promise<void>((resolve) => {
      release = resolve;
    });
    let announceInsert: (id: number) => void = () => {};
    const inserted = new Promise<number>((resolve) => {
      announceInsert = resolve;
    });
    const committed = write(async (r) => {
      const id = await r.messages.insert(newMessage(chatId));
      announceInsert(id);
      await mayCommit;
      return id;
    });
    const id = await inserted;
    return { id, release, committed };
  }

  it("findForMembershipChange waits for a send into the chat that is in flight, then sees it", async () => {
    const { repositories, write, connectionsWaitingOnLocks } = engine();
    const chatId = await directChat(write);
    const send = await sendHeldOpen(chatId);
    try {
      const locking = write(async (r) => {
        await r.chats.findForMembershipChange(chatId);
        return r.messages.newestIdInChat(chatId);
      });
      // The locking write queues behind the send's open transaction (its foreign key lock).
      let waiting = 0;
      for (let attempt = 0; attempt < 500 && waiting === 0; attempt += 1) {
        waiting = (await connectionsWaitingOnLocks?.()) ?? 0;
        if (waiting === 0) await new Promise((resolve) => setTimeout(resolve, 10));
      }
      expect(waiting).toBe(1);
      send.release();
      expect(await locking).toBe(await send.committed);
      expect(await repositories.messages.newestIdInChat(chatId)).toBe(send.id);
    } finally {
      send.release();
      await send.committed.catch(() => undefined);
    }
  });

  it("findForUpdate does not wait for a send into the chat that is in flight", async () => {
    const { write } = engine();
    const chatId = await directChat(write);
    const send = await sendHeldOpen(chatId);
    try {
      // Resolves while the send's transaction is still open: had it waited, it never
      // would (the send commits only after this).
      const newestSeen = await write(async (r) => {
        await r.chats.findForUpdate(chatId);
        return r.messages.newestIdInChat(chatId);
      });
      expect(newestSeen).toBe(0);
    } finally {
      send.release();
      expect(await send.committed).toBe(send.id);
    }
  });
});
