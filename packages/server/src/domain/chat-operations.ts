import type { photon } from "@threadline/protocol";
import type { Account } from "../auth/account.js";
import { invalidArgument } from "../errors/common-errors.js";
import type { Repositories } from "../storage/repositories.js";
import type { WriteContext } from "../storage/write-context.js";
import { normalizeAddressList } from "./address.js";
import { chatAccountState, markReadThrough } from "./chat-account-state.js";
import {
  type ChatRecord,
  chatViewers,
  findOrInsertDirectChat,
  insertGroupChat,
  resolveChat,
  resolveChatForChange,
  viewerFor,
} from "./chat-records.js";
import { chatView } from "./chat-view.js";
import { envelopeFor } from "./event-envelope.js";
import type { ImageType } from "./image-type.js";
import { validateEffect } from "./message-effect.js";
import { sendMessage, sendMessageWithFacts } from "./message-fan-out.js";
import { messageViewFrom } from "./message-view.js";
import { limitText, maxMessageTextLength, optionalText, requireText } from "./text-rules.js";

type Properties = {
  Chat: photon.imessage.v1.Chat.$Properties;
  CreateChatResponse: photon.imessage.v1.CreateChatResponse.$Properties;
};

/** Most participants a group may be created with (besides the creator). */
export const maxGroupRecipients = 100;

/** A CreateChat request after validation. */
export interface CreateChatInput {
  readonly addresses: readonly string[];
  readonly message?: {
    readonly text: string;
    readonly subject: string | null;
    readonly effectId: string | null;
  };
}

/**
 * Validates a CreateChat request without touching the database: normalised distinct
 * addresses (at most {@link maxGroupRecipients}), none of them the caller's own
 * (a chat with yourself has no GUID from your side), and an opening message whose
 * effect is allowed only together with text. Throws INVALID_ARGUMENT.
 */
export function validateCreateChat(
  request: photon.imessage.v1.CreateChatRequest.$Properties,
  account: Account,
): CreateChatInput {
  const addresses = normalizeAddressList(request.addresses ?? []);
  if (addresses.length > maxGroupRecipients) {
    throw invalidArgument(
      `addresses lists ${addresses.length} recipients; a chat may have at most ${maxGroupRecipients}`,
      { field: "addresses" },
    );
  }
  const own = addresses.find((address) => account.addresses.includes(address));
  if (own !== undefined) {
    throw invalidArgument(
      `addresses includes ${JSON.stringify(own)}, which is one of your own addresses; list only the other participants (you are added automatically)`,
      { field: "addresses" },
    );
  }
  const initial = request.initialMessage;
  if (initial === undefined || initial === null) return { addresses };
  const text = initial.text ?? "";
  const effectId = validateEffect(initial.effectId, "initial_message.effect_id");
  if (text.trim().length === 0 && effectId !== null) {
    throw invalidArgument(
      "initial_message.effect_id is set but there is no message text; an effect applies only to an opening message, so send text with it or leave the effect out",
      { field: "initial_message.effect_id" },
    );
  }
  return {
    addresses,
    message: {
      text: requireText(text, "initial_message.text", maxMessageTextLength),
      subject:
        limitText(
          optionalText(initial.subject) ?? "",
          "initial_message.subject",
          maxMessageTextLength,
        ) || null,
      effectId,
    },
  };
}

/**
 * Resolves or creates the chat: one address gives the direct chat between the caller's
 * primary address and it (the existing one when either side created it before), two
 * or more a new group with the caller first. Sends the opening message, if any, as
 * `message.received` to everyone who can see the chat. Run inside a write.
 */
export async function createChat(
  context: WriteContext,
  account: Account,
  input: CreateChatInput,
): Promise<Properties["CreateChatResponse"]> {
  const { repositories, now } = context;
  let chat: ChatRecord | undefined;
  const [only, ...rest] = input.addresses;
  if (only !== undefined && rest.length === 0) {
    for (const own of account.addresses) {
      chat = await repositories.chats.findDirect(own, only);
      if (chat !== undefined) break;
    }
    chat ??= await findOrInsertDirectChat(repositories, account.primaryAddress, only, now);
  } else {
    chat = await insertGroupChat(repositories, [account.primaryAddress, ...input.addresses], now);
  }
  const viewer = viewerFor(chat, account);
  if (viewer === undefined)
    throw new Error("the creator is not a participant of the chat it created");
  if (input.message === undefined) return { chat: await chatView(repositories, chat, viewer) };
  const { message, facts } = await sendMessageWithFacts(
    context,
    { chat, viewer },
    {
      kind: "text",
      replyToGuid: null,
      ...input.message,
    },
  );
  return {
    chat: await chatView(repositories, chat, viewer),
    initialMessage: messageViewFrom(message, facts, account.id, viewer.chatGuid),
  };
}

/** The chat as the caller sees it. Throws NOT_FOUND for unknown chats and chats of others. */
export async function getChat(
  repositories: Repositories,
  account: Account,
  chatGuid: string,
): Promise<Properties["Chat"]> {
  const { chat, viewer } = await resolveChat(repositories, account, chatGuid);
  return chatView(repositories, chat, viewer);
}

