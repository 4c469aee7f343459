import {
  type GroupEvent,
  NotFoundError,
  type UnknownEvent,
  ValidationError,
} from "@threadline/core";
import { describe, expect, it } from "vitest";
import {
  bobAddress,
  carolAddress,
  daveAddress,
  jpegBytes,
  pngBytes,
  startGroupsFixture,
} from "./groups-fixture.js";

/** Reads `count` events from a stream, then closes it. */
async function take<T>(stream: AsyncIterable<T>, count: number): Promise<T[]> {
  const events: T[] = [];
  for await (const event of stream) {
    events.push(event);
    if (events.length === count) break;
  }
  return events;
}

function changeOf(event: GroupEvent | UnknownEvent) {
  return event.type === "group.changed" ? event.change : { type: "unknown" };
}

function addressesOf(chat: { participants: readonly { address: string }[] }): string[] {
  return chat.participants.map((participant) => participant.address).sort();
}

describe("groups.setDisplayName", () => {
  it("renames the group for every member, trimmed; the same name again emits nothing", async () => {
    await using fixture = await startGroupsFixture();
    const renamed = await fixture.alice.groups.setDisplayName(fixture.group, "  Weekend  ");
    expect(renamed).toMatchObject({ guid: fixture.group, displayName: "Weekend", isGroup: true });
    expect((await fixture.bob.chats.get(fixture.group)).displayName).toBe("Weekend");

    const head = (await fixture.bob.events.getLogInfo()).headSequence;
    await fixture.alice.groups.setDisplayName(fixture.group, "Weekend");
    expect((await fixture.bob.events.getLogInfo()).headSequence).toBe(head);
  });

  it('"" clears the name', async () => {
    await using fixture = await startGroupsFixture();
    await fixture.alice.groups.setDisplayName(fixture.group, "Weekend");
    const cleared = await fixture.alice.groups.setDisplayName(fixture.group, "");
    expect(cleared.displayName).toBe("");
    expect((await fixture.carol.chats.get(fixture.group)).displayName).toBe("");
  });
});

describe("groups.addParticipants / removeParticipants", () => {
  it("adds normalised addresses; the new member sees the group with earlier messages read", async () => {
    await using fixture = await startGroupsFixture();
    const chat = await fixture.alice.groups.addParticipants(fixture.group, ["  Dave@Example.COM "]);
    expect(addressesOf(chat)).toEqual([bobAddress, carolAddress, daveAddress]);
    const davesView = await fixture.dave.chats.get(fixture.group);
    expect(davesView.isGroup).toBe(true);
    expect(davesView.unreadCount).toBe(0);
  });

  it("removes members, who then no longer see the group", async () => {
    await using fixture = await startGroupsFixture();
    await fixture.alice.groups.addParticipants(fixture.group, [daveAddress]);
    const chat = await fixture.alice.groups.removeParticipants(fixture.group, [
      daveAddress,
      "CAROL@example.com",
    ]);
    expect(addressesOf(chat)).toEqual([bobAddress]);
    await expect(fixture.dave.chats.get(fixture.group)).rejects.toBeInstanceOf(NotFoundError);
    await expect(fixture.carol.chats.get(fixture.group)).rejects.toBeInstanceOf(NotFoundError);
  });

  it("the server refuses what only it can tell: an existing member, a non-member, your own address", async () => {
    await using fixture = await startGroupsFixture();
    const head = (await fixture.alice.events.getLogInfo()).headSequence;
    await expect(fixture.alice.groups.addParticipants(fixture.group, [bobAddress])).rejects.toThrow(
      /already a participant/,
    );
    // The error names the call the user made, not the RPC behind it.
    await expect(fixture.alice.groups.addParticipants(fixture.group, [bobAddress])).rejects.toThrow(
      /^groups\.addParticipants\(\) failed/,
    );
    await expect(
      fixture.alice.groups.removeParticipants(fixture.group, [daveAddress]),
    ).rejects.toThrow(/not a participant/);
    const own = fixture.alice.groups.removeParticipants(fixture.group, ["alice@example.com"]);
    await expect(own).rejects.toBeInstanceOf(ValidationError);
    await expect(own).rejects.toThrow(/use LeaveGroup/);
    expect((await fixture.alice.events.getLogInfo()).headSequence).toBe(head);
    expect(addressesOf(await fixture.alice.chats.get(fixture.group))).toEqual([
      bobAddress,
      carolAddress,
    ]);
  });
});

