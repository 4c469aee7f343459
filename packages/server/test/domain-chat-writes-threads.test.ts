import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { photon } from "@threadline/protocol";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import type { Account } from "../src/auth/account.js";
import { getChat } from "../src/domain/chat-operations.js";
import { getIcon } from "../src/domain/group-operations.js";
import { listMessages, validateMessageList } from "../src/domain/message-lists.js";
import { getMessage, messageTargetInput } from "../src/domain/message-operations.js";
import { runWrite } from "../src/domain/write-operations.js";
import { ServerError } from "../src/errors/server-error.js";
import type { SqliteStore } from "../src/storage/sqlite-store.js";
import { openTestStore, storeModes } from "./support/test-store.js";

const v1 = photon.imessage.v1;
// The smallest byte string validateImage takes for a PNG: its signature and IHDR tag.
const pngBytes = Buffer.from("89504e470d0a1a0a0000000d49484452", "hex");

async function rejection(promise: Promise<unknown>): Promise<ServerError> {
  try {
    await promise;
  } catch (error) {
    if (error instanceof ServerError) return error;
    throw error;
  }
  throw new Error("expected the write to be refused");
}

// The target as a handler builds it: copied out of a request decoded from the wire.
function decodedTarget(chatGuid: string, messageGuid: string) {
  const request = v1.EditMessageRequest.decode(
    v1.EditMessageRequest.encode({ target: { chatGuid, messageGuid }, newText: "x" }).finish(),
  );
  return messageTargetInput(request.target);
}