/** How many chats the caller takes part in; archived ones only when asked. */
export async function countChats(
  repositories: Repositories,
  account: Account,
  includeArchived: boolean,
): Promise<number> {
  return repositories.chats.countForAddresses(account.id, account.addresses, includeArchived);
}

/**
 * Marks every message of the chat read for the caller. When something was unread:
 * `chat.markedRead` to the caller's own log and `message.read` to each sender's log
 * for each of its messages that became read. Nothing unread: no change, no event.
 * Run inside a write.
 */
export async function markChatRead(
  context: WriteContext,
  account: Account,
  chatGuid: string,
): Promise<void> {
  const { repositories, now } = context;
  const { chat, viewer } = await resolveChatForChange(repositories, account, chatGuid);
  const state = await chatAccountState(repositories, chat.id, account.id);
  const unread = await repositories.messages.listUnread(
    chat.id,
    account.id,
    state.readThroughMessageId,
  );
  await markReadThrough(
    repositories,
    chat.id,
    account.id,
    await repositories.messages.newestIdInChat(chat.id),
  );
  if (unread.length === 0) return;
  const actor = { accountId: account.id, address: viewer.address };
  context.appendEvent(account.id, {
    kind: "chat",
    event: { ...envelopeFor(viewer, actor, now), markedRead: {} },
  });
  const senders = new Map(
    (await chatViewers(repositories, chat)).map(
      (senderView) => [senderView.accountId, senderView] as const,
    ),
  );
  const readAt = envelopeFor(viewer, actor, now).occurredAt;
  for (const message of unread) {
    const senderView = senders.get(message.senderAccountId);
    // A sender who has since left the group no longer sees the chat.
    if (senderView === undefined) continue;
    context.appendEvent(senderView.accountId, {
      kind: "message",
      event: {
        ...envelopeFor(senderView, actor, now),
        messageRead: { messageGuid: message.guid, readAt },
      },
    });
  }
}

/** Checks a typing update: the chat must exist for the caller. Typing is never stored or logged. */
export async function checkTyping(
  repositories: Repositories,
  account: Account,
  chatGuid: string,
): Promise<void> {
  await resolveChat(repositories, account, chatGuid);
}

/**
 * The caller's contact card as vCard 3.0 text: its primary address as the name, and
 * every address as EMAIL or TEL. The server knows nothing else about a person.
 */
export function contactCard(account: Account): string {
  const lines = ["BEGIN:VCARD", "VERSION:3.0", `FN:${account.primaryAddress}`];
  for (const address of account.addresses) {
    lines.push(address.includes("@") ? `EMAIL:${address}` : `TEL;TYPE=CELL:${address}`);
  }
  lines.push("END:VCARD");
  return lines.join("\r\n");
}

/**
 * Sends the caller's contact card into the chat as a message whose text is the vCard
 * from {@link contactCard}: `message.received` to everyone in the chat, like any
 * message. Run inside a write.
 */
export async function shareContactInfo(
  context: WriteContext,
  account: Account,
  chatGuid: string,
): Promise<void> {
  const { chat, viewer } = await resolveChat(context.repositories, account, chatGuid);
  await sendMessage(context, chat, viewer, {
    kind: "contact",
    text: contactCard(account),
    subject: null,
    effectId: null,
    replyToGuid: null,
  });
}

/**
 * Stores the background (already validated) and appends `chat.backgroundChanged` to
 * everyone in the chat, also when it replaces an earlier one. Run inside a write.
 */
export async function setBackground(
  context: WriteContext,
  account: Account,
  chatGuid: string,
  image: { readonly bytes: Uint8Array; readonly type: ImageType },
): Promise<void> {
  const { chat, viewer } = await resolveChatForChange(context.repositories, account, chatGuid);
  await context.repositories.chats.setBackground(chat.id, image);
  const actor = { accountId: account.id, address: viewer.address };
  for (const each of await chatViewers(context.repositories, chat)) {
    context.appendEvent(each.accountId, {
      kind: "chat",
      event: { ...envelopeFor(each, actor, context.now), backgroundChanged: {} },
    });
  }
}

/** Whether the chat has a custom background. Throws NOT_FOUND like {@link getChat}. */
export async function hasBackground(
  repositories: Repositories,
  account: Account,
  chatGuid: string,
): Promise<boolean> {
  return (await resolveChat(repositories, account, chatGuid)).chat.backgroundType !== null;
}

/**
 * Removes the background. Safe to repeat: only a removal of an existing background
 * appends `chat.backgroundRemoved` (to everyone in the chat). Run inside a write.
 */
export async function removeBackground(
  context: WriteContext,
  account: Account,
  chatGuid: string,
): Promise<void> {
  const { chat, viewer } = await resolveChatForChange(context.repositories, account, chatGuid);
  if (chat.backgroundType === null) return;
  await context.repositories.chats.clearBackground(chat.id);
  const actor = { accountId: account.id, address: viewer.address };
  for (const each of await chatViewers(context.repositories, chat)) {
    context.appendEvent(each.accountId, {
      kind: "chat",
      event: { ...envelopeFor(each, actor, context.now), backgroundRemoved: {} },
    });
  }
}
