import type { InteropFixture } from "./fixture.js";

/** A 1x1 PNG's leading bytes: enough for the server to recognise the image type. */
export const pngBytes = Uint8Array.from([
  0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a, 0x00, 0x00, 0x00, 0x0d, 0x49, 0x48, 0x44, 0x52,
  0x00, 0x00, 0x00, 0x01, 0x00, 0x00, 0x00, 0x01, 0x08, 0x06, 0x00, 0x00, 0x00, 0x1f, 0x15, 0xc4,
  0x89,
]);

/** What the seeded conversation created. */
export interface SeededLog {
  /** The group of Alice, Bob and Carol (the same GUID for everyone). */
  readonly group: string;
  /** Alice's direct chat with Bob, as Alice names it. */
  readonly direct: string;
}

/**
 * Writes one of every kind of durable event into Alice's log, mostly through the
 * published client (the writes are part of what the interop checks): messages,
 * edits, tapbacks, read receipts, unsend, contact cards, renames, members joining,
 * being removed and leaving, icons, polls and votes, backgrounds, and archiving (a
 * Threadline addition, so through `@threadline/chats`).
 */
export async function seedLog(fixture: InteropFixture): Promise<SeededLog> {
  const { alice, bob, carol } = fixture;
  const { chat: group } = await alice.photon.chats.create([bob.address, carol.address], {
    message: "Hello, group",
  });
  const { chat: direct } = await alice.photon.chats.create([bob.address], { message: "Hi Bob" });
  await bob.photon.messages.sendText(group.guid, "Hi all");
  const question = await alice.photon.messages.sendText(group.guid, "Plans?");
  await alice.photon.messages.edit(group.guid, question.guid, "Plans for Saturday?");
  await bob.photon.messages.setReaction(group.guid, question.guid, { kind: "love" }, true);
  await bob.photon.messages.setReaction(group.guid, question.guid, { kind: "love" }, false);
  await bob.photon.messages.setReaction(
    group.guid,
    question.guid,
    { kind: "emoji", emoji: "🎉" },
    true,
  );
  await bob.photon.chats.markRead(group.guid);
  const typo = await alice.photon.messages.sendText(group.guid, "Sent too son");
  await alice.photon.messages.unsend(group.guid, typo.guid);
  await alice.photon.chats.shareContactInfo(direct.guid);
  await alice.photon.groups.setDisplayName(group.guid, "Weekend");
  await alice.photon.groups.addParticipants(group.guid, ["dave@example.com"]);
  await alice.photon.groups.removeParticipants(group.guid, ["dave@example.com"]);
  await alice.photon.groups.setIcon(group.guid, pngBytes);
  await alice.photon.groups.removeIcon(group.guid);
  const poll = await alice.photon.polls.create(group.guid, "Where?", ["Pizza", "Sushi"]);
  const firstOption = poll.options[0];
  if (firstOption === undefined) throw new Error("CreatePoll answered a poll without options");
  await bob.photon.polls.vote(poll.pollMessageGuid, firstOption.optionIdentifier);
  await bob.photon.polls.unvote(poll.pollMessageGuid);
  await carol.photon.polls.addOption(poll.pollMessageGuid, "Tacos");
  await carol.photon.groups.leave(group.guid);
  await alice.photon.chats.setBackground(direct.guid, pngBytes);
  await alice.photon.chats.removeBackground(direct.guid);
  await bob.photon.messages.sendText(`any;-;${alice.address}`, "Saturday works for me");
  await alice.photon.chats.markRead(direct.guid);
  await alice.threadline.chats.archive(direct.guid);
  await alice.threadline.chats.unarchive(direct.guid);
  return { group: group.guid, direct: direct.guid };
}
