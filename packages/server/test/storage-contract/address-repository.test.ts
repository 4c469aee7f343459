import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { engineNames, useContractEngine } from "./contract-engines.js";

describe.each(engineNames)("address repository on %s", (engineName) => {
  const engine = useContractEngine(engineName);

  it("knows who shares a chat with any of a viewer's addresses", async () => {
    const { repositories, write } = engine();
    await write(async (r) => {
      await r.chats.insertDirect("me@example.com", "friend@example.com", 1);
      await r.chats.insertGroup("group-1", ["+15550000009", "member@example.com"], 2);
      await r.chats.insertDirect("stranger@example.com", "other@example.com", 3);
    });
    const viewer = ["me@example.com", "+15550000009"];
    expect(await repositories.addresses.sharesAChat("friend@example.com", viewer)).toBe(true);
    expect(await repositories.addresses.sharesAChat("member@example.com", viewer)).toBe(true);
    expect(await repositories.addresses.sharesAChat("stranger@example.com", viewer)).toBe(false);
    expect(await repositories.addresses.sharesAChat("nobody@example.com", viewer)).toBe(false);
    expect(await repositories.addresses.sharesAChat("friend@example.com", [])).toBe(false);
  });

  it("forgets a shared chat once the address has left it", async () => {
    const { repositories, write } = engine();
    const group = await write((r) =>
      r.chats.insertGroup("group-2", ["me@example.com", "leaver@example.com"], 1),
    );
    await write((r) => r.chats.deleteParticipants(group.id, ["leaver@example.com"]));
    expect(await repositories.addresses.sharesAChat("leaver@example.com", ["me@example.com"])).toBe(
      false,
    );
  });

  it("reads a Focus status as last set, not silenced when never set", async () => {
    const { repositories, write } = engine();
    expect(await repositories.addresses.focusStatus(1)).toBe(false);
    await write((r) => r.addresses.setFocusStatus(1, true, 100));
    await write((r) => r.addresses.setFocusStatus(1, true, 200));
    expect(await repositories.addresses.focusStatus(1)).toBe(true);
    expect(await repositories.addresses.focusStatus(2)).toBe(false);
    await write((r) => r.addresses.setFocusStatus(1, false, 300));
    expect(await repositories.addresses.focusStatus(1)).toBe(false);
  });

  it("sharesAChat agrees with the chats' memberships (property)", async () => {
    const { repositories, write } = engine();
    let run = 0;
    await fc.assert(
      fc.asyncProperty(
        fc.array(fc.uniqueArray(fc.integer({ min: 0, max: 6 }), { minLength: 1, maxLength: 4 }), {
          maxLength: 4,
        }),
        fc.integer({ min: 0, max: 6 }),
        fc.uniqueArray(fc.integer({ min: 0, max: 6 }), { maxLength: 3 }),
        async (chats, target, viewer) => {
          run += 1;
          const address = (n: number) => `p${n}.run${run}@example.com`;
          for (const [index, members] of chats.entries()) {
            await write((r) => r.chats.insertGroup(`run${run}-${index}`, members.map(address), 1));
          }
          const expected = chats.some(
            (members) => members.includes(target) && viewer.some((own) => members.includes(own)),
          );
          expect(
            await repositories.addresses.sharesAChat(address(target), viewer.map(address)),
          ).toBe(expected);
        },
      ),
      { numRuns: 30 },
    );
  });
});
