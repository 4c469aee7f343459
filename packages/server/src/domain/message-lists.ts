import { createHash } from "node:crypto";
import { type google, type photon, timestampToDate } from "@threadline/protocol";
import type { Account } from "../auth/account.js";
import { invalidArgument } from "../errors/common-errors.js";
import type { Repositories } from "../storage/repositories.js";
import { chatAccountState } from "./chat-account-state.js";
import { type ChatRecord, resolveChat, viewerFor } from "./chat-records.js";
import type { MessageRecord } from "./message-records.js";
import { messageView } from "./message-view.js";

type MessageProperties = photon.imessage.v1.Message.$Properties;
type TimestampProperties = google.protobuf.Timestamp.$Properties;

/** Messages per page when the request names no `page_size`. */
export const defaultMessagePageSize = 50;
/** The largest `page_size` a list accepts (the published client documents 1..100). */
export const maxMessagePageSize = 100;

/** A ListRecentMessages / ListChatMessages request after validation. */
export interface MessageListQuery {
  /** The chat to list (its GUID from the caller's side); null lists every chat the caller is in. */
  readonly chatGuid: string | null;
  readonly pageSize: number;
  /** List only messages with a smaller id than this; null starts at the newest. */
  readonly beforeId: number | null;
  readonly isFromMe: boolean | null;
  readonly isRead: boolean | null;
  /** `date_created >= afterMs` (inclusive), Unix milliseconds. */
  readonly afterMs: number | null;
  /** `date_created < beforeMs` (exclusive), Unix milliseconds. */
  readonly beforeMs: number | null;
}

/** One page, newest first; `nextPageToken` is absent on the last page. */
export interface MessagePage {
  readonly messages: MessageProperties[];
  readonly nextPageToken?: string;
}

interface ListFields {
  readonly chatGuid?: string | null;
  readonly pageSize?: number | null;
  readonly pageToken?: string | null;
  readonly isFromMe?: boolean | null;
  readonly isRead?: boolean | null;
  readonly before?: TimestampProperties | null;
  readonly after?: TimestampProperties | null;
}

function checkPageSize(pageSize: number | null | undefined): number {
  if (pageSize === undefined || pageSize === null) return defaultMessagePageSize;
  if (!Number.isInteger(pageSize) || pageSize < 1 || pageSize > maxMessagePageSize) {
    throw invalidArgument(
      `page_size must be an integer from 1 to ${maxMessagePageSize} (omit it for ${defaultMessagePageSize}); received ${pageSize}`,
      { field: "page_size" },
    );
  }
  return pageSize;
}

// A timestamp bound in whole milliseconds: both bounds round up, because stored times
// are whole milliseconds and `created >= after` / `created < before` in nanoseconds is
// `created >= ceil(after)` / `created < ceil(before)` in milliseconds.
function boundMs(value: TimestampProperties | null | undefined, field: string): number | null {
  if (value === undefined || value === null) return null;
  let date: Date;
  try {
    date = timestampToDate(value);
  } catch (error) {
    throw invalidArgument(
      `${field} is not a valid timestamp: ${error instanceof Error ? error.message : String(error)}`,
      { field },
    );
  }
  const nanos = value.nanos ?? 0;
  return date.getTime() + (nanos % 1_000_000 === 0 ? 0 : 1);
}

// The filters a page token is bound to. A token only continues the listing it came from.
function filterFingerprint(fields: Omit<MessageListQuery, "pageSize" | "beforeId">): string {
  return createHash("sha256")
    .update(
      JSON.stringify([
        fields.chatGuid,
        fields.isFromMe,
        fields.isRead,
        fields.afterMs,
        fields.beforeMs,
      ]),
    )
    .digest("base64url")
    .slice(0, 16);
}

const tokenVersion = "m1";
const tokenRule =
  "pass the next_page_token of the previous page unchanged, with the same chat and filters, or omit page_token to start at the newest message";

function pageToken(lastId: number, fingerprint: string): string {
  return Buffer.from(`${tokenVersion}.${lastId}.${fingerprint}`, "utf8").toString("base64url");
}

function checkPageToken(token: string | null | undefined, fingerprint: string): number | null {
  if (token === undefined || token === null || token === "") return null;
  const refuse = (why: string) =>
    invalidArgument(`page_token ${JSON.stringify(token.slice(0, 64))} ${why}; ${tokenRule}`, {
      field: "page_token",
    });
  if (!/^[A-Za-z0-9_-]{1,128}$/.test(token)) throw refuse("is not a page token of this server");
  const decoded = Buffer.from(token, "base64url").toString("utf8");
  // Base64 decoding ignores stray trailing bits; only the exact encoding is a token.
  if (Buffer.from(decoded, "utf8").toString("base64url") !== token) {
    throw refuse("is not a page token of this server");
  }
  const [version, id, boundTo, ...rest] = decoded.split(".");
  const lastId = Number(id);
  if (
    version !== tokenVersion ||
    rest.length > 0 ||
    id === undefined ||
    !/^[1-9][0-9]{0,15}$/.test(id) ||
    !Number.isSafeInteger(lastId)
  ) {
    throw refuse("is not a page token of this server");
  }
  if (boundTo !== fingerprint) throw refuse("belongs to a listing with another chat or filters");
  return lastId;
}

