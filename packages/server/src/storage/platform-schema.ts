/**
 * Migrations of the platform tables: accounts, tokens and the event log. Each entry
 * is one schema version; entries are never edited once released, only appended.
 */
export const platformMigrations: readonly (readonly string[])[] = [
  [
    `CREATE TABLE accounts (
      id INTEGER PRIMARY KEY,
      created_at INTEGER NOT NULL
    )`,
    `CREATE TABLE account_addresses (
      address TEXT PRIMARY KEY,
      account_id INTEGER NOT NULL REFERENCES accounts (id),
      position INTEGER NOT NULL
    ) WITHOUT ROWID`,
    "CREATE INDEX account_addresses_by_account ON account_addresses (account_id, position)",
    `CREATE TABLE tokens (
      id INTEGER PRIMARY KEY,
      account_id INTEGER NOT NULL REFERENCES accounts (id),
      lookup_key TEXT NOT NULL,
      hash BLOB NOT NULL,
      created_at INTEGER NOT NULL
    )`,
    "CREATE INDEX tokens_by_lookup_key ON tokens (lookup_key)",
    // kind: 1 message, 2 group, 3 poll, 4 chat. payload: the encoded inner change event.
    // No index on recorded_at: it would slow every append, and age retention walks each
    // account's log from its oldest row instead (see log/retention.ts).
    // A rowid table on purpose: new rows go to the end of the table and only the small
    // (account_id, sequence) index is touched per account. Clustered by that key
    // (WITHOUT ROWID), every group commit inserted into the middle of the tree once per
    // account and split a full leaf almost every time: ~40 WAL pages per 64-event commit
    // instead of ~20, and every fsync paid for them. Reads use the primary-key index.
    `CREATE TABLE event_log (
      account_id INTEGER NOT NULL,
      sequence INTEGER NOT NULL,
      kind INTEGER NOT NULL,
      chat_guid TEXT NOT NULL,
      poll_guid TEXT,
      recorded_at INTEGER NOT NULL,
      payload BLOB NOT NULL,
      PRIMARY KEY (account_id, sequence)
    )`,
    // retained_from: the lowest sequence retention has not deleted (head + 1 when all are gone).
    `CREATE TABLE log_heads (
      account_id INTEGER PRIMARY KEY,
      head_sequence INTEGER NOT NULL,
      retained_from INTEGER NOT NULL DEFAULT 1
    )`,
  ],
];
