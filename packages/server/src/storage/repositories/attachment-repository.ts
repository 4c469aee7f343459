/** A companion file stored with an attachment (a Live Photo's video). */
export interface CompanionRecord {
  readonly kind: number;
  readonly fileName: string;
  readonly mimeType: string;
  readonly totalBytes: number;
  readonly sha256: string;
}

/** What the server stores for an uploaded attachment; the bytes are blobs named by sha256. */
export interface AttachmentRecord {
  readonly id: number;
  readonly guid: string;
  readonly uploaderAccountId: number;
  readonly fileName: string;
  readonly mimeType: string;
  readonly uti: string;
  readonly totalBytes: number;
  readonly sha256: string;
  readonly companion: CompanionRecord | null;
  /** Epoch milliseconds. */
  readonly createdAt: number;
}

/** A new attachment's fields: everything but the id the engine assigns. */
export type NewAttachmentRecord = Omit<AttachmentRecord, "id">;

/** One attachment bubble of a message, in the order the message shows them. */
export interface MessageAttachmentRecord {
  readonly attachment: AttachmentRecord;
  /** The name the sender gave this bubble, or null for the attachment's own. */
  readonly displayName: string | null;
  readonly isAudioMessage: boolean;
}

/** What links one attachment to a new message as one of its bubbles. */
export interface AttachmentLinkRecord {
  readonly attachmentId: number;
  readonly displayName: string | null;
  readonly isAudioMessage: boolean;
}

/** A mention in a message's text (multipart sends make them). */
export interface MentionRecord {
  readonly address: string;
  readonly start: number;
  readonly length: number;
}

/**
 * Attachment records (the blobs themselves live in the attachment blob store), the
 * attachment bubbles of messages, and the mentions of multipart messages.
 *
 * Every method is async, takes and returns plain data (no driver types), and is
 * implemented by both engines: `storage/sqlite/` and `storage/postgres/`. Inside a
 * write it runs in the write's transaction; outside it reads committed data.
 */
export interface AttachmentRepository {
  /** Stores an attachment (its GUID is unique); resolves with the new id. */
  insert(attachment: NewAttachmentRecord): Promise<number>;
  /** The attachment with `guid`, or undefined. */
  find(guid: string): Promise<AttachmentRecord | undefined>;
  /** Whether any attachment has the blob `sha256`, as its file or as its companion. */
  isBlobReferenced(sha256: string): Promise<boolean>;
  /**
   * Links attachments to message `messageId` as its bubbles, positions 0, 1, … in the
   * order given.
   */
  linkToMessage(messageId: number, links: readonly AttachmentLinkRecord[]): Promise<void>;
  /** The attachment bubbles of a message by position; empty for a message without any. */
  listForMessage(messageId: number): Promise<MessageAttachmentRecord[]>;
  /**
   * The ids of the chats (each once, in no particular order) whose live (not unsent)
   * messages carry the attachment: as a bubble (by `attachmentId`) or as a placed
   * sticker (by `attachmentGuid`).
   */
  chatIdsCarrying(attachmentId: number, attachmentGuid: string): Promise<number[]>;
  /** Stores the mentions of message `messageId`, positions 0, 1, … in the order given. */
  insertMentions(messageId: number, mentions: readonly MentionRecord[]): Promise<void>;
  /** The mentions of a message by position; empty for a message without any. */
  listMentions(messageId: number): Promise<MentionRecord[]>;
}
