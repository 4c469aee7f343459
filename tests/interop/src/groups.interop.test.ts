import { NotFoundError as PublishedNotFoundError } from "@photon-ai/advanced-imessage/grpc";
import { NotFoundError, ValidationError } from "@threadline/core";
import { describe, expect, it } from "vitest";
import { comparable } from "./comparable.js";
import {
  openRegistered,
  sharedChatFields,
  startGroupsAndPollsFixture,
} from "./groups-and-polls-fixture.js";
import { pngBytes } from "./seed-log.js";
import { collectInBackground } from "./stream-collector.js";

/** The leading bytes of a JPEG: what the server's type detection reads. */
const jpegBytes = Uint8Array.from([0xff, 0xd8, 0xff, 0xe0, 0x00, 0x10, 0x4a, 0x46, 0x49, 0x46]);

describe("published client and @threadline/groups against one server", () => {
  it("setDisplayName: both return the same chat, field by field", async () => {
    await using fixture = await startGroupsAndPollsFixture();
    const { alice } = fixture;
    const published = await alice.photon.groups.setDisplayName(fixture.group, "Weekend");
    await alice.threadline.groups.setDisplayName(fixture.group, "Elsewhere");
    const ours = await alice.threadline.groups.setDisplayName(fixture.group, "Weekend");
    expect(published.displayName).toBe("Weekend");
    expect(comparable(ours)).toStrictEqual(comparable(sharedChatFields(published)));
    // And each client reads the other's rename the same way.
    await alice.photon.groups.setDisplayName(fixture.group, "Saturday");
    expect(comparable(await alice.threadline.chats.get(fixture.group))).toStrictEqual(
      comparable(sharedChatFields(await alice.photon.chats.get(fixture.group))),
    );
  });

  it("addParticipants and removeParticipants: the same membership gives the same chat", async () => {
    await using fixture = await startGroupsAndPollsFixture();
    const { alice, dave } = fixture;
    // State A (Alice, Bob, Carol) and state B (with Dave), each reached once per client.
    const publishedAdd = await alice.photon.groups.addParticipants(fixture.group, [dave.address]);
    const ourRemove = await alice.threadline.groups.removeParticipants(fixture.group, [
      dave.address,
    ]);
    const ourAdd = await alice.threadline.groups.addParticipants(fixture.group, [dave.address]);
    const publishedRemove = await alice.photon.groups.removeParticipants(fixture.group, [
      dave.address,
    ]);
    expect(publishedAdd.participants.map((participant) => participant.address)).toContain(
      dave.address,
    );
    expect(comparable(ourAdd)).toStrictEqual(comparable(sharedChatFields(publishedAdd)));
    expect(comparable(ourRemove)).toStrictEqual(comparable(sharedChatFields(publishedRemove)));
  });

  it("leave: both resolve with nothing, and the group is then NOT_FOUND for the leaver in both", async () => {
    await using fixture = await startGroupsAndPollsFixture();
    const { alice, bob, carol } = fixture;
    await expect(carol.photon.groups.leave(fixture.group)).resolves.toBeUndefined();
    await expect(bob.threadline.groups.leave(fixture.group)).resolves.toBeUndefined();
    await expect(carol.threadline.chats.get(fixture.group)).rejects.toBeInstanceOf(NotFoundError);
    await expect(bob.photon.chats.get(fixture.group)).rejects.toBeInstanceOf(
      PublishedNotFoundError,
    );
    expect(comparable(await alice.threadline.chats.get(fixture.group))).toStrictEqual(
      comparable(sharedChatFields(await alice.photon.chats.get(fixture.group))),
    );
  });

  it("setIcon / getIcon / removeIcon: the same bytes and MIME type, and the same NOT_FOUND after removal", async () => {
    await using fixture = await startGroupsAndPollsFixture();
    const { alice, bob } = fixture;
    await expect(alice.photon.groups.setIcon(fixture.group, pngBytes)).resolves.toBeUndefined();
    const published = await bob.photon.groups.getIcon(fixture.group);
    const ours = await bob.threadline.groups.getIcon(fixture.group);
    expect(ours.mimeType).toBe("image/png");
    expect(ours.mimeType).toBe(published.mimeType);
    expect([...ours.data]).toEqual([...published.data]);
    expect([...ours.data]).toEqual([...pngBytes]);

    await expect(
      alice.threadline.groups.setIcon(fixture.group, jpegBytes),
    ).resolves.toBeUndefined();
    const publishedJpeg = await bob.photon.groups.getIcon(fixture.group);
    const ourJpeg = await bob.threadline.groups.getIcon(fixture.group);
    expect({ mimeType: ourJpeg.mimeType, data: [...ourJpeg.data] }).toEqual({
      mimeType: publishedJpeg.mimeType,
      data: [...publishedJpeg.data],
    });
    expect(ourJpeg.mimeType).toBe("image/jpeg");

    await expect(alice.threadline.groups.removeIcon(fixture.group)).resolves.toBeUndefined();
    await expect(alice.photon.groups.removeIcon(fixture.group)).resolves.toBeUndefined();
    await expect(bob.photon.groups.getIcon(fixture.group)).rejects.toBeInstanceOf(
      PublishedNotFoundError,
    );
    await expect(bob.threadline.groups.getIcon(fixture.group)).rejects.toBeInstanceOf(
      NotFoundError,
    );
  });

  it("subscribeEvents: both streams deliver the same group events, field by field", async () => {
    await using fixture = await startGroupsAndPollsFixture();
    const { alice, bob, carol, dave } = fixture;
    const theirs = await openRegistered(fixture.server.address, bob.token, (client) =>
      client.groups.subscribeEvents({ chat: fixture.group }),
    );
    const ourStream = bob.threadline.groups.subscribeEvents({ chat: fixture.group });
    await ourStream.ready;
    const ours = collectInBackground(ourStream);
    try {
      await alice.photon.groups.setDisplayName(fixture.group, "Weekend");
      await alice.threadline.groups.addParticipants(fixture.group, [dave.address]);
      await alice.photon.groups.removeParticipants(fixture.group, [dave.address]);
      await alice.threadline.groups.setIcon(fixture.group, pngBytes);
      await alice.photon.groups.removeIcon(fixture.group);
      await carol.threadline.groups.leave(fixture.group);
      await theirs.collector.until((events) => events.length >= 6);
      await ours.until((events) => events.length >= 6);
      expect(
        ours.events.map((event) => event.type === "group.changed" && event.change.type),
      ).toEqual([
        "displayNameChanged",
        "participantAdded",
        "participantRemoved",
        "iconChanged",
        "iconRemoved",
        "participantLeft",
      ]);
      expect(comparable(ours.events)).toStrictEqual(comparable(theirs.collector.events));
    } finally {
      await theirs.close();
      await ours.close();
    }
  });

  it("rejections: the server's refusals reach the published client, and ours refuses the same inputs before sending", async () => {
    await using fixture = await startGroupsAndPollsFixture();
    const { alice, bob } = fixture;
    await expect(alice.photon.groups.setDisplayName(fixture.direct, "Name")).rejects.toMatchObject({
      name: "ValidationError",
    });
    await expect(
      alice.threadline.groups.setDisplayName(fixture.direct, "Name"),
    ).rejects.toBeInstanceOf(ValidationError);
    // Only the server knows Bob is a member: both clients get its INVALID_ARGUMENT.
    await expect(
      alice.photon.groups.addParticipants(fixture.group, [bob.address]),
    ).rejects.toMatchObject({ name: "ValidationError" });
    await expect(
      alice.threadline.groups.addParticipants(fixture.group, [bob.address]),
    ).rejects.toMatchObject({ name: "ValidationError", grpcCode: 3 });
    await expect(
      alice.photon.groups.setIcon(fixture.group, Uint8Array.from([1, 2, 3])),
    ).rejects.toMatchObject({ name: "ValidationError" });
    await expect(
      alice.threadline.groups.setIcon(fixture.group, Uint8Array.from([1, 2, 3])),
    ).rejects.toBeInstanceOf(ValidationError);
  });
});