describe("groups.leave", () => {
  it("the caller leaves: the group is gone for them and the others see one member fewer", async () => {
    await using fixture = await startGroupsFixture();
    await expect(fixture.carol.groups.leave(fixture.group)).resolves.toBeUndefined();
    await expect(fixture.carol.chats.get(fixture.group)).rejects.toBeInstanceOf(NotFoundError);
    await expect(fixture.carol.groups.leave(fixture.group)).rejects.toBeInstanceOf(NotFoundError);
    expect(addressesOf(await fixture.alice.chats.get(fixture.group))).toEqual([bobAddress]);
  });
});

describe("groups icons", () => {
  it("setIcon stores the bytes; getIcon returns them with the detected MIME type", async () => {
    await using fixture = await startGroupsFixture();
    await expect(fixture.alice.groups.setIcon(fixture.group, pngBytes)).resolves.toBeUndefined();
    const icon = await fixture.bob.groups.getIcon(fixture.group);
    expect(icon.mimeType).toBe("image/png");
    expect(icon.data).toBeInstanceOf(Uint8Array);
    expect(Buffer.from(icon.data).equals(Buffer.from(pngBytes))).toBe(true);

    await fixture.alice.groups.setIcon(fixture.group, jpegBytes);
    expect((await fixture.carol.groups.getIcon(fixture.group)).mimeType).toBe("image/jpeg");
  });

  it("removeIcon clears it (getIcon is then NotFoundError) and is safe to repeat", async () => {
    await using fixture = await startGroupsFixture();
    await expect(fixture.alice.groups.getIcon(fixture.group)).rejects.toBeInstanceOf(NotFoundError);
    await fixture.alice.groups.setIcon(fixture.group, pngBytes);
    await fixture.alice.groups.removeIcon(fixture.group);
    await expect(fixture.bob.groups.getIcon(fixture.group)).rejects.toBeInstanceOf(NotFoundError);
    const head = (await fixture.bob.events.getLogInfo()).headSequence;
    await expect(fixture.alice.groups.removeIcon(fixture.group)).resolves.toBeUndefined();
    expect((await fixture.bob.events.getLogInfo()).headSequence).toBe(head);
  });
});

describe("groups.subscribeEvents", () => {
  it("delivers every group change of one group, typed, in order", async () => {
    await using fixture = await startGroupsFixture();
    const { chat: otherGroup } = await fixture.alice.chats.create([bobAddress, daveAddress]);
    await using stream = fixture.bob.groups.subscribeEvents({ chat: fixture.group });
    await stream.ready;

    await fixture.alice.groups.setDisplayName(otherGroup.guid, "Not this one");
    await fixture.alice.groups.setDisplayName(fixture.group, "Weekend");
    await fixture.alice.groups.addParticipants(fixture.group, [daveAddress]);
    await fixture.alice.groups.removeParticipants(fixture.group, [daveAddress]);
    await fixture.alice.groups.setIcon(fixture.group, pngBytes);
    await fixture.alice.groups.removeIcon(fixture.group);
    await fixture.carol.groups.leave(fixture.group);

    const events = await take(stream, 6);
    expect(events.map(changeOf)).toEqual([
      { type: "displayNameChanged", displayName: "Weekend" },
      { type: "participantAdded", participant: { address: daveAddress, service: "iMessage" } },
      { type: "participantRemoved", participant: { address: daveAddress, service: "iMessage" } },
      { type: "iconChanged" },
      { type: "iconRemoved" },
      { type: "participantLeft", participant: { address: carolAddress, service: "iMessage" } },
    ]);
    for (const event of events) {
      expect(event).toMatchObject({ type: "group.changed", chatGuid: fixture.group });
    }
    expect(events[0]).toMatchObject({ isFromMe: false, actor: { address: "alice@example.com" } });
    const sequences = events.map((event) => event.sequence);
    expect([...sequences].sort((a, b) => a - b)).toEqual(sequences);
  });

  it("without a filter, changes of every group arrive", async () => {
    await using fixture = await startGroupsFixture();
    const { chat: otherGroup } = await fixture.alice.chats.create([bobAddress, daveAddress]);
    await using stream = fixture.bob.groups.subscribeEvents();
    await stream.ready;
    await fixture.alice.groups.setDisplayName(fixture.group, "One");
    await fixture.alice.groups.setDisplayName(otherGroup.guid, "Two");
    const events = await take(stream, 2);
    expect(events.map((event) => event.chatGuid)).toEqual([fixture.group, otherGroup.guid]);
  });
});
