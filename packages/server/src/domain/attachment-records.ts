import { randomUUID } from "node:crypto";
import type { Database } from "better-sqlite3";
import { cachedStatement } from "../storage/statement-cache.js";

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
  readonly createdAt: number;
}

/** One attachment bubble of a message, in the order the message shows them. */
export interface MessageAttachmentRecord {
  readonly attachment: AttachmentRecord;
  /** The name the sender gave this bubble, or null for the attachment's own. */
  readonly displayName: string | null;
  readonly isAudioMessage: boolean;
}

/** A mention in a message's text (multipart sends make them). */
export interface MentionRecord {
  readonly address: string;
  readonly start: number;
  readonly length: number;
}

interface AttachmentRow {
  readonly id: number;
  readonly guid: string;
  readonly uploader_account_id: number;
  readonly file_name: string;
  readonly mime_type: string;
  readonly uti: string;
  readonly total_bytes: number;
  readonly sha256: string;
  readonly companion_kind: number | null;
  readonly companion_file_name: string | null;
  readonly companion_mime_type: string | null;
  readonly companion_bytes: number | null;
  readonly companion_sha256: string | null;
  readonly created_at: number;
}

const attachmentColumns =
  "a.id, a.guid, a.uploader_account_id, a.file_name, a.mime_type, a.uti, a.total_bytes, a.sha256, a.companion_kind, a.companion_file_name, a.companion_mime_type, a.companion_bytes, a.companion_sha256, a.created_at";

function recordFrom(row: AttachmentRow): AttachmentRecord {
  return {
    id: row.id,
    guid: row.guid,
    uploaderAccountId: row.uploader_account_id,
    fileName: row.file_name,
    mimeType: row.mime_type,
    uti: row.uti,
    totalBytes: row.total_bytes,
    sha256: row.sha256,
    companion:
      row.companion_kind === null || row.companion_sha256 === null
        ? null
        : {
            kind: row.companion_kind,
            fileName: row.companion_file_name ?? "",
            mimeType: row.companion_mime_type ?? "application/octet-stream",
            totalBytes: row.companion_bytes ?? 0,
            sha256: row.companion_sha256,
          },
    createdAt: row.created_at,
  };
}

/** A new attachment's fields. */
export type NewAttachment = Omit<AttachmentRecord, "id" | "guid" | "createdAt">;

/** Stores an uploaded attachment under a fresh upper-case UUID. Run inside a write. */
export function insertAttachment(
  db: Database,
  attachment: NewAttachment,
  now: Date,
): AttachmentRecord {
  const guid = randomUUID().toUpperCase();
  const companion = attachment.companion;
  const result = cachedStatement<
    [
      string,
      number,
      string,
      string,
      string,
      number,
      string,
      number | null,
      string | null,
      string | null,
      number | null,
      string | null,
      number,
    ]
  >(
    db,
    "INSERT INTO attachments (guid, uploader_account_id, file_name, mime_type, uti, total_bytes, sha256, companion_kind, companion_file_name, companion_mime_type, companion_bytes, companion_sha256, created_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
  ).run(
    guid,
    attachment.uploaderAccountId,
    attachment.fileName,
    attachment.mimeType,
    attachment.uti,
    attachment.totalBytes,
    attachment.sha256,
    companion?.kind ?? null,
    companion?.fileName ?? null,
    companion?.mimeType ?? null,
    companion?.totalBytes ?? null,
    companion?.sha256 ?? null,
    now.getTime(),
  );
  return { ...attachment, id: Number(result.lastInsertRowid), guid, createdAt: now.getTime() };
}

/** The attachment with `guid`, or undefined. */
export function findAttachment(db: Database, guid: string): AttachmentRecord | undefined {
  const row = cachedStatement<[string], AttachmentRow>(
    db,
    `SELECT ${attachmentColumns} FROM attachments a WHERE a.guid = ?`,
  ).get(guid);
  return row === undefined ? undefined : recordFrom(row);
}

/** Whether any attachment (as its file or its companion) has the blob `sha256`. */
export function isBlobReferenced(db: Database, sha256: string): boolean {
  return (
    cachedStatement<[string, string], { found: number }>(
      db,
      "SELECT 1 AS found FROM attachments WHERE sha256 = ? OR companion_sha256 = ? LIMIT 1",
    ).get(sha256, sha256) !== undefined
  );
}

/** Links attachments to a new message as its bubbles, in order. Run inside a write. */
export function linkMessageAttachments(
  db: Database,
  messageId: number,
  links: readonly {
    readonly attachmentId: number;
    readonly displayName: string | null;
    readonly isAudioMessage: boolean;
  }[],
): void {
  const insert = cachedStatement<[number, number, number, string | null, number]>(
    db,
    "INSERT INTO message_attachments (message_id, position, attachment_id, display_name, is_audio_message) VALUES (?, ?, ?, ?, ?)",
  );
  links.forEach((link, position) => {
    insert.run(
      messageId,
      position,
      link.attachmentId,
      link.displayName,
      link.isAudioMessage ? 1 : 0,
    );
  });
}

/** The attachment bubbles of a message in order; empty for a message without any. */
export function messageAttachments(db: Database, messageId: number): MessageAttachmentRecord[] {
  return cachedStatement<
    [number],
    AttachmentRow & { readonly display_name: string | null; readonly is_audio_message: number }
  >(
    db,
    `SELECT ${attachmentColumns}, l.display_name, l.is_audio_message FROM message_attachments l JOIN attachments a ON a.id = l.attachment_id WHERE l.message_id = ? ORDER BY l.position`,
  )
    .all(messageId)
    .map((row) => ({
      attachment: recordFrom(row),
      displayName: row.display_name,
      isAudioMessage: row.is_audio_message === 1,
    }));
}

/**
 * The chats of the live (not unsent) messages that carry an attachment, as a bubble
 * or as a sticker placed on them.
 */
export function chatsCarrying(
  db: Database,
  attachment: { readonly id: number; readonly guid: string },
): number[] {
  return cachedStatement<[number, string], { chat_id: number }>(
    db,
    `SELECT m.chat_id FROM message_attachments l JOIN messages m ON m.id = l.message_id
       WHERE l.attachment_id = ? AND m.retracted_at IS NULL
     UNION
     SELECT m.chat_id FROM message_stickers s JOIN messages m ON m.id = s.message_id
       WHERE s.attachment_guid = ? AND m.retracted_at IS NULL`,
  )
    .all(attachment.id, attachment.guid)
    .map((row) => row.chat_id);
}

/** Stores the mentions of a new message. Run inside a write. */
export function insertMentions(
  db: Database,
  messageId: number,
  mentions: readonly MentionRecord[],
): void {
  const insert = cachedStatement<[number, number, string, number, number]>(
    db,
    "INSERT INTO message_mentions (message_id, position, address, start, length) VALUES (?, ?, ?, ?, ?)",
  );
  mentions.forEach((mention, position) => {
    insert.run(messageId, position, mention.address, mention.start, mention.length);
  });
}

/** The mentions of a message in order. */
export function messageMentions(db: Database, messageId: number): MentionRecord[] {
  return cachedStatement<[number], { address: string; start: number; length: number }>(
    db,
    "SELECT address, start, length FROM message_mentions WHERE message_id = ? ORDER BY position",
  ).all(messageId);
}
