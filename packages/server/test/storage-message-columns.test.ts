import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import BetterSqlite3 from "better-sqlite3";
import { pino } from "pino";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { domainSchema } from "../src/storage/domain-schema.js";
import { openSqliteStore } from "../src/storage/sqlite-store.js";

const silent = pino({ enabled: false });
const addedColumns = [
  "formatting",
  "link_preview",
  "data_detection",
  "thread_originator_guid",
  "thread_originator_part",
];
let directory: string;
let path: string;

beforeEach(async () => {
  directory = await mkdtemp(join(tmpdir(), "threadline-message-columns-"));
  path = join(directory, "threadline.db");
});

afterEach(async () => {
  await rm(directory, { recursive: true, force: true });
});

describe("message columns added after the first schema", () => {
  it("a file written before them gains them on open, and its messages read with the defaults", async () => {
    await openSqliteStore({ path, logger: silent }).close();
    // Turn the file into one the previous server wrote: without the five columns, at
    // the domain version before them, holding one message.
    const file = new BetterSqlite3(path);
    for (const column of addedColumns) file.exec(`ALTER TABLE messages DROP COLUMN ${column}`);
    file
      .prepare("UPDATE schema_version SET version = ? WHERE component = 'domain'")
      .run(domainSchema.indexOf("ALTER TABLE messages ADD COLUMN formatting TEXT"));
    file
      .prepare(
        "INSERT INTO chats (id, is_group, direct_key, created_at) VALUES (1, 0, 'a@x.com\nb@x.com', 0)",
      )
      .run();
    file
      .prepare(
        "INSERT INTO messages (guid, chat_id, sender_address, sender_account_id, kind, text, created_at) VALUES ('OLD-1', 1, 'a@x.com', 1, 'text', 'from before', 0)",
      )
      .run();
    file.close();

    const store = openSqliteStore({ path, logger: silent });
    try {
      const reader = new BetterSqlite3(path, { readonly: true });
      try {
        const columns = reader
          .prepare<[], { name: string }>("SELECT name FROM pragma_table_info('messages')")
          .all()
          .map((row) => row.name);
        expect(columns).toEqual(expect.arrayContaining(addedColumns));
        const version = reader
          .prepare<[], { version: number }>(
            "SELECT version FROM schema_version WHERE component = 'domain'",
          )
          .get();
        expect(version?.version).toBe(domainSchema.length);
      } finally {
        reader.close();
      }
      const old = await store.repositories.messages.find("OLD-1");
      expect(old).toMatchObject({
        text: "from before",
        formatting: [],
        linkPreview: false,
        dataDetection: false,
        threadOriginatorGuid: null,
        threadOriginatorPart: null,
      });
    } finally {
      await store.close();
    }
  });
});
