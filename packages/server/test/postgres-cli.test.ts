import { createServer } from "node:net";
import { beforeAll, describe, expect, it } from "vitest";
import { assertCliBuilt, runCli } from "./support/cli-process.js";
import { createScratchDatabase, postgresReachable } from "./support/postgres-scratch.js";

const reachable = await postgresReachable();

/** A loopback port nothing listens on. */
function closedPort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const probe = createServer();
    probe.once("error", reject);
    probe.listen(0, "127.0.0.1", () => {
      const address = probe.address();
      const port = typeof address === "object" && address !== null ? address.port : 0;
      probe.close(() => resolve(port));
    });
  });
}

describe("the CLI's --database flag", () => {
  beforeAll(() => {
    assertCliBuilt();
  });

  it("start on an unreachable database prints one line naming it without its password, and exits 1", async () => {
    const port = await closedPort();
    const result = await runCli([
      "start",
      "--database",
      `postgres://threadline:secret-password@127.0.0.1:${port}/threadline`,
      "--port",
      "0",
    ]);
    expect(result.code).toBe(1);
    const lines = result.stderr.trim().split("\n");
    expect(lines).toHaveLength(1);
    expect(lines[0]).toMatch(
      new RegExp(
        `^error: cannot use the PostgreSQL database postgres://threadline:\\*\\*\\*@127\\.0\\.0\\.1:${port}/threadline: .*ECONNREFUSED`,
      ),
    );
    expect(result.stderr).not.toContain("secret-password");
  });

  it("accounts list on an unreachable database is one line and exit 1, too", async () => {
    const port = await closedPort();
    const result = await runCli([
      "accounts",
      "list",
      "--database",
      `postgres://127.0.0.1:${port}/x`,
    ]);
    expect(result.code).toBe(1);
    expect(result.stderr).toMatch(
      /^error: cannot use the PostgreSQL database postgres:\/\/127\.0\.0\.1:\d+\/x: /,
    );
  });

  it("refuses flags that do not go together, naming what is allowed", async () => {
    const pool = await runCli(["start", "--database-pool-size", "8", "--port", "0"]);
    expect(pool.code).toBe(2);
    expect(pool.stderr).toContain("--database-pool-size needs --database");
    const both = await runCli([
      "accounts",
      "list",
      "--data",
      "./x.db",
      "--database",
      "postgres://127.0.0.1/x",
    ]);
    expect(both.code).toBe(2);
    expect(both.stderr).toContain(
      "pass --data (a SQLite file) or --database (a PostgreSQL URL), not both",
    );
    const whatsapp = await runCli([
      "whatsapp",
      "list",
      "--data",
      "./x.db",
      "--database",
      "postgres://127.0.0.1/x",
    ]);
    expect(whatsapp.code).toBe(2);
    expect(whatsapp.stderr).toContain("not both");
    const notPostgres = await runCli(["start", "--database", "mysql://127.0.0.1/x", "--port", "0"]);
    expect(notPostgres.code).toBe(2);
    expect(notPostgres.stderr).toContain("--database must be a PostgreSQL URL such as postgres://");
    const accountsNotPostgres = await runCli(["accounts", "list", "--database", "./threadline.db"]);
    expect(accountsNotPostgres.code).toBe(2);
    expect(accountsNotPostgres.stderr).toContain("--database must be a PostgreSQL URL");
    const badSize = await runCli([
      "start",
      "--database",
      "postgres://127.0.0.1/x",
      "--database-pool-size",
      "0",
    ]);
    expect(badSize.code).toBe(2);
    expect(badSize.stderr).toContain("--database-pool-size must be an integer of at least 1");
  });

  it.runIf(reachable)("accounts add and list work on a PostgreSQL database", async () => {
    const database = await createScratchDatabase();
    try {
      const added = await runCli([
        "accounts",
        "add",
        "alice@example.com",
        "--database",
        database.url,
      ]);
      expect(added.code, added.stderr).toBe(0);
      const second = await runCli([
        "accounts",
        "add",
        "bob@example.com",
        "--database",
        database.url,
      ]);
      expect(second.code, second.stderr).toBe(0);
      const listed = await runCli(["accounts", "list", "--database", database.url]);
      expect(listed.code, listed.stderr).toBe(0);
      expect(listed.stdout).toContain("alice@example.com");
      expect(listed.stdout).toContain("bob@example.com");
      const taken = await runCli([
        "accounts",
        "add",
        "Alice@Example.com",
        "--database",
        database.url,
      ]);
      expect(taken.code).toBe(1);
      expect(taken.stderr).toContain("alice@example.com");
    } finally {
      await database.drop();
    }
  });

  it.runIf(reachable)("whatsapp add, list and remove work on a PostgreSQL database", async () => {
    const database = await createScratchDatabase();
    try {
      const added = await runCli([
        "whatsapp",
        "add",
        "--phone-number-id",
        "106540352242922",
        "--app-secret",
        "app-secret-value",
        "--access-token",
        "access-token-value",
        "--verify-token",
        "verify-token-value",
        "--database",
        database.url,
      ]);
      expect(added.code, added.stderr).toBe(0);
      const listed = await runCli(["whatsapp", "list", "--database", database.url]);
      expect(listed.code, listed.stderr).toBe(0);
      expect(listed.stdout).toContain("106540352242922");
      expect(listed.stdout).not.toContain("app-secret-value");
      const removed = await runCli([
        "whatsapp",
        "remove",
        "--phone-number-id",
        "106540352242922",
        "--database",
        database.url,
      ]);
      expect(removed.code, removed.stderr).toBe(0);
      const empty = await runCli(["whatsapp", "list", "--database", database.url]);
      expect(empty.stdout).not.toContain("106540352242922");
    } finally {
      await database.drop();
    }
  });
});