describe.each(storeModes)("chat, group and message writes by name (%s)", (mode) => {
  let directory: string;
  let store: SqliteStore;
  let alice: Account;
  let bob: Account;
  let carol: Account;

  beforeEach(async () => {
    directory = await mkdtemp(join(tmpdir(), "threadline-chat-writes-"));
    store = openTestStore(join(directory, "threadline.db"), mode);
    expect(store.mode).toBe(mode);
    const create = async (address: string) =>
      (await runWrite(store, "accounts.create", { addresses: [address] })).account;
    alice = await create("alice@example.com");
    bob = await create("bob@example.com");
    carol = await create("carol@example.com");
  });

  afterEach(async () => {
    await store.close();
    await rm(directory, { recursive: true, force: true });
  });

  async function group(): Promise<string> {
    const created = await runWrite(store, "chats.create", {
      account: alice,
      input: {
        addresses: [bob.primaryAddress, carol.primaryAddress],
        message: { text: "hello, crew", subject: null, effectId: null },
      },
    });
    expect(created.initialMessage?.content?.text).toBe("hello, crew");
    const guid = created.chat?.guid ?? "";
    expect(guid).toMatch(/^any;\+;[0-9a-f]{32}$/);
    return guid;
  }

  it("a message is sent, edited, reacted to, notified and unsent from plain inputs", async () => {
    const chatGuid = await group();
    const sent = await runWrite(store, "messages.sendText", {
      account: alice,
      input: {
        chatGuid,
        text: "first draft",
        subject: null,
        effectId: null,
        replyToGuid: null,
        replyToPart: null,
        formatting: [{ type: "bold", start: 0, length: 5, effectName: null }],
        linkPreview: false,
        dataDetection: false,
      },
    });
    const messageGuid = sent.message?.guid ?? "";
    expect(sent.message?.content?.formatting).toEqual([{ type: "bold", start: 0, length: 5 }]);
    const target = decodedTarget(chatGuid, messageGuid);

    const edited = await runWrite(store, "messages.edit", {
      account: alice,
      target,
      newText: "final text",
    });
    expect(edited.message?.content).toEqual({ text: "final text" });
    expect(edited.message?.dateEdited).toBeDefined();

    const refused = await rejection(
      runWrite(store, "messages.edit", { account: bob, target, newText: "not mine" }),
    );
    expect(refused.errorCode).toBe("FAILED_PRECONDITION");
    expect(refused.message).toContain("only the sender can edit it");

    const reacted = await runWrite(store, "messages.setReaction", {
      account: bob,
      target,
      reaction: { kind: v1.MessageReactionKind.MESSAGE_REACTION_KIND_LIKE, emoji: null },
      isSet: true,
    });
    expect(reacted.message?.appliedReactions).toHaveLength(1);
    expect(reacted.message?.appliedReactions?.[0]?.sender?.address).toBe(bob.primaryAddress);

    await runWrite(store, "messages.notifySilenced", { account: alice, chatGuid, messageGuid });
    const seenByBob = await getMessage(store.repositories, bob, messageGuid);
    expect(seenByBob).toMatchObject({
      isFromMe: false,
      didNotifyRecipient: true,
      content: { text: "final text" },
    });

    await runWrite(store, "messages.unsend", { account: alice, target });
    const unsent = await getMessage(store.repositories, carol, messageGuid);
    expect(unsent.content).toEqual({});
    expect(unsent.dateRetracted).toBeDefined();
  });

  it("a group is renamed, given an icon, changes members and is left", async () => {
    const chatGuid = await group();
    const renamed = await runWrite(store, "groups.setDisplayName", {
      account: alice,
      chatGuid,
      displayName: "Crew",
    });
    expect(renamed.chat?.displayName).toBe("Crew");

    const request = v1.SetIconRequest.decode(
      v1.SetIconRequest.encode({ chatGuid, data: pngBytes }).finish(),
    );
    await runWrite(store, "groups.setIcon", {
      account: alice,
      chatGuid,
      image: { bytes: new Uint8Array(request.data), type: "image/png" },
    });
    const icon = await getIcon(store.repositories, carol, chatGuid);
    expect(Buffer.from(icon.data).equals(pngBytes)).toBe(true);
    expect(icon.mimeType).toBe("image/png");

    const removed = await runWrite(store, "groups.removeParticipants", {
      account: alice,
      chatGuid,
      addresses: [carol.primaryAddress],
    });
    expect(removed.chat?.participants?.map((each) => each.address)).toEqual([bob.primaryAddress]);
    const gone = await rejection(getChat(store.repositories, carol, chatGuid));
    expect(gone.errorCode).toBe("NOT_FOUND");

    const added = await runWrite(store, "groups.addParticipants", {
      account: alice,
      chatGuid,
      addresses: [carol.primaryAddress],
    });
    expect(added.chat?.participants?.map((each) => each.address)).toEqual([
      bob.primaryAddress,
      carol.primaryAddress,
    ]);
    // A member added again starts with everything earlier read.
    expect((await getChat(store.repositories, carol, chatGuid)).unreadCount).toBe(0);

    await runWrite(store, "groups.removeIcon", { account: alice, chatGuid });
    expect((await rejection(getIcon(store.repositories, alice, chatGuid))).errorCode).toBe(
      "NOT_FOUND",
    );
    await runWrite(store, "groups.leave", { account: bob, chatGuid });
    expect((await rejection(getChat(store.repositories, bob, chatGuid))).errorCode).toBe(
      "NOT_FOUND",
    );
  });

  it("a chat is read, archived, given a background and a contact card per account", async () => {
    const chatGuid = await group();
    expect((await getChat(store.repositories, bob, chatGuid)).unreadCount).toBe(1);
    await runWrite(store, "chats.markRead", { account: bob, chatGuid });
    await runWrite(store, "chats.setArchived", { account: bob, chatGuid, archived: true });
    expect(await getChat(store.repositories, bob, chatGuid)).toMatchObject({
      unreadCount: 0,
      isArchived: true,
    });
    // Read marks and archive flags are the caller's own.
    expect(await getChat(store.repositories, carol, chatGuid)).toMatchObject({
      unreadCount: 1,
      isArchived: false,
    });

    await runWrite(store, "chats.setBackground", {
      account: carol,
      chatGuid,
      image: { bytes: new Uint8Array(pngBytes), type: "image/png" },
    });
    await runWrite(store, "chats.shareContactInfo", { account: carol, chatGuid });
    const page = await listMessages(
      store.repositories,
      alice,
      validateMessageList({ chatGuid, pageSize: 10 }),
    );
    expect(page.messages.map((message) => message.content?.text)).toEqual([
      "BEGIN:VCARD\r\nVERSION:3.0\r\nFN:carol@example.com\r\nEMAIL:carol@example.com\r\nEND:VCARD",
      "hello, crew",
    ]);
    await runWrite(store, "chats.removeBackground", { account: carol, chatGuid });

    const unknown = await rejection(
      runWrite(store, "chats.markRead", { account: bob, chatGuid: "any;+;0000" }),
    );
    expect(unknown.errorCode).toBe("NOT_FOUND");
  });
});
