/**
 * Tables of the chat domain: chats, their participants, per-account chat state,
 * messages, reactions, polls and idempotency keys. The list only ever grows: a file
 * records how many statements it has run, and the migration runs the rest in order
 * inside one transaction, so a later `ALTER TABLE` runs exactly once per file. Times are
 * Unix milliseconds.
 */
export const domainSchema: readonly string[] = [
  // A direct chat is keyed by its two addresses (sorted, joined by a newline, which no
  // normalised address contains), so either side creating it resolves the same row.
  `CREATE TABLE IF NOT EXISTS chats (
    id INTEGER PRIMARY KEY,
    is_group INTEGER NOT NULL,
    group_id TEXT UNIQUE,
    direct_key TEXT UNIQUE,
    display_name TEXT,
    background BLOB,
    background_type TEXT,
    icon BLOB,
    icon_type TEXT,
    created_at INTEGER NOT NULL,
    CHECK ((is_group = 1) = (group_id IS NOT NULL) AND (is_group = 0) = (direct_key IS NOT NULL))
  )`,
  // Current members only: a removed or departed participant's row is deleted.
  `CREATE TABLE IF NOT EXISTS chat_participants (
    chat_id INTEGER NOT NULL REFERENCES chats(id),
    address TEXT NOT NULL,
    position INTEGER NOT NULL,
    PRIMARY KEY (chat_id, address)
  ) WITHOUT ROWID`,
  "CREATE INDEX IF NOT EXISTS chat_participants_by_address ON chat_participants (address, chat_id)",
  // Per-account view of a chat; a missing row means nothing read and not archived.
  `CREATE TABLE IF NOT EXISTS chat_account_state (
    chat_id INTEGER NOT NULL REFERENCES chats(id),
    account_id INTEGER NOT NULL,
    read_through_message_id INTEGER NOT NULL DEFAULT 0,
    is_archived INTEGER NOT NULL DEFAULT 0,
    PRIMARY KEY (chat_id, account_id)
  ) WITHOUT ROWID`,
  `CREATE TABLE IF NOT EXISTS messages (
    id INTEGER PRIMARY KEY,
    guid TEXT NOT NULL UNIQUE,
    chat_id INTEGER NOT NULL REFERENCES chats(id),
    sender_address TEXT NOT NULL,
    sender_account_id INTEGER NOT NULL,
    kind TEXT NOT NULL CHECK (kind IN ('text', 'contact')),
    text TEXT NOT NULL,
    subject TEXT,
    effect_id TEXT,
    reply_to_guid TEXT,
    created_at INTEGER NOT NULL,
    edited_at INTEGER,
    retracted_at INTEGER
  )`,
  "CREATE INDEX IF NOT EXISTS messages_by_chat ON messages (chat_id, id)",
  // part_index -1 stands for "the whole message" (target_part_index absent).
  `CREATE TABLE IF NOT EXISTS message_reactions (
    message_id INTEGER NOT NULL REFERENCES messages(id),
    sender_address TEXT NOT NULL,
    sender_account_id INTEGER NOT NULL,
    part_index INTEGER NOT NULL,
    kind INTEGER NOT NULL,
    emoji TEXT NOT NULL,
    created_at INTEGER NOT NULL,
    PRIMARY KEY (message_id, sender_address, part_index, kind, emoji)
  ) WITHOUT ROWID`,
  `CREATE TABLE IF NOT EXISTS polls (
    id INTEGER PRIMARY KEY,
    guid TEXT NOT NULL UNIQUE,
    chat_id INTEGER NOT NULL REFERENCES chats(id),
    creator_address TEXT NOT NULL,
    title TEXT NOT NULL,
    created_at INTEGER NOT NULL
  )`,
  `CREATE TABLE IF NOT EXISTS poll_options (
    poll_id INTEGER NOT NULL REFERENCES polls(id),
    option_identifier TEXT NOT NULL,
    text TEXT NOT NULL,
    creator_address TEXT NOT NULL,
    position INTEGER NOT NULL,
    PRIMARY KEY (poll_id, option_identifier)
  ) WITHOUT ROWID`,
  // One vote per participant: voting again moves it.
  `CREATE TABLE IF NOT EXISTS poll_votes (
    poll_id INTEGER NOT NULL REFERENCES polls(id),
    voter_address TEXT NOT NULL,
    option_identifier TEXT NOT NULL,
    created_at INTEGER NOT NULL,
    PRIMARY KEY (poll_id, voter_address)
  ) WITHOUT ROWID`,
  // The first result of a keyed write, replayed on retry. fingerprint covers the
  // method and every request field but the key itself.
  `CREATE TABLE IF NOT EXISTS idempotency_keys (
    account_id INTEGER NOT NULL,
    key TEXT NOT NULL,
    fingerprint TEXT NOT NULL,
    response BLOB NOT NULL,
    created_at INTEGER NOT NULL,
    PRIMARY KEY (account_id, key)
  ) WITHOUT ROWID`,
  "CREATE INDEX IF NOT EXISTS idempotency_keys_by_age ON idempotency_keys (created_at)",
  // What a text message carries beyond its text: the formatting ranges (JSON, null for
  // none), the link-preview and data-detection flags, and the thread a reply belongs
  // to. Each runs once, in this order, from the domain schema version (see migrate.ts).
  "ALTER TABLE messages ADD COLUMN formatting TEXT",
  "ALTER TABLE messages ADD COLUMN link_preview INTEGER NOT NULL DEFAULT 0",
  "ALTER TABLE messages ADD COLUMN data_detection INTEGER NOT NULL DEFAULT 0",
  "ALTER TABLE messages ADD COLUMN thread_originator_guid TEXT",
  "ALTER TABLE messages ADD COLUMN thread_originator_part TEXT",
  // Each account's own Focus status, as it last set it through
  // threadline.v1.FocusStatusService; no row means never set (not silenced).
  `CREATE TABLE IF NOT EXISTS focus_statuses (
    account_id INTEGER PRIMARY KEY,
    is_silenced INTEGER NOT NULL CHECK (is_silenced IN (0, 1)),
    updated_at INTEGER NOT NULL
  )`,
  // Uploaded attachments. Their bytes are files named by SHA-256 in the attachment
  // directory beside the database (storage/attachment-blob-store.ts); a row is written
  // only after its files are fsync'd, so every row's bytes exist.
  `CREATE TABLE IF NOT EXISTS attachments (
    id INTEGER PRIMARY KEY,
    guid TEXT NOT NULL UNIQUE,
    uploader_account_id INTEGER NOT NULL,
    file_name TEXT NOT NULL,
    mime_type TEXT NOT NULL,
    uti TEXT NOT NULL,
    total_bytes INTEGER NOT NULL,
    sha256 TEXT NOT NULL,
    companion_kind INTEGER,
    companion_file_name TEXT,
    companion_mime_type TEXT,
    companion_bytes INTEGER,
    companion_sha256 TEXT,
    created_at INTEGER NOT NULL
  )`,
  "CREATE INDEX IF NOT EXISTS attachments_by_sha256 ON attachments (sha256)",
  "CREATE INDEX IF NOT EXISTS attachments_by_companion_sha256 ON attachments (companion_sha256)",
  // The attachment bubbles of a message (SendAttachmentMessage, SendMultipartMessage),
  // in order; an attachment is visible to whoever can see a live message carrying it.
  `CREATE TABLE IF NOT EXISTS message_attachments (
    message_id INTEGER NOT NULL REFERENCES messages(id),
    position INTEGER NOT NULL,
    attachment_id INTEGER NOT NULL REFERENCES attachments(id),
    display_name TEXT,
    is_audio_message INTEGER NOT NULL DEFAULT 0,
    PRIMARY KEY (message_id, position)
  ) WITHOUT ROWID`,
  "CREATE INDEX IF NOT EXISTS message_attachments_by_attachment ON message_attachments (attachment_id, message_id)",
  // Mentions of a multipart message's text parts, over UTF-16 ranges of the whole text.
  `CREATE TABLE IF NOT EXISTS message_mentions (
    message_id INTEGER NOT NULL REFERENCES messages(id),
    position INTEGER NOT NULL,
    address TEXT NOT NULL,
    start INTEGER NOT NULL,
    length INTEGER NOT NULL,
    PRIMARY KEY (message_id, position)
  ) WITHOUT ROWID`,
  // An app-extension card (SendCustomizedMiniAppMessage) shown by a message row of kind
  // 'text' with empty text; updates rewrite the row in place, the session stays.
  `CREATE TABLE IF NOT EXISTS mini_app_cards (
    message_id INTEGER PRIMARY KEY REFERENCES messages(id),
    session_id TEXT NOT NULL UNIQUE,
    team_id TEXT NOT NULL,
    extension_bundle_id TEXT NOT NULL,
    app_name TEXT NOT NULL,
    url TEXT NOT NULL,
    app_store_id INTEGER,
    live INTEGER NOT NULL CHECK (live IN (0, 1)),
    caption TEXT,
    subcaption TEXT,
    trailing_caption TEXT,
    trailing_subcaption TEXT,
    image_title TEXT,
    image_subtitle TEXT,
    summary TEXT,
    image BLOB
  )`,
  // Stickers placed on messages (PlaceSticker), with the sticker attachment's metadata
  // as it was when placed; part_index -1 stands for "the whole message".
  `CREATE TABLE IF NOT EXISTS message_stickers (
    id INTEGER PRIMARY KEY,
    message_id INTEGER NOT NULL REFERENCES messages(id),
    sender_address TEXT NOT NULL,
    sender_account_id INTEGER NOT NULL,
    part_index INTEGER NOT NULL,
    attachment_guid TEXT NOT NULL,
    file_name TEXT NOT NULL,
    mime_type TEXT NOT NULL,
    uti TEXT NOT NULL,
    total_bytes INTEGER NOT NULL,
    x REAL NOT NULL,
    y REAL NOT NULL,
    scale REAL,
    rotation REAL,
    width REAL,
    created_at INTEGER NOT NULL
  )`,
  "CREATE INDEX IF NOT EXISTS message_stickers_by_message ON message_stickers (message_id, id)",
  // "Notify anyway" (NotifySilencedMessage): the first time the sender asked, per message.
  `CREATE TABLE IF NOT EXISTS silenced_message_notifications (
    message_id INTEGER PRIMARY KEY REFERENCES messages(id),
    account_id INTEGER NOT NULL,
    notified_at INTEGER NOT NULL
  )`,
  // Idempotency keys move to a rowid table: rows (with their stored response) are
  // appended in time order, and only the small (account_id, key) index takes a random
  // insert per keyed write. Clustered by the random key (WITHOUT ROWID), every keyed
  // write dirtied its own leaf of wide rows and split one often: ~2 WAL pages per keyed
  // write, each written and fsync'd at commit.
  `CREATE TABLE IF NOT EXISTS idempotency_records (
    id INTEGER PRIMARY KEY,
    account_id INTEGER NOT NULL,
    key TEXT NOT NULL,
    fingerprint TEXT NOT NULL,
    response BLOB NOT NULL,
    created_at INTEGER NOT NULL
  )`,
  `INSERT INTO idempotency_records (account_id, key, fingerprint, response, created_at)
    SELECT account_id, key, fingerprint, response, created_at FROM idempotency_keys ORDER BY created_at`,
  "DROP TABLE idempotency_keys",
  "ALTER TABLE idempotency_records RENAME TO idempotency_keys",
  "CREATE UNIQUE INDEX IF NOT EXISTS idempotency_keys_by_key ON idempotency_keys (account_id, key)",
  "CREATE INDEX IF NOT EXISTS idempotency_keys_by_age ON idempotency_keys (created_at)",
  // Who may see an attachment asks which chats carry it as a placed sticker, too.
  "CREATE INDEX IF NOT EXISTS message_stickers_by_attachment ON message_stickers (attachment_guid)",
];
