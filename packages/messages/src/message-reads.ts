import {
  type ClientContext,
  checkMessageGuid,
  invalidArgument,
  type Message,
  messageFromWire,
  ProtocolError,
  type ResourceCallOptions,
  resourceCallSettings,
} from "@threadline/core";
import { MessageServiceDefinition, type photon, timestampFromDate } from "@threadline/protocol";
import { checkOptionalFlag, checkOptionsObject } from "./argument-checks.js";

/** Messages per page when `pageSize` is omitted (a Threadline server's default). */
export const defaultMessagePageSize = 50;
/** The largest `pageSize` a list accepts. */
export const maxMessagePageSize = 100;

/**
 * Filters and paging of `messages.listRecent(...)` and `messages.listInChat(...)`; they
 * combine with AND. `listInChat` takes the chat as its own argument.
 */
export interface MessageListFilter extends ResourceCallOptions {
  /** Only messages created at or after this time. */
  readonly after?: Date;
  /** Only messages created before this time. */
  readonly before?: Date;
  /** Only your own messages (`true`) or only others' (`false`). */
  readonly isFromMe?: boolean;
  /** Only read (`true`) or only unread (`false`) messages; your own count as read. */
  readonly isRead?: boolean;
  /** Messages per page, 1 to {@link maxMessagePageSize}; the server's default when omitted. */
  readonly pageSize?: number;
  /** `nextPageToken` of the previous page, with the same chat and filters. */
  readonly pageToken?: string;
}

/** One page of messages, newest first; `nextPageToken` is absent on the last page. */
export interface MessageListPage {
  readonly messages: readonly Message[];
  readonly nextPageToken?: string;
}

/** Media bytes a message carries inline (`messages.getEmbeddedMedia(...)`). */
export interface EmbeddedMedia {
  readonly data: Uint8Array;
  readonly mimeType: string;
}

/** The list and media reads of `im.messages`. */
export interface MessageReadMethods {
  /**
   * One page of the messages of all your chats, newest first. Pass `nextPageToken` back
   * as `pageToken` (with the same filters) for the next page; messages that arrive in
   * between are not inserted into later pages.
   *
   * @throws ValidationError for a page size outside 1..100, a blank token, non-boolean
   * flags, an invalid `Date` or `after` not before `before`; from the server for a page
   * token it did not issue for these filters.
   */
  listRecent(options?: MessageListFilter): Promise<MessageListPage>;
  /**
   * {@link MessageReadMethods.listRecent} for one chat.
   *
   * @throws ValidationError as `listRecent` does and for a malformed chat GUID;
   * NotFoundError for a chat you do not take part in.
   */
  listInChat(chat: string, options?: MessageListFilter): Promise<MessageListPage>;
  /**
   * The media a message carries inline. On a Threadline server that is a mini-app
   * card's JPEG; other messages have none (NotFoundError). Attachments download through
   * `im.attachments`.
   */
  getEmbeddedMedia(
    chat: string,
    message: string,
    options?: ResourceCallOptions,
  ): Promise<EmbeddedMedia>;
}

function checkPageSize(value: unknown): number | undefined {
  if (value === undefined) return undefined;
  if (
    typeof value !== "number" ||
    !Number.isInteger(value) ||
    value < 1 ||
    value > maxMessagePageSize
  ) {
    throw invalidArgument(
      "options.pageSize",
      `an integer from 1 to ${maxMessagePageSize}, or omitted for the server's default`,
      value,
    );
  }
  return value;
}

function checkPageToken(value: unknown): string | undefined {
  if (value === undefined) return undefined;
  if (typeof value !== "string" || value === "") {
    throw invalidArgument(
      "options.pageToken",
      "the nextPageToken of the previous page (a non-empty string), or omitted for the first page",
      value,
    );
  }
  return value;
}

function checkDate(field: string, value: unknown): Date | undefined {
  if (value === undefined) return undefined;
  if (!(value instanceof Date) || !Number.isFinite(value.getTime())) {
    throw invalidArgument(field, "a valid Date, or omitted", value);
  }
  return value;
}

/** The wire request fields of a list, checked before any network call. */
function listFields(options: MessageListFilter | undefined) {
  checkOptionsObject("options", options);
  const after = checkDate("options.after", options?.after);
  const before = checkDate("options.before", options?.before);
  if (after !== undefined && before !== undefined && after.getTime() >= before.getTime()) {
    throw invalidArgument(
      "options.after",
      "a time earlier than options.before (the window is [after, before))",
      after,
    );
  }
  const pageSize = checkPageSize(options?.pageSize);
  const pageToken = checkPageToken(options?.pageToken);
  const isFromMe = checkOptionalFlag("options.isFromMe", options?.isFromMe);
  const isRead = checkOptionalFlag("options.isRead", options?.isRead);
  return {
    ...(pageSize !== undefined ? { pageSize } : {}),
    ...(pageToken !== undefined ? { pageToken } : {}),
    ...(isFromMe !== undefined ? { isFromMe } : {}),
    ...(isRead !== undefined ? { isRead } : {}),
    ...(before !== undefined ? { before: timestampFromDate(before) } : {}),
    ...(after !== undefined ? { after: timestampFromDate(after) } : {}),
  };
}

function pageFrom(response: {
  messages?: readonly photon.imessage.v1.Message[] | null;
  nextPageToken?: string | null;
}): MessageListPage {
  const messages = (response.messages ?? []).map((message) => messageFromWire(message));
  return response.nextPageToken !== undefined &&
    response.nextPageToken !== null &&
    response.nextPageToken !== ""
    ? { messages, nextPageToken: response.nextPageToken }
    : { messages };
}

/**
 * The list and media reads, for {@link createMessagesResource}.
 *
 * @internal not covered by semver
 */
export function createMessageReads(
  context: ClientContext,
  chatGuid: (field: string, value: unknown) => string,
): MessageReadMethods {
  return {
    async listRecent(options) {
      const fields = listFields(options);
      const settings = resourceCallSettings("options", options);
      const response = await context.unary(MessageServiceDefinition.listRecentMessages, fields, {
        ...settings,
        operation: "messages.listRecent()",
      });
      return pageFrom(response);
    },

    async listInChat(chat, options) {
      const guid = chatGuid("chat", chat);
      const fields = listFields(options);
      const settings = resourceCallSettings("options", options);
      const response = await context.unary(
        MessageServiceDefinition.listChatMessages,
        { chatGuid: guid, ...fields },
        { ...settings, operation: "messages.listInChat()" },
      );
      return pageFrom(response);
    },

    async getEmbeddedMedia(chat, message, options) {
      const guid = chatGuid("chat", chat);
      const messageGuid = checkMessageGuid("message", message);
      const settings = resourceCallSettings("options", options);
      const response = await context.unary(
        MessageServiceDefinition.getEmbeddedMedia,
        { chatGuid: guid, messageGuid },
        { ...settings, operation: "messages.getEmbeddedMedia()" },
      );
      const media = response.media;
      if (media === null || media === undefined) {
        throw new ProtocolError(
          "the server's GetEmbeddedMedia response has no media, which a conforming server always sends",
          { context: { field: "media" } },
        );
      }
      return { data: media.data ?? new Uint8Array(), mimeType: media.mimeType ?? "" };
    },
  };
}
