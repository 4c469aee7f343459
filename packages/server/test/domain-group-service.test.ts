import { status } from "@grpc/grpc-js";
import {
  ChatServiceDefinition as Chat,
  GroupServiceDefinition as Groups,
  MessageServiceDefinition as Messages,
} from "@threadline/protocol";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import type { AccountClient } from "./domain-client.js";
import { type DomainTestServer, startDomainTestServer } from "./domain-fixture.js";

let server: DomainTestServer;
let alice: AccountClient;
let bob: AccountClient;
let carol: AccountClient;
let dave: AccountClient;
let group: string;

beforeEach(async () => {
  server = await startDomainTestServer();
  alice = await server.connect("alice@example.com");
  bob = await server.connect("bob@example.com");
  carol = await server.connect("carol@example.com");
  dave = await server.connect("dave@example.com");
  group = (
    await alice.call(Chat.createChat, { addresses: ["bob@example.com", "carol@example.com"] })
  ).chat.guid;
});

afterEach(() => server.close());

const png = Uint8Array.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a, 0, 0, 0, 0x0d]);

describe("SetDisplayName", () => {
  it("renames the group for everyone and logs it for every member", async () => {
    const renamed = await bob.call(Groups.setDisplayName, {
      chatGuid: group,
      displayName: "Climbing",
    });
    expect(renamed.chat.displayName).toBe("Climbing");
    expect((await carol.call(Chat.getChat, { chatGuid: group })).chat.displayName).toBe("Climbing");
    for (const [client, isFromMe] of [
      [alice, false],
      [bob, true],
      [carol, false],
    ] as const) {
      const [event] = await client.catchUp();
      expect(event?.groupChanged?.displayNameChanged?.displayName).toBe("Climbing");
      expect(event?.groupChanged?.chatGuid).toBe(group);
      expect(event?.groupChanged?.isFromMe).toBe(isFromMe);
      expect(event?.groupChanged?.actor?.address).toBe("bob@example.com");
    }
    await bob.call(Groups.setDisplayName, { chatGuid: group, displayName: "Climbing" });
    expect(await alice.catchUp()).toHaveLength(1);
  });

  it("rejects a direct chat, a name that is too long, and outsiders", async () => {
    await alice.call(Chat.createChat, { addresses: ["dave@example.com"] });
    const direct = await alice.failure(Groups.setDisplayName, {
      chatGuid: "any;-;dave@example.com",
      displayName: "x",
    });
    expect(direct.code).toBe(status.INVALID_ARGUMENT);
    expect(direct.details).toContain("direct chat");
    const long = await alice.failure(Groups.setDisplayName, {
      chatGuid: group,
      displayName: "x".repeat(257),
    });
    expect(long.code).toBe(status.INVALID_ARGUMENT);
    expect(
      (await dave.failure(Groups.setDisplayName, { chatGuid: group, displayName: "x" })).code,
    ).toBe(status.NOT_FOUND);
  });
});

