import type { photon } from "@threadline/protocol";
import type { Account } from "../auth/account.js";
import { findAccountIdsByAddresses } from "../auth/account-directory.js";
import { invalidArgument, notFound } from "../errors/common-errors.js";
import type { Repositories } from "../storage/repositories.js";
import type { WriteContext } from "../storage/write-context.js";
import { normalizeAddressList } from "./address.js";
import { markReadThrough } from "./chat-account-state.js";
import { maxGroupRecipients } from "./chat-operations.js";
import {
  appendParticipants,
  type ChatRecord,
  type ChatViewer,
  chatViewers,
  deleteParticipants,
  type ResolvedChat,
  resolveChat,
  resolveChatForChange,
} from "./chat-records.js";
import { chatView } from "./chat-view.js";
import { type Actor, addressInfo, envelopeFor } from "./event-envelope.js";
import type { ImageType } from "./image-type.js";
import { limitText, maxShortTextLength } from "./text-rules.js";

type ChatProperties = photon.imessage.v1.Chat.$Properties;
type GroupChange = Omit<
  photon.imessage.v1.GroupChangeEvent.$Properties,
  "chatGuid" | "occurredAt" | "actor" | "isFromMe"
>;

/** The caller's group; a direct chat is INVALID_ARGUMENT (groups only), an unknown one NOT_FOUND. */
export async function resolveGroup(
  repositories: Repositories,
  account: Account,
  chatGuid: string,
): Promise<ResolvedChat> {
  return requireGroup(await resolveChat(repositories, account, chatGuid), chatGuid);
}

/**
 * {@link resolveGroup} for a write that checks the group and then changes it: the chat
 * is locked for the rest of the write and read once the lock is held
 * ({@link resolveChatForChange}), so two members changing the group at once (two
 * processes on PostgreSQL) decide one after the other.
 */
export async function resolveGroupForChange(
  repositories: Repositories,
  account: Account,
  chatGuid: string,
  lock: "state" | "membership" = "state",
): Promise<ResolvedChat> {
  return requireGroup(
    await resolveChatForChange(repositories, account, chatGuid, "chat_guid", lock),
    chatGuid,
  );
}

function requireGroup(resolved: ResolvedChat, chatGuid: string): ResolvedChat {
  if (!resolved.chat.isGroup) {
    throw invalidArgument(
      `chat ${JSON.stringify(chatGuid)} is a direct chat; names, members and icons exist only for group chats ("any;+;<id>")`,
      { field: "chat_guid" },
    );
  }
  return resolved;
}

function appendGroupEvent(
  context: WriteContext,
  viewers: readonly ChatViewer[],
  actor: Actor,
  change: GroupChange,
): void {
  for (const viewer of viewers) {
    context.appendEvent(viewer.accountId, {
      kind: "group",
      event: { ...envelopeFor(viewer, actor, context.now), ...change },
    });
  }
}

function reloadedView(
  repositories: Repositories,
  chat: ChatRecord,
  viewer: ChatViewer,
  changes: Partial<ChatRecord>,
): Promise<ChatProperties> {
  return chatView(repositories, { ...chat, ...changes }, viewer);
}

/** Validates a group name: at most 256 characters; empty clears the name. */
export function validateDisplayName(value: string): string {
  return limitText(value.trim(), "display_name", maxShortTextLength);
}

/**
 * Renames the group (an empty name clears it) and appends `group.changed`
 * displayNameChanged to every member. The same name again changes nothing and appends
 * nothing. Run inside a write.
 */
export async function setDisplayName(
  context: WriteContext,
  account: Account,
  chatGuid: string,
  displayName: string,
): Promise<ChatProperties> {
  const { repositories } = context;
  const { chat, viewer } = await resolveGroupForChange(repositories, account, chatGuid);
  const stored = displayName === "" ? null : displayName;
  if (stored === chat.displayName) return chatView(repositories, chat, viewer);
  await repositories.chats.setDisplayName(chat.id, stored);
  appendGroupEvent(
    context,
    await chatViewers(repositories, chat),
    { accountId: account.id, address: viewer.address },
    {
      displayNameChanged: { displayName },
    },
  );
  return reloadedView(repositories, chat, viewer, { displayName: stored });
}

/** Validates an address list for AddParticipants / RemoveParticipants. */
export function validateParticipantList(addresses: readonly string[]): string[] {
  const normalized = normalizeAddressList(addresses);
  if (normalized.length > maxGroupRecipients) {
    throw invalidArgument(
      `addresses lists ${normalized.length} addresses; at most ${maxGroupRecipients} at once`,
      {
        field: "addresses",
      },
    );
  }
  return normalized;
}

/**
 * Adds members and appends one `group.changed` participantAdded per new member to
 * everyone in the group afterwards, the new members included. An address that is
 * already a member is INVALID_ARGUMENT (nothing is added). New members start with
 * every earlier message read. Run inside a write.
 */
