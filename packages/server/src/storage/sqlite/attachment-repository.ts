import type { Database } from "better-sqlite3";
import type {
  AttachmentRecord,
  AttachmentRepository,
  MentionRecord,
} from "../repositories/attachment-repository.js";
import { cachedStatement } from "../statement-cache.js";

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

/** The SQLite {@link AttachmentRepository} over one connection. */
export function createSqliteAttachmentRepository(db: Database): AttachmentRepository {
  return {
    async insert(attachment) {
      const companion = attachment.companion;
      const result = cachedStatement<unknown[]>(
        db,
        "INSERT INTO attachments (guid, uploader_account_id, file_name, mime_type, uti, total_bytes, sha256, companion_kind, companion_file_name, companion_mime_type, companion_bytes, companion_sha256, created_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
      ).run(
        attachment.guid,
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
        attachment.createdAt,
      );
      return Number(result.lastInsertRowid);
    },

    async find(guid) {
      const row = cachedStatement<[string], AttachmentRow>(
        db,
        `SELECT ${attachmentColumns} FROM attachments a WHERE a.guid = ?`,
      ).get(guid);
      return row === undefined ? undefined : recordFrom(row);
    },

    async isBlobReferenced(sha256) {
      return (
        cachedStatement<[string, string], { found: number }>(
          db,
          "SELECT 1 AS found FROM attachments WHERE sha256 = ? OR companion_sha256 = ? LIMIT 1",
        ).get(sha256, sha256) !== undefined
      );
    },

    async linkToMessage(messageId, links) {
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
    },

    async listForMessage(messageId) {
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
    },

    async chatIdsCarrying(attachmentId, attachmentGuid) {
      return cachedStatement<[number, string], { chat_id: number }>(
        db,
        `SELECT m.chat_id FROM message_attachments l JOIN messages m ON m.id = l.message_id
           WHERE l.attachment_id = ? AND m.retracted_at IS NULL
         UNION
         SELECT m.chat_id FROM message_stickers s JOIN messages m ON m.id = s.message_id
           WHERE s.attachment_guid = ? AND m.retracted_at IS NULL`,
      )
        .all(attachmentId, attachmentGuid)
        .map((row) => row.chat_id);
    },

    async insertMentions(messageId, mentions) {
      const insert = cachedStatement<[number, number, string, number, number]>(
        db,
        "INSERT INTO message_mentions (message_id, position, address, start, length) VALUES (?, ?, ?, ?, ?)",
      );
      mentions.forEach((mention, position) => {
        insert.run(messageId, position, mention.address, mention.start, mention.length);
      });
    },

    async listMentions(messageId) {
      return cachedStatement<[number], MentionRecord>(
        db,
        "SELECT address, start, length FROM message_mentions WHERE message_id = ? ORDER BY position",
      )
        .all(messageId)
        .map((row) => ({ address: row.address, start: row.start, length: row.length }));
    },
  };
}