describe("participants", () => {
  it("adds a member, who then sees the group and its events", async () => {
    const result = await alice.call(Groups.addParticipants, {
      chatGuid: group,
      addresses: ["Dave@example.com"],
    });
    expect(result.chat.participants.map((participant) => participant.address)).toEqual([
      "bob@example.com",
      "carol@example.com",
      "dave@example.com",
    ]);
    for (const client of [alice, bob, carol, dave]) {
      const [event] = await client.catchUp();
      expect(event?.groupChanged?.participantAdded?.participant.address).toBe("dave@example.com");
    }
    expect((await dave.call(Chat.getChat, { chatGuid: group })).chat.unreadCount).toBe(0);
    await bob.call(Messages.sendTextMessage, { chatGuid: group, text: "welcome" });
    expect((await dave.call(Chat.getChat, { chatGuid: group })).chat.unreadCount).toBe(1);
  });

  it("rejects adding a current member and invalid addresses, changing nothing", async () => {
    const member = await alice.failure(Groups.addParticipants, {
      chatGuid: group,
      addresses: ["dave@example.com", "bob@example.com"],
    });
    expect(member.code).toBe(status.INVALID_ARGUMENT);
    expect(member.details).toContain("already a participant");
    const invalid = await alice.failure(Groups.addParticipants, {
      chatGuid: group,
      addresses: ["12345"],
    });
    expect(invalid.code).toBe(status.INVALID_ARGUMENT);
    expect(await alice.catchUp()).toEqual([]);
    // Dave was valid, but the write as a whole was refused: nothing of it is stored.
    expect((await dave.failure(Chat.getChat, { chatGuid: group })).code).toBe(status.NOT_FOUND);
  });

  it("removes a member: everyone who could see the group is told, the removed one included", async () => {
    await alice.call(Groups.removeParticipants, {
      chatGuid: group,
      addresses: ["carol@example.com"],
    });
    for (const client of [alice, bob, carol]) {
      const [event] = await client.catchUp();
      expect(event?.groupChanged?.participantRemoved?.participant.address).toBe(
        "carol@example.com",
      );
    }
    expect((await carol.failure(Chat.getChat, { chatGuid: group })).code).toBe(status.NOT_FOUND);
    await bob.call(Messages.sendTextMessage, { chatGuid: group, text: "after carol" });
    expect(await carol.catchUp()).toHaveLength(1);
  });

  it("rejects removing a non-member or yourself", async () => {
    const absent = await alice.failure(Groups.removeParticipants, {
      chatGuid: group,
      addresses: ["carol@example.com", "dave@example.com"],
    });
    expect(absent.code).toBe(status.INVALID_ARGUMENT);
    expect(absent.details).toContain("not a participant");
    const self = await alice.failure(Groups.removeParticipants, {
      chatGuid: group,
      addresses: ["alice@example.com"],
    });
    expect(self.details).toContain("LeaveGroup");
    expect((await carol.call(Chat.getChat, { chatGuid: group })).chat.guid).toBe(group);
    expect(await carol.catchUp()).toEqual([]);
  });

  it("leaves a group: everyone, the leaver included, gets participantLeft", async () => {
    await carol.call(Groups.leaveGroup, { chatGuid: group });
    for (const [client, isFromMe] of [
      [alice, false],
      [bob, false],
      [carol, true],
    ] as const) {
      const [event] = await client.catchUp();
      expect(event?.groupChanged?.participantLeft?.participant.address).toBe("carol@example.com");
      expect(event?.groupChanged?.isFromMe).toBe(isFromMe);
    }
    expect((await carol.failure(Groups.leaveGroup, { chatGuid: group })).code).toBe(
      status.NOT_FOUND,
    );
    expect((await alice.call(Chat.getChat, { chatGuid: group })).chat.participants).toHaveLength(1);
  });
});

describe("icons", () => {
  it("sets, reads and removes the icon; removing is safe to repeat", async () => {
    await alice.call(Groups.setIcon, { chatGuid: group, data: png });
    const icon = await bob.call(Groups.getIcon, { chatGuid: group });
    expect(icon.mimeType).toBe("image/png");
    expect(Buffer.from(icon.data).equals(Buffer.from(png))).toBe(true);
    await bob.call(Groups.removeIcon, { chatGuid: group });
    await bob.call(Groups.removeIcon, { chatGuid: group });
    expect((await carol.failure(Groups.getIcon, { chatGuid: group })).code).toBe(status.NOT_FOUND);
    const changes = (await carol.catchUp()).map((event) => event.groupChanged?.change);
    expect(changes).toEqual(["iconChanged", "iconRemoved"]);
  });

  it("rejects bytes that are not an allowed image", async () => {
    const failure = await alice.failure(Groups.setIcon, {
      chatGuid: group,
      data: Buffer.from("GIF89a"),
    });
    expect(failure.code).toBe(status.INVALID_ARGUMENT);
    expect(failure.details).toContain("JPEG, PNG, HEIC or HEIF");
  });
});