export async function addParticipants(
  context: WriteContext,
  account: Account,
  chatGuid: string,
  addresses: readonly string[],
): Promise<ChatProperties> {
  const { repositories } = context;
  const { chat, viewer } = await resolveGroupForChange(
    repositories,
    account,
    chatGuid,
    "membership",
  );
  const present = addresses.find((address) => chat.participants.includes(address));
  if (present !== undefined) {
    throw invalidArgument(
      `${present} is already a participant of this group; list only new participants`,
      {
        field: "addresses",
      },
    );
  }
  if (chat.participants.length + addresses.length > maxGroupRecipients + 1) {
    throw invalidArgument(`a group may have at most ${maxGroupRecipients + 1} participants`, {
      field: "addresses",
    });
  }
  await appendParticipants(repositories, chat.id, addresses);
  const after: ChatRecord = { ...chat, participants: [...chat.participants, ...addresses] };
  const newest = await repositories.messages.newestIdInChat(chat.id);
  for (const accountId of (await findAccountIdsByAddresses(repositories, addresses)).values()) {
    await markReadThrough(repositories, chat.id, accountId, newest);
  }
  const viewers = await chatViewers(repositories, after);
  const actor = { accountId: account.id, address: viewer.address };
  for (const address of addresses) {
    appendGroupEvent(context, viewers, actor, {
      participantAdded: { participant: addressInfo(address) },
    });
  }
  return chatView(repositories, after, viewer);
}

/**
 * Removes members and appends one `group.changed` participantRemoved per removed
 * member to everyone who was in the group before, the removed members included (after
 * that they no longer see the group). Removing yourself is INVALID_ARGUMENT (use
 * LeaveGroup); an address that is not a member is INVALID_ARGUMENT. Run inside a write.
 */
export async function removeParticipants(
  context: WriteContext,
  account: Account,
  chatGuid: string,
  addresses: readonly string[],
): Promise<ChatProperties> {
  const { repositories } = context;
  const { chat, viewer } = await resolveGroupForChange(
    repositories,
    account,
    chatGuid,
    "membership",
  );
  if (addresses.includes(viewer.address)) {
    throw invalidArgument(
      `${viewer.address} is your own address; use LeaveGroup to leave a group`,
      {
        field: "addresses",
      },
    );
  }
  const absent = addresses.find((address) => !chat.participants.includes(address));
  if (absent !== undefined) {
    throw invalidArgument(
      `${absent} is not a participant of this group; list only current participants`,
      {
        field: "addresses",
      },
    );
  }
  const viewersBefore = await chatViewers(repositories, chat);
  await deleteParticipants(repositories, chat.id, addresses);
  const actor = { accountId: account.id, address: viewer.address };
  for (const address of addresses) {
    appendGroupEvent(context, viewersBefore, actor, {
      participantRemoved: { participant: addressInfo(address) },
    });
  }
  const after: ChatRecord = {
    ...chat,
    participants: chat.participants.filter((address) => !addresses.includes(address)),
  };
  return chatView(repositories, after, viewer);
}

/**
 * The caller leaves the group: `group.changed` participantLeft to everyone who was in
 * it, the caller included; afterwards the group is NOT_FOUND for the caller. Run
 * inside a write.
 */
export async function leaveGroup(
  context: WriteContext,
  account: Account,
  chatGuid: string,
): Promise<void> {
  const { repositories } = context;
  const { chat, viewer } = await resolveGroupForChange(
    repositories,
    account,
    chatGuid,
    "membership",
  );
  const viewersBefore = await chatViewers(repositories, chat);
  const own = chat.participants.filter((address) => account.addresses.includes(address));
  await deleteParticipants(repositories, chat.id, own);
  appendGroupEvent(
    context,
    viewersBefore,
    { accountId: account.id, address: viewer.address },
    {
      participantLeft: { participant: addressInfo(viewer.address) },
    },
  );
}

/**
 * Stores the group icon (already validated) and appends `group.changed` iconChanged to
 * every member. Run inside a write.
 */
export async function setIcon(
  context: WriteContext,
  account: Account,
  chatGuid: string,
  image: { readonly bytes: Uint8Array; readonly type: ImageType },
): Promise<void> {
  const { repositories } = context;
  const { chat, viewer } = await resolveGroupForChange(repositories, account, chatGuid);
  await repositories.chats.setIcon(chat.id, image);
  appendGroupEvent(
    context,
    await chatViewers(repositories, chat),
    {
      accountId: account.id,
      address: viewer.address,
    },
    { iconChanged: {} },
  );
}

/** Removes the group icon; safe to repeat (only a real removal appends iconRemoved). Run inside a write. */
export async function removeIcon(
  context: WriteContext,
  account: Account,
  chatGuid: string,
): Promise<void> {
  const { repositories } = context;
  const { chat, viewer } = await resolveGroupForChange(repositories, account, chatGuid);
  if (chat.iconType === null) return;
  await repositories.chats.clearIcon(chat.id);
  appendGroupEvent(
    context,
    await chatViewers(repositories, chat),
    { accountId: account.id, address: viewer.address },
    {
      iconRemoved: {},
    },
  );
}

/** The group icon's bytes and MIME type; NOT_FOUND when the group has no icon. */
export async function getIcon(
  repositories: Repositories,
  account: Account,
  chatGuid: string,
): Promise<{ data: Uint8Array; mimeType: string }> {
  const { chat } = await resolveGroup(repositories, account, chatGuid);
  const icon = await repositories.chats.findIcon(chat.id);
  if (icon === undefined) {
    throw notFound(`group ${JSON.stringify(chatGuid)} has no icon; set one with SetIcon`);
  }
  return { data: icon.bytes, mimeType: icon.type };
}
