import { execFileSync } from "node:child_process";
import { chmodSync, mkdirSync, writeFileSync } from "node:fs";
import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterEach, beforeAll, beforeEach, describe, expect, it } from "vitest";
import { assertCliBuilt, runCli } from "./support/cli-process.js";

let directory: string;
const mounted: string[] = [];

beforeAll(() => {
  assertCliBuilt();
});
beforeEach(async () => {
  directory = await mkdtemp(join(tmpdir(), "threadline-cli-data-file-"));
});
afterEach(async () => {
  for (const mount of mounted.splice(0)) execFileSync("umount", [mount]);
  chmodSync(directory, 0o700);
  await rm(directory, { recursive: true, force: true });
});

/** `start` on `dataPath`: the exit code and stderr of a start that must fail at once. */
async function startOn(dataPath: string) {
  return runCli(["start", "--data", dataPath, "--port", "0"]);
}

/** One `error: …` line naming the file and the cause, and no stack trace. */
function expectOneClearLine(stderr: string, dataPath: string, cause: string): void {
  const lines = stderr.split("\n").filter((line) => line !== "");
  expect(lines).toHaveLength(1);
  expect(lines[0]).toMatch(/^error: /);
  expect(lines[0]).toContain(dataPath);
  expect(lines[0]).toContain(cause);
  expect(stderr).not.toMatch(/\n\s+at /);
  expect(stderr).not.toContain("SqliteError");
}

/**
 * Makes `dataDirectory` read-only for this process: a read-only tmpfs when we are
 * root (root ignores permission bits), file modes otherwise.
 */
function makeReadOnly(dataDirectory: string, dataPath: string): void {
  if (process.getuid?.() === 0) {
    execFileSync("mount", ["-o", "remount,ro", dataDirectory]);
  } else {
    chmodSync(dataPath, 0o444);
    chmodSync(dataDirectory, 0o555);
  }
}

describe("threadline-server start on a data file it cannot use", () => {
  it("a read-only data file: one line naming the file and that it is read-only, exit 1", async () => {
    const dataDirectory = join(directory, "data");
    mkdirSync(dataDirectory);
    if (process.getuid?.() === 0) {
      execFileSync("mount", ["-t", "tmpfs", "-o", "size=4m", "tmpfs", dataDirectory]);
      mounted.push(dataDirectory);
    }
    const dataPath = join(dataDirectory, "threadline.db");
    const added = await runCli(["accounts", "add", "alice@example.com", "--data", dataPath]);
    expect(added.code).toBe(0);
    makeReadOnly(dataDirectory, dataPath);

    const result = await startOn(dataPath);
    expect(result.code).toBe(1);
    expectOneClearLine(result.stderr, dataPath, "is read-only");
    expect(result.stderr).toMatch(/^error: cannot use the data file /);
  });

  it("a file that is not a database: one line naming the file and the cause, exit 1", async () => {
    const dataPath = join(directory, "notes.txt");
    writeFileSync(dataPath, "these are not the bytes of a SQLite database\n".repeat(200));
    const result = await startOn(dataPath);
    expect(result.code).toBe(1);
    expectOneClearLine(result.stderr, dataPath, "is not a SQLite database");
    expect(result.stderr).toMatch(/^error: cannot use the data file /);
  });

  it("a data file in a directory that does not exist: one line naming the file, exit 1", async () => {
    const dataPath = join(directory, "missing", "threadline.db");
    const result = await startOn(dataPath);
    expect(result.code).toBe(1);
    expectOneClearLine(result.stderr, dataPath, "does not exist");
  });
});
