/**
 * Tables of the WhatsApp Business channel: registered business numbers and each
 * number's durable event log. One schema version per statement (the list only ever
 * grows); `migrate` runs them in order inside its transaction. Times are Unix ms.
 */
export const whatsappSchema: readonly string[] = [
  // access_token and app_secret are kept as given: the Graph API needs the token and
  // webhook signatures need the secret. The verify token is only ever compared, so only
  // its SHA-256 is kept.
  `CREATE TABLE IF NOT EXISTS whatsapp_numbers (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    phone_number_id TEXT NOT NULL UNIQUE,
    access_token TEXT NOT NULL,
    app_secret TEXT NOT NULL,
    verify_token_hash BLOB NOT NULL,
    created_at INTEGER NOT NULL
  )`,
  // kind: 1 inbound message, 2 status update. dedupe_key: "m:<wamid>" or
  // "s:<wamid>:<status>", unique per number so a redelivered webhook adds nothing.
  // payload: the encoded photon.whatsapp.v1.Event, cursor included.
  `CREATE TABLE IF NOT EXISTS whatsapp_log (
    number_id INTEGER NOT NULL,
    sequence INTEGER NOT NULL,
    kind INTEGER NOT NULL,
    dedupe_key TEXT NOT NULL,
    recorded_at INTEGER NOT NULL,
    payload BLOB NOT NULL,
    PRIMARY KEY (number_id, sequence)
  )`,
  "CREATE UNIQUE INDEX IF NOT EXISTS whatsapp_log_dedupe ON whatsapp_log (number_id, dedupe_key)",
  `CREATE TABLE IF NOT EXISTS whatsapp_heads (
    number_id INTEGER PRIMARY KEY,
    head_sequence INTEGER NOT NULL
  )`,
];