/**
 * Validates a list request without the database. Page size: default
 * {@link defaultMessagePageSize}, 1 to {@link maxMessagePageSize}. A page token only
 * continues the listing (chat and filters) that issued it. `after` must be earlier than
 * `before`. Throws INVALID_ARGUMENT naming the field and what is allowed.
 */
export function validateMessageList(fields: ListFields): MessageListQuery {
  const afterMs = boundMs(fields.after, "after");
  const beforeMs = boundMs(fields.before, "before");
  if (afterMs !== null && beforeMs !== null && afterMs >= beforeMs) {
    throw invalidArgument(
      "after must be earlier than before: the window is [after, before), and this one is empty",
      { field: "after" },
    );
  }
  const filters = {
    chatGuid: fields.chatGuid ?? null,
    isFromMe: fields.isFromMe ?? null,
    isRead: fields.isRead ?? null,
    afterMs,
    beforeMs,
  };
  const pageSize = checkPageSize(fields.pageSize);
  const beforeId = checkPageToken(fields.pageToken, filterFingerprint(filters));
  return { ...filters, pageSize, beforeId };
}

/**
 * One page of the messages the caller can see, newest first (by storage order, which
 * is the order of `date_created` unless the server clock stepped back). "Can see" is
 * what GetMessage allows: every message of every chat one of the caller's addresses
 * currently takes part in. A message is read for the caller when the caller sent it,
 * it is at or before the caller's read marker of its chat, or it was unsent (the
 * rule of the unread count). Reads the messages tables only, never the event log, so
 * retention does not change a listing. Pages continue below the last message of the
 * previous page: messages stored after the first page appear only in a new listing,
 * and the pages of one listing never repeat or skip a message. NOT_FOUND for a chat
 * the caller does not take part in.
 */
export async function listMessages(
  repositories: Repositories,
  account: Account,
  query: MessageListQuery,
): Promise<MessagePage> {
  const chatIds =
    query.chatGuid !== null
      ? [(await resolveChat(repositories, account, query.chatGuid)).chat.id]
      : await repositories.chats.listIdsForAddresses(account.addresses);
  // Newest first across chats: each chat's newest matching ids come from its
  // (chat_id, id) index, and the page is the newest of those. One ordered index walk per
  // chat keeps a page's cost independent of how deep into the listing it is.
  const limit = query.pageSize + 1;
  const candidates: number[] = [];
  for (const chatId of chatIds) {
    candidates.push(...(await newestIds(repositories, account, chatId, query, limit)));
  }
  candidates.sort((first, second) => second - first);
  const ids = candidates.slice(0, limit);
  const page: MessageRecord[] = [];
  for (const id of ids.slice(0, query.pageSize)) {
    const message = await repositories.messages.findById(id);
    if (message !== undefined) page.push(message);
  }
  const chats = new Map<number, ChatRecord | undefined>();
  const messages: MessageProperties[] = [];
  for (const message of page) {
    if (!chats.has(message.chatId)) {
      chats.set(message.chatId, await repositories.chats.find(message.chatId));
    }
    const chat = chats.get(message.chatId);
    const viewer = chat === undefined ? undefined : viewerFor(chat, account);
    // The ids come from the caller's chats only; this only guards the view.
    if (viewer === undefined) continue;
    messages.push(await messageView(repositories, message, account.id, viewer.chatGuid));
  }
  const last = page.at(-1);
  return ids.length > query.pageSize && last !== undefined
    ? { messages, nextPageToken: pageToken(last.id, filterFingerprint(query)) }
    : { messages };
}

/** The ids of the newest `limit` messages of one chat that match the query, newest first. */
async function newestIds(
  repositories: Repositories,
  account: Account,
  chatId: number,
  query: MessageListQuery,
  limit: number,
): Promise<number[]> {
  const readThroughMessageId =
    query.isRead === null
      ? 0
      : (await chatAccountState(repositories, chatId, account.id)).readThroughMessageId;
  return repositories.messages.listNewestIds(
    chatId,
    {
      beforeId: query.beforeId,
      accountId: account.id,
      isFromMe: query.isFromMe,
      isRead: query.isRead,
      readThroughMessageId,
      afterMs: query.afterMs,
      beforeMs: query.beforeMs,
    },
    limit,
  );
}
