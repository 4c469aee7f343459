import { execFileSync } from "node:child_process";
import { randomBytes } from "node:crypto";
import { closeSync, mkdtempSync, openSync, rmSync, writeSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import pg from "pg";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { postgresAdminUrl, postgresReachable } from "./support/postgres-scratch.js";
import {
  openRecordingStore,
  type RecordingStore,
  type TestAppendInput,
} from "./support/postgres-test-writes.js";

const reachable = await postgresReachable();

/** Mounts a tmpfs of `size` at a new directory, or undefined where we may not mount. */
function mountSmallDisk(size: string): string | undefined {
  const directory = mkdtempSync(join(tmpdir(), "threadline-pg-full-"));
  try {
    execFileSync("mount", ["-t", "tmpfs", "-o", `size=${size},mode=0777`, "tmpfs", directory], {
      stdio: "pipe",
    });
    return directory;
  } catch {
    rmSync(directory, { recursive: true, force: true });
    return undefined;
  }
}

// A real full disk under PostgreSQL's data files needs a tmpfs we may mount (root) and a
// PostgreSQL on this machine whose server can write there (it does so as its own user).
const directory = reachable ? mountSmallDisk("48m") : undefined;
const ci = process.env.CI === "true";

describe.runIf(reachable && (directory !== undefined || ci))("PostgreSQL out of disk space", () => {
  const suffix = Math.random().toString(16).slice(2, 10);
  const tablespace = `threadline_p_small_${suffix}`;
  const name = `threadline_p_full_${suffix}`;
  const filler = directory === undefined ? "" : join(directory, "filler");
  let url: string;
  let recording: RecordingStore;

  beforeAll(async () => {
    if (directory === undefined)
      throw new Error("CI=true: could not mount a tmpfs for the full-disk test");
    execFileSync("chown", ["postgres", directory]);
    const admin = new pg.Client({ connectionString: postgresAdminUrl });
    await admin.connect();
    try {
      await admin.query(`CREATE TABLESPACE ${tablespace} LOCATION '${directory}'`);
      await admin.query(`CREATE DATABASE ${name} TABLESPACE ${tablespace}`);
    } finally {
      await admin.end();
    }
    const parsed = new URL(postgresAdminUrl);
    parsed.pathname = `/${name}`;
    url = parsed.toString();
    recording = await openRecordingStore(url, { poolSize: 1 });
  });
  afterAll(async () => {
    await recording?.store.close();
    const admin = new pg.Client({ connectionString: postgresAdminUrl });
    await admin.connect();
    try {
      await admin.query(`DROP DATABASE IF EXISTS ${name} WITH (FORCE)`);
      await admin.query(`DROP TABLESPACE IF EXISTS ${tablespace}`);
    } finally {
      await admin.end();
    }
    if (directory !== undefined) {
      execFileSync("umount", [directory]);
      rmSync(directory, { recursive: true, force: true });
    }
  });

  /** Takes every free byte of the tmpfs. */
  function fill(): void {
    const descriptor = openSync(filler, "w");
    const chunk = Buffer.alloc(64 * 1024, 1);
    try {
      for (;;) writeSync(descriptor, chunk);
    } catch {
      // ENOSPC: the disk is full.
    } finally {
      closeSync(descriptor);
    }
  }

  // Large, incompressible events (the chat GUID is stored with each row) need new pages.
  const write = (id: string) =>
    recording.store.run({
      operation: "test.append",
      input: {
        id,
        padding: randomBytes(150_000).toString("base64"),
        accounts: [1, 2],
        failure: "none",
      } satisfies TestAppendInput,
    });

  it("refuses writes with STORAGE_FULL (retryable) while the disk is full, storing nothing, and takes them again once space is freed", async () => {
    await write("before");
    fill();
    let refused: unknown;
    let refusedId = "";
    for (let attempt = 0; attempt < 50 && refused === undefined; attempt += 1) {
      await write(`full-${attempt}`).catch((error: unknown) => {
        refused = error;
        refusedId = `full-${attempt}`;
      });
    }
    expect(refused).toMatchObject({ errorCode: "STORAGE_FULL", retryable: true });
    expect(String((refused as Error).message)).toContain("out of disk space");
    expect(recording.availability).toEqual([]);

    rmSync(filler);
    await write("after");
    const client = new pg.Client({ connectionString: url });
    await client.connect();
    try {
      const { rows } = await client.query<{ sequence: string }>(
        "SELECT sequence FROM event_log WHERE account_id = 1 ORDER BY sequence",
      );
      const sequences = rows.map((row) => Number(row.sequence));
      expect(sequences).toEqual(sequences.map((_, index) => index + 1));
      const leftovers = await client.query(
        "SELECT 1 FROM event_log WHERE left(chat_guid, $2) = $1 UNION ALL SELECT 1 FROM idempotency_keys WHERE key = $1",
        [refusedId, refusedId.length],
      );
      expect(leftovers.rows).toEqual([]);
    } finally {
      await client.end();
    }
  });
});
