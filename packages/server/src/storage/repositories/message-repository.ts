/** The styles a formatting range may carry; `effect` animates its range. */
export const textFormatTypes = ["bold", "italic", "underline", "strikethrough", "effect"] as const;

/** One of {@link textFormatTypes}. */
export type TextFormatType = (typeof textFormatTypes)[number];

/** A validated formatting range, as stored with the message. */
export interface TextFormatRecord {
  readonly type: TextFormatType;
  readonly start: number;
  readonly length: number;
  /** Set exactly for type `effect`. */
  readonly effectName: string | null;
}

/** What a message row holds. `kind` "contact" is a shared contact card. */
export interface MessageRecord {
  readonly id: number;
  readonly guid: string;
  readonly chatId: number;
  readonly senderAddress: string;
  readonly senderAccountId: number;
  readonly kind: "text" | "contact";
  readonly text: string;
  readonly subject: string | null;
  readonly effectId: string | null;
  readonly replyToGuid: string | null;
  /** The message that started the reply thread this message belongs to; null when it is no reply. */
  readonly threadOriginatorGuid: string | null;
  /** Apple's part locator within the originator (`<part>:<start>:<length>`); null when it is no reply. */
  readonly threadOriginatorPart: string | null;
  /** Formatting ranges of `text`; an edit clears them (EditMessage carries none). */
  readonly formatting: readonly TextFormatRecord[];
  /** The sender asked for a link preview. */
  readonly linkPreview: boolean;
  /** The sender asked for data detection. */
  readonly dataDetection: boolean;
  readonly createdAt: number;
  readonly editedAt: number | null;
  readonly retractedAt: number | null;
}

/** A message to store: every field but the id the storage assigns; never edited or unsent yet. */
export type NewMessageRecord = Omit<MessageRecord, "id" | "editedAt" | "retractedAt">;

/** A tapback on a message. `partIndex` is null when it applies to the whole message. */
export interface ReactionRecord {
  readonly senderAddress: string;
  readonly senderAccountId: number;
  readonly partIndex: number | null;
  readonly kind: number;
  /** The emoji of kind EMOJI; null for every other kind. */
  readonly emoji: string | null;
  readonly createdAt: number;
}

/** Which tapback {@link MessageRepository.removeReaction} removes: one sender's, of one kind, on one part. */
export type ReactionKey = Pick<ReactionRecord, "senderAddress" | "partIndex" | "kind" | "emoji">;

/** Which of the optional rows beside a message exist (so a view reads only those tables). */
export interface MessageExtras {
  /** At least one sticker is placed on it. */
  readonly hasStickers: boolean;
  /** It is a mini-app card. */
  readonly hasMiniAppCard: boolean;
  /** Its sender asked to notify silenced recipients anyway. */
  readonly notifiedAnyway: boolean;
}

/** The filters of one chat's message listing (ListRecentMessages / ListChatMessages). */
export interface MessageIdQuery {
  /** Only messages with a smaller id; null for no bound. */
  readonly beforeId: number | null;
  /**
   * With `isFromMe` true only messages `accountId` sent, false only the others; null
   * for both.
   */
  readonly accountId: number;
  readonly isFromMe: boolean | null;
  /**
   * With `isRead` true only the messages read for `accountId`, false only unread ones;
   * null for both. Read: sent by `accountId`, at or below `readThroughMessageId`, or
   * unsent.
   */
  readonly isRead: boolean | null;
  readonly readThroughMessageId: number;
  /** `createdAt >= afterMs` (inclusive); null for no bound. */
  readonly afterMs: number | null;
  /** `createdAt < beforeMs` (exclusive); null for no bound. */
  readonly beforeMs: number | null;
}

/**
 * Messages, their reactions and reply threads, and the message lists.
 *
 * Every method is async, takes and returns plain data (no driver types), and is
 * implemented by both engines: `storage/sqlite/` and `storage/postgres/`. Inside a
 * write it runs in the write's transaction; outside it reads committed data.
 */
export interface MessageRepository {
  /**
   * Stores a message and resolves with its id. Ids grow with every insert across all
   * chats (a later message has a larger id): lists, unread counts and read markers
   * compare them.
   */
  insert(message: NewMessageRecord): Promise<number>;
  /** The message with `guid`, or undefined. */
  find(guid: string): Promise<MessageRecord | undefined>;
  /** The message with id `id`, or undefined. */
  findById(id: number): Promise<MessageRecord | undefined>;
  /** The newest message (largest id) of a chat, or undefined for an empty chat. */
  latestInChat(chatId: number): Promise<MessageRecord | undefined>;
  /** The id of the newest message of a chat, 0 for an empty chat. */
  newestIdInChat(chatId: number): Promise<number>;
  /**
   * The messages of a chat with an id above `afterId` that `accountId` did not send and
   * that are not unsent, oldest first.
   */
  listUnread(chatId: number, accountId: number, afterId: number): Promise<MessageRecord[]>;
  /** How many messages {@link MessageRepository.listUnread} would return. */
  countUnread(chatId: number, accountId: number, afterId: number): Promise<number>;
  /** The ids of the newest `limit` messages of a chat that match `query`, newest first. */
  listNewestIds(chatId: number, query: MessageIdQuery, limit: number): Promise<number[]>;
  /** Replaces the text, sets `editedAt` and clears the formatting (it indexed the old text). */
  editText(messageId: number, text: string, editedAt: number): Promise<void>;
  /** Marks the message unsent at `retractedAt`. */
  markRetracted(messageId: number, retractedAt: number): Promise<void>;
  /** The tapbacks currently on a message, oldest first (ties by sender address). */
  listReactions(messageId: number): Promise<ReactionRecord[]>;
  /**
   * Adds a tapback; resolves false (and changes nothing) when the same sender already
   * has the same kind and emoji on the same part.
   */
  addReaction(messageId: number, reaction: ReactionRecord): Promise<boolean>;
  /** Removes a tapback; resolves false when there was none to remove. */
  removeReaction(messageId: number, reaction: ReactionKey): Promise<boolean>;
  /**
   * Records that the sender `accountId` asked to notify silenced recipients anyway.
   * Only the first request per message is kept; a repeat changes nothing.
   */
  markNotifiedAnyway(messageId: number, accountId: number, notifiedAt: number): Promise<void>;
  /** Which optional rows (stickers, mini-app card, notify-anyway) the message has. */
  findExtras(messageId: number): Promise<MessageExtras>;
}
