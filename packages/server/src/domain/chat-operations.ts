import type { photon } from "@threadline/protocol";
import type { Database } from "better-sqlite3";
import type { Account } from "../auth/account.js";
import { invalidArgument } from "../errors/common-errors.js";
import { cachedStatement } from "../storage/statement-cache.js";
import type { WriteContext } from "../storage/write-context.js";
import { normalizeAddressList } from "./address.js";
import { chatAccountState, markReadThrough } from "./chat-account-state.js";
import {
  type ChatRecord,
  chatViewers,
  findDirectChat,
  insertDirectChat,
  insertGroupChat,
  resolveChat,
  viewerFor,
} from "./chat-records.js";
import { chatView } from "./chat-view.js";
import { envelopeFor } from "./event-envelope.js";
import type { ImageType } from "./image-type.js";
import { validateEffect } from "./message-effect.js";
import { sendMessage } from "./message-fan-out.js";
import { newestMessageId, unreadMessages } from "./message-records.js";
import { messageView } from "./message-view.js";
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
export function createChat(
  context: WriteContext,
  account: Account,
  input: CreateChatInput,
): Properties["CreateChatResponse"] {
  const { db, now } = context;
  let chat: ChatRecord | undefined;
  const [only, ...rest] = input.addresses;
  if (only !== undefined && rest.length === 0) {
    for (const own of account.addresses) {
      chat = findDirectChat(db, own, only);
      if (chat !== undefined) break;
    }
    chat ??= insertDirectChat(db, account.primaryAddress, only, now);
  } else {
    chat = insertGroupChat(db, [account.primaryAddress, ...input.addresses], now);
  }
  const viewer = viewerFor(chat, account);
  if (viewer === undefined)
    throw new Error("the creator is not a participant of the chat it created");
  if (input.message === undefined) return { chat: chatView(db, chat, viewer) };
  const message = sendMessage(context, chat, viewer, {
    kind: "text",
    replyToGuid: null,
    ...input.message,
  });
  return {
    chat: chatView(db, chat, viewer),
    initialMessage: messageView(db, message, account.id, viewer.chatGuid, []),
  };
}

/** The chat as the caller sees it. Throws NOT_FOUND for unknown chats and chats of others. */
export function getChat(db: Database, account: Account, chatGuid: string): Properties["Chat"] {
  const { chat, viewer } = resolveChat(db, account, chatGuid);
  return chatView(db, chat, viewer);
}

/** How many chats the caller takes part in; archived ones only when asked. */
export function countChats(db: Database, account: Account, includeArchived: boolean): number {
  const placeholders = account.addresses.map(() => "?").join(", ");
  const row = db
    .prepare<unknown[], { count: number }>(
      `SELECT COUNT(DISTINCT p.chat_id) AS count FROM chat_participants p
       LEFT JOIN chat_account_state s ON s.chat_id = p.chat_id AND s.account_id = ?
       WHERE p.address IN (${placeholders})${includeArchived ? "" : " AND COALESCE(s.is_archived, 0) = 0"}`,
    )
    .get(account.id, ...account.addresses);
  return row?.count ?? 0;
}

/**
 * Marks every message of the chat read for the caller. When something was unread:
 * `chat.markedRead` to the caller's own log and `message.read` to each sender's log
 * for each of its messages that became read. Nothing unread: no change, no event.
 * Run inside a write.
 */
export function markChatRead(context: WriteContext, account: Account, chatGuid: string): void {
  const { db, now } = context;
  const { chat, viewer } = resolveChat(db, account, chatGuid);
  const state = chatAccountState(db, chat.id, account.id);
  const unread = unreadMessages(db, chat.id, account.id, state.readThroughMessageId);
  markReadThrough(db, chat.id, account.id, newestMessageId(db, chat.id));
  if (unread.length === 0) return;
  const actor = { accountId: account.id, address: viewer.address };
  context.appendEvent(account.id, {
    kind: "chat",
    event: { ...envelopeFor(viewer, actor, now), markedRead: {} },
  });
  const senders = new Map(
    chatViewers(db, chat).map((senderView) => [senderView.accountId, senderView] as const),
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
export function checkTyping(db: Database, account: Account, chatGuid: string): void {
  resolveChat(db, account, chatGuid);
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
export function shareContactInfo(context: WriteContext, account: Account, chatGuid: string): void {
  const { chat, viewer } = resolveChat(context.db, account, chatGuid);
  sendMessage(context, chat, viewer, {
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
export function setBackground(
  context: WriteContext,
  account: Account,
  chatGuid: string,
  image: { readonly bytes: Uint8Array; readonly type: ImageType },
): void {
  const { chat, viewer } = resolveChat(context.db, account, chatGuid);
  cachedStatement<[Buffer, string, number]>(
    context.db,
    "UPDATE chats SET background = ?, background_type = ? WHERE id = ?",
  ).run(
    Buffer.from(image.bytes.buffer, image.bytes.byteOffset, image.bytes.byteLength),
    image.type,
    chat.id,
  );
  const actor = { accountId: account.id, address: viewer.address };
  for (const each of chatViewers(context.db, chat)) {
    context.appendEvent(each.accountId, {
      kind: "chat",
      event: { ...envelopeFor(each, actor, context.now), backgroundChanged: {} },
    });
  }
}

/** Whether the chat has a custom background. Throws NOT_FOUND like {@link getChat}. */
export function hasBackground(db: Database, account: Account, chatGuid: string): boolean {
  return resolveChat(db, account, chatGuid).chat.backgroundType !== null;
}

/**
 * Removes the background. Safe to repeat: only a removal of an existing background
 * appends `chat.backgroundRemoved` (to everyone in the chat). Run inside a write.
 */
export function removeBackground(context: WriteContext, account: Account, chatGuid: string): void {
  const { chat, viewer } = resolveChat(context.db, account, chatGuid);
  if (chat.backgroundType === null) return;
  cachedStatement<[number]>(
    context.db,
    "UPDATE chats SET background = NULL, background_type = NULL WHERE id = ?",
  ).run(chat.id);
  const actor = { accountId: account.id, address: viewer.address };
  for (const each of chatViewers(context.db, chat)) {
    context.appendEvent(each.accountId, {
      kind: "chat",
      event: { ...envelopeFor(each, actor, context.now), backgroundRemoved: {} },
    });
  }
}
