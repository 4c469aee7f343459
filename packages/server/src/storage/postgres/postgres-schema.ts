/**
 * The PostgreSQL schema, as versioned migrations: entry N holds the statements that
 * take a database from version N to N + 1. Entries are never edited once released,
 * only appended; `migratePostgres` runs the missing ones in order, in one transaction.
 *
 * It holds the same tables and indexes as the SQLite schema (platform-schema.ts,
 * domain-schema.ts, whatsapp-schema.ts), in PostgreSQL's own terms: bigint identity
 * row ids, bytea for bytes, boolean flags, double precision for reals, and times as
 * bigint Unix milliseconds, as on SQLite. Log sequences are plain bigint columns: the
 * engine allocates them under the head row's lock, never from a sequence, whose values
 * commit out of order.
 */
export const postgresMigrations: readonly (readonly string[])[] = [
  [
    // The event log first: the engine appends to it and locks its heads.
    // kind: 1 message, 2 group, 3 poll, 4 chat. payload: the encoded inner change event.
    // No index on recorded_at: age retention walks each account's log from its oldest row.
    `CREATE TABLE event_log (
      account_id bigint NOT NULL,
      sequence bigint NOT NULL,
      kind smallint NOT NULL,
      chat_guid text NOT NULL,
      poll_guid text,
      recorded_at bigint NOT NULL,
      payload bytea NOT NULL,
      PRIMARY KEY (account_id, sequence)
    )`,
    // One row per account with a log; an append locks it (SELECT … FOR UPDATE or the
    // upsert's row lock) to allocate head_sequence + 1 …, so commit order is sequence
    // order. retained_from: the lowest sequence retention has not deleted (head + 1
    // when all are gone).
    `CREATE TABLE log_heads (
      account_id bigint PRIMARY KEY,
      head_sequence bigint NOT NULL CHECK (head_sequence >= 0),
      retained_from bigint NOT NULL DEFAULT 1 CHECK (retained_from >= 1)
    )`,

    // Accounts, their addresses and their tokens.
    `CREATE TABLE accounts (
      id bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
      created_at bigint NOT NULL
    )`,
    `CREATE TABLE account_addresses (
      address text PRIMARY KEY,
      account_id bigint NOT NULL REFERENCES accounts (id),
      position integer NOT NULL
    )`,
    "CREATE INDEX account_addresses_by_account ON account_addresses (account_id, position)",
    `CREATE TABLE tokens (
      id bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
      account_id bigint NOT NULL REFERENCES accounts (id),
      lookup_key text NOT NULL,
      hash bytea NOT NULL,
      created_at bigint NOT NULL
    )`,
    "CREATE INDEX tokens_by_lookup_key ON tokens (lookup_key)",
    "CREATE INDEX tokens_by_account ON tokens (account_id)",

    // A direct chat is keyed by its two addresses (sorted, joined by a newline), so
    // either side creating it resolves the same row.
    `CREATE TABLE chats (
      id bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
      is_group boolean NOT NULL,
      group_id text UNIQUE,
      direct_key text UNIQUE,
      display_name text,
      background bytea,
      background_type text,
      icon bytea,
      icon_type text,
      created_at bigint NOT NULL,
      CHECK (is_group = (group_id IS NOT NULL) AND (NOT is_group) = (direct_key IS NOT NULL))
    )`,
    // Current members only: a removed or departed participant's row is deleted.
    `CREATE TABLE chat_participants (
      chat_id bigint NOT NULL REFERENCES chats (id),
      address text NOT NULL,
      position integer NOT NULL,
      PRIMARY KEY (chat_id, address)
    )`,
    "CREATE INDEX chat_participants_by_address ON chat_participants (address, chat_id)",
    // Per-account view of a chat; a missing row means nothing read and not archived.
    `CREATE TABLE chat_account_state (
      chat_id bigint NOT NULL REFERENCES chats (id),
      account_id bigint NOT NULL,
      read_through_message_id bigint NOT NULL DEFAULT 0,
      is_archived boolean NOT NULL DEFAULT false,
      PRIMARY KEY (chat_id, account_id)
    )`,

    `CREATE TABLE messages (
      id bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
      guid text NOT NULL UNIQUE,
      chat_id bigint NOT NULL REFERENCES chats (id),
      sender_address text NOT NULL,
      sender_account_id bigint NOT NULL,
      kind text NOT NULL CHECK (kind IN ('text', 'contact')),
      text text NOT NULL,
      subject text,
      effect_id text,
      reply_to_guid text,
      created_at bigint NOT NULL,
      edited_at bigint,
      retracted_at bigint,
      formatting text,
      link_preview boolean NOT NULL DEFAULT false,
      data_detection boolean NOT NULL DEFAULT false,
      thread_originator_guid text,
      thread_originator_part text
    )`,
    "CREATE INDEX messages_by_chat ON messages (chat_id, id)",
    // part_index -1 stands for "the whole message" (target_part_index absent).
    `CREATE TABLE message_reactions (
      message_id bigint NOT NULL REFERENCES messages (id),
      sender_address text NOT NULL,
      sender_account_id bigint NOT NULL,
      part_index integer NOT NULL,
      kind integer NOT NULL,
      emoji text NOT NULL,
      created_at bigint NOT NULL,
      PRIMARY KEY (message_id, sender_address, part_index, kind, emoji)
    )`,

    `CREATE TABLE polls (
      id bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
      guid text NOT NULL UNIQUE,
      chat_id bigint NOT NULL REFERENCES chats (id),
      creator_address text NOT NULL,
      title text NOT NULL,
      created_at bigint NOT NULL
    )`,
    `CREATE TABLE poll_options (
      poll_id bigint NOT NULL REFERENCES polls (id),
      option_identifier text NOT NULL,
      text text NOT NULL,
      creator_address text NOT NULL,
      position integer NOT NULL,
      PRIMARY KEY (poll_id, option_identifier)
    )`,
    // One vote per participant: voting again moves it.
    `CREATE TABLE poll_votes (
      poll_id bigint NOT NULL REFERENCES polls (id),
      voter_address text NOT NULL,
      option_identifier text NOT NULL,
      created_at bigint NOT NULL,
      PRIMARY KEY (poll_id, voter_address)
    )`,

    // The first result of a keyed write, replayed on retry; shared by every process.
    // fingerprint covers the method and every request field but the key itself.
    `CREATE TABLE idempotency_keys (
      account_id bigint NOT NULL,
      key text NOT NULL,
      fingerprint text NOT NULL,
      response bytea NOT NULL,
      created_at bigint NOT NULL,
      PRIMARY KEY (account_id, key)
    )`,
    "CREATE INDEX idempotency_keys_by_age ON idempotency_keys (created_at)",

    // Each account's own Focus status; no row means never set (not silenced).
    `CREATE TABLE focus_statuses (
      account_id bigint PRIMARY KEY,
      is_silenced boolean NOT NULL,
      updated_at bigint NOT NULL
    )`,

    // Uploaded attachments. Their bytes are files named by SHA-256 beside the server's
    // data; a row is written only after its files are durable.
    `CREATE TABLE attachments (
      id bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
      guid text NOT NULL UNIQUE,
      uploader_account_id bigint NOT NULL,
      file_name text NOT NULL,
      mime_type text NOT NULL,
      uti text NOT NULL,
      total_bytes bigint NOT NULL,
      sha256 text NOT NULL,
      companion_kind integer,
      companion_file_name text,
      companion_mime_type text,
      companion_bytes bigint,
      companion_sha256 text,
      created_at bigint NOT NULL
    )`,
    "CREATE INDEX attachments_by_sha256 ON attachments (sha256)",
    "CREATE INDEX attachments_by_companion_sha256 ON attachments (companion_sha256)",
    // The attachment bubbles of a message, in order.
    `CREATE TABLE message_attachments (
      message_id bigint NOT NULL REFERENCES messages (id),
      position integer NOT NULL,
      attachment_id bigint NOT NULL REFERENCES attachments (id),
      display_name text,
      is_audio_message boolean NOT NULL DEFAULT false,
      PRIMARY KEY (message_id, position)
    )`,
    "CREATE INDEX message_attachments_by_attachment ON message_attachments (attachment_id, message_id)",
    // Mentions of a multipart message's text parts, over UTF-16 ranges of the whole text.
    `CREATE TABLE message_mentions (
      message_id bigint NOT NULL REFERENCES messages (id),
      position integer NOT NULL,
      address text NOT NULL,
      start integer NOT NULL,
      length integer NOT NULL,
      PRIMARY KEY (message_id, position)
    )`,
    // An app-extension card shown by a message row of kind 'text' with empty text;
    // updates rewrite the row in place, the session stays.
    `CREATE TABLE mini_app_cards (
      message_id bigint PRIMARY KEY REFERENCES messages (id),
      session_id text NOT NULL UNIQUE,
      team_id text NOT NULL,
      extension_bundle_id text NOT NULL,
      app_name text NOT NULL,
      url text NOT NULL,
      app_store_id bigint,
      live boolean NOT NULL,
      caption text,
      subcaption text,
      trailing_caption text,
      trailing_subcaption text,
      image_title text,
      image_subtitle text,
      summary text,
      image bytea
    )`,
    // Stickers placed on messages, with the sticker attachment's metadata as it was when
    // placed; part_index -1 stands for "the whole message".
    `CREATE TABLE message_stickers (
      id bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
      message_id bigint NOT NULL REFERENCES messages (id),
      sender_address text NOT NULL,
      sender_account_id bigint NOT NULL,
      part_index integer NOT NULL,
      attachment_guid text NOT NULL,
      file_name text NOT NULL,
      mime_type text NOT NULL,
      uti text NOT NULL,
      total_bytes bigint NOT NULL,
      x double precision NOT NULL,
      y double precision NOT NULL,
      scale double precision,
      rotation double precision,
      width double precision,
      created_at bigint NOT NULL
    )`,
    "CREATE INDEX message_stickers_by_message ON message_stickers (message_id, id)",
    "CREATE INDEX message_stickers_by_attachment ON message_stickers (attachment_guid)",
    // "Notify anyway": the first time the sender asked, per message.
    `CREATE TABLE silenced_message_notifications (
      message_id bigint PRIMARY KEY REFERENCES messages (id),
      account_id bigint NOT NULL,
      notified_at bigint NOT NULL
    )`,

    // The WhatsApp Business channel. access_token and app_secret are kept as given; the
    // verify token only as its SHA-256.
    `CREATE TABLE whatsapp_numbers (
      id bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
      phone_number_id text NOT NULL UNIQUE,
      access_token text NOT NULL,
      app_secret text NOT NULL,
      verify_token_hash bytea NOT NULL,
      created_at bigint NOT NULL
    )`,
    // kind: 1 inbound message, 2 status update. dedupe_key: "m:<wamid>" or
    // "s:<wamid>:<status>", unique per number so a redelivered webhook adds nothing.
    `CREATE TABLE whatsapp_log (
      number_id bigint NOT NULL,
      sequence bigint NOT NULL,
      kind smallint NOT NULL,
      dedupe_key text NOT NULL,
      recorded_at bigint NOT NULL,
      payload bytea NOT NULL,
      PRIMARY KEY (number_id, sequence),
      UNIQUE (number_id, dedupe_key)
    )`,
    `CREATE TABLE whatsapp_heads (
      number_id bigint PRIMARY KEY,
      head_sequence bigint NOT NULL CHECK (head_sequence >= 0)
    )`,
  ],
];
