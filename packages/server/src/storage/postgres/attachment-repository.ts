import type {
  AttachmentRecord,
  AttachmentRepository,
  MentionRecord,
  MessageAttachmentRecord,
} from "../repositories/attachment-repository.js";
import { integerFromPg, nullableIntegerFromPg } from "./pg-integer.js";
import type { PgQueryable } from "./pg-queryable.js";

interface AttachmentRow {
  readonly id: string;
  readonly guid: string;
  readonly uploader_account_id: string;
  readonly file_name: string;
  readonly mime_type: string;
  readonly uti: string;
  readonly total_bytes: string;
  readonly sha256: string;
  readonly companion_kind: number | null;
  readonly companion_file_name: string | null;
  readonly companion_mime_type: string | null;
  readonly companion_bytes: string | null;
  readonly companion_sha256: string | null;
  readonly created_at: string;
}

const attachmentColumns =
  "a.id, a.guid, a.uploader_account_id, a.file_name, a.mime_type, a.uti, a.total_bytes, a.sha256, a.companion_kind, a.companion_file_name, a.companion_mime_type, a.companion_bytes, a.companion_sha256, a.created_at";

function recordFrom(row: AttachmentRow): AttachmentRecord {
  return {
    id: integerFromPg(row.id, "attachments.id"),
    guid: row.guid,
    uploaderAccountId: integerFromPg(row.uploader_account_id, "attachments.uploader_account_id"),
    fileName: row.file_name,
    mimeType: row.mime_type,
    uti: row.uti,
    totalBytes: integerFromPg(row.total_bytes, "attachments.total_bytes"),
    sha256: row.sha256,
    companion:
      row.companion_kind === null || row.companion_sha256 === null
        ? null
        : {
            kind: row.companion_kind,
            fileName: row.companion_file_name ?? "",
            mimeType: row.companion_mime_type ?? "application/octet-stream",
            totalBytes:
              nullableIntegerFromPg(row.companion_bytes, "attachments.companion_bytes") ?? 0,
            sha256: row.companion_sha256,
          },
    createdAt: integerFromPg(row.created_at, "attachments.created_at"),
  };
}

/** The PostgreSQL {@link AttachmentRepository} over a pooled client or transaction. */
export function createPostgresAttachmentRepository(sql: PgQueryable): AttachmentRepository {
  return {
    async insert(attachment) {
      const companion = attachment.companion;
      const { rows } = await sql.query<{ id: string }>(
        `INSERT INTO attachments (guid, uploader_account_id, file_name, mime_type, uti, total_bytes, sha256, companion_kind, companion_file_name, companion_mime_type, companion_bytes, companion_sha256, created_at)
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13) RETURNING id`,
        [
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
        ],
      );
      return integerFromPg(rows[0]?.id, "attachments.id");
    },

    async find(guid) {
      const { rows } = await sql.query<AttachmentRow>(
        `SELECT ${attachmentColumns} FROM attachments a WHERE a.guid = $1`,
        [guid],
      );
      const row = rows[0];
      return row === undefined ? undefined : recordFrom(row);
    },

    async isBlobReferenced(sha256) {
      // Two probes, one per index, rather than an OR that may scan the table.
      const { rows } = await sql.query<{ found: boolean }>(
        `SELECT EXISTS (SELECT 1 FROM attachments WHERE sha256 = $1)
             OR EXISTS (SELECT 1 FROM attachments WHERE companion_sha256 = $1) AS found`,
        [sha256],
      );
      return rows[0]?.found ?? false;
    },

    async linkToMessage(messageId, links) {
      if (links.length === 0) return;
      await sql.query(
        `INSERT INTO message_attachments (message_id, position, attachment_id, display_name, is_audio_message)
         SELECT $1, linked.ordinality - 1, linked.attachment_id, linked.display_name, linked.is_audio_message
         FROM unnest($2::bigint[], $3::text[], $4::boolean[]) WITH ORDINALITY
           AS linked (attachment_id, display_name, is_audio_message, ordinality)`,
        [
          messageId,
          links.map((link) => link.attachmentId),
          links.map((link) => link.displayName),
          links.map((link) => link.isAudioMessage),
        ],
      );
    },

    async listForMessage(messageId) {
      const { rows } = await sql.query<
        AttachmentRow & { readonly display_name: string | null; readonly is_audio_message: boolean }
      >(
        `SELECT ${attachmentColumns}, l.display_name, l.is_audio_message
         FROM message_attachments l JOIN attachments a ON a.id = l.attachment_id
         WHERE l.message_id = $1 ORDER BY l.position`,
        [messageId],
      );
      return rows.map(
        (row): MessageAttachmentRecord => ({
          attachment: recordFrom(row),
          displayName: row.display_name,
          isAudioMessage: row.is_audio_message,
        }),
      );
    },

    async chatIdsCarrying(attachmentId, attachmentGuid) {
      const { rows } = await sql.query<{ chat_id: string }>(
        `SELECT m.chat_id FROM message_attachments l JOIN messages m ON m.id = l.message_id
           WHERE l.attachment_id = $1 AND m.retracted_at IS NULL
         UNION
         SELECT m.chat_id FROM message_stickers s JOIN messages m ON m.id = s.message_id
           WHERE s.attachment_guid = $2 AND m.retracted_at IS NULL`,
        [attachmentId, attachmentGuid],
      );
      return rows.map((row) => integerFromPg(row.chat_id, "messages.chat_id"));
    },

    async insertMentions(messageId, mentions) {
      if (mentions.length === 0) return;
      await sql.query(
        `INSERT INTO message_mentions (message_id, position, address, start, length)
         SELECT $1, mentioned.ordinality - 1, mentioned.address, mentioned.start, mentioned.length
         FROM unnest($2::text[], $3::integer[], $4::integer[]) WITH ORDINALITY
           AS mentioned (address, start, length, ordinality)`,
        [
          messageId,
          mentions.map((mention) => mention.address),
          mentions.map((mention) => mention.start),
          mentions.map((mention) => mention.length),
        ],
      );
    },

    async listMentions(messageId) {
      const { rows } = await sql.query<{ address: string; start: number; length: number }>(
        "SELECT address, start, length FROM message_mentions WHERE message_id = $1 ORDER BY position",
        [messageId],
      );
      return rows.map(
        (row): MentionRecord => ({ address: row.address, start: row.start, length: row.length }),
      );
    },
  };
}
