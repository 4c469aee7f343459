import { describe, expect, it } from "vitest";
import { migratePostgres } from "../../src/storage/postgres/migrate-postgres.js";
import { integerFromPg, nullableIntegerFromPg } from "../../src/storage/postgres/pg-integer.js";
import { createPostgresRepositories } from "../../src/storage/postgres/postgres-repositories.js";
import { usePostgresScratchDatabase } from "./contract-engines.js";
import { newAttachment } from "./contract-records.js";

describe("PostgreSQL integers become numbers in one checked place", () => {
  it("reads int8 text and int4 numbers as safe integers", () => {
    expect(integerFromPg("9007199254740991", "c")).toBe(Number.MAX_SAFE_INTEGER);
    expect(integerFromPg("-42", "c")).toBe(-42);
    expect(integerFromPg(7, "c")).toBe(7);
    expect(nullableIntegerFromPg(null, "c")).toBeNull();
    expect(nullableIntegerFromPg("0", "c")).toBe(0);
  });

  it("refuses values a number cannot hold exactly, naming the column", () => {
    expect(() => integerFromPg("9007199254740993", "attachments.total_bytes")).toThrow(
      "PostgreSQL returned 9007199254740993 for attachments.total_bytes; a safe integer was expected",
    );
    expect(() => integerFromPg("1.5", "c")).toThrow("a safe integer was expected");
    expect(() => integerFromPg(undefined, "accounts.id")).toThrow(
      "PostgreSQL returned undefined for accounts.id",
    );
    expect(() => integerFromPg("", "c")).toThrow("a safe integer was expected");
    expect(() => integerFromPg("0x1f", "c")).toThrow("a safe integer was expected");
  });
});

describe("PostgreSQL repositories refuse an unsafe stored integer instead of rounding it", () => {
  const scratch = usePostgresScratchDatabase();

  it("finding an attachment whose size is past 2^53 throws", async () => {
    const pool = await scratch().poolForSchema("unsafe");
    const migrator = await pool.connect();
    try {
      await migratePostgres(migrator);
    } finally {
      migrator.release();
    }
    const repositories = createPostgresRepositories(pool);
    const attachment = newAttachment();
    await repositories.attachments.insert(attachment);
    // Another writer (or a hand edit) stored a size JavaScript cannot represent exactly.
    await pool.query("UPDATE attachments SET total_bytes = 9007199254740993 WHERE guid = $1", [
      attachment.guid,
    ]);
    await expect(repositories.attachments.find(attachment.guid)).rejects.toThrow(
      "PostgreSQL returned 9007199254740993 for attachments.total_bytes; a safe integer was expected",
    );
  });
});
