import { existsSync } from "node:fs";
import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { status } from "@grpc/grpc-js";
import { EventLogServiceDefinition, type threadline } from "@threadline/protocol";
import { afterEach, beforeAll, beforeEach, describe, expect, it } from "vitest";
import { tokenRevalidationMs } from "../src/auth/authenticated-accounts.js";
import {
  assertCliBuilt,
  runCli,
  type ServerProcess,
  startServerProcess,
} from "./support/cli-process.js";
import { createRawClient } from "./support/grpc-client.js";

let directory: string;
let dataPath: string;
const started: ServerProcess[] = [];

beforeAll(() => {
  assertCliBuilt();
});
beforeEach(async () => {
  directory = await mkdtemp(join(tmpdir(), "threadline-cli-accounts-"));
  dataPath = join(directory, "threadline.db");
});
afterEach(async () => {
  for (const server of started.splice(0)) {
    if (server.child.exitCode === null && server.child.signalCode === null)
      server.child.kill("SIGKILL");
    await server.exited;
  }
  await rm(directory, { recursive: true, force: true });
});

async function addAccount(...addresses: string[]): Promise<string> {
  const result = await runCli(["accounts", "add", ...addresses, "--data", dataPath]);
  expect(result.code, result.stderr).toBe(0);
  return result.stdout.trim();
}

/** Whether the server accepts `token` for a call of the account's own log. */
async function tokenWorks(address: string, token: string): Promise<boolean> {
  const log = createRawClient(address, EventLogServiceDefinition, token);
  try {
    await log.unary<threadline.v1.LogInfo>("getLogInfo", {});
    return true;
  } catch (error) {
    expect(error).toMatchObject({ code: status.UNAUTHENTICATED });
    return false;
  } finally {
    log.close();
  }
}

/**
 * Whether the running server refuses `token` within `withinMs`. A server trusts a token
 * it has checked for at most `tokenRevalidationMs`, and a rotation by the CLI (another
 * process) reaches it no faster; this asks again until the token fails or time is up.
 */
async function refusedWithin(address: string, token: string, withinMs: number): Promise<boolean> {
  const deadline = Date.now() + withinMs;
  for (;;) {
    if (!(await tokenWorks(address, token))) return true;
    if (Date.now() >= deadline) return false;
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
}

describe("threadline-server accounts list", () => {
  it("lists every account with its addresses and token count, and never prints a token", async () => {
    const bobToken = await addAccount("bob@example.com", "+1 415 555 0100");
    const aliceToken = await addAccount("alice@example.com");
    const result = await runCli(["accounts", "list", "--data", dataPath]);
    expect(result.code, result.stderr).toBe(0);
    const lines = result.stdout.trimEnd().split("\n");
    expect(lines).toHaveLength(2);
    expect(lines[0]).toMatch(
      /^1\tbob@example\.com, \+14155550100\ttokens: 1\tcreated \d{4}-\d\d-\d\dT/,
    );
    expect(lines[1]).toMatch(/^2\talice@example\.com\ttokens: 1\tcreated /);
    expect(result.stdout + result.stderr).not.toContain(bobToken);
    expect(result.stdout + result.stderr).not.toContain(aliceToken);
    expect(result.stderr).toContain("accounts rotate-token");
  });

  it("says how to create the first account when there is none", async () => {
    const empty = join(directory, "empty.db");
    // `start` creates an empty database; list it before any account exists.
    const server = await startServerProcess(["--data", empty, "--port", "0"]);
    started.push(server);
    const result = await runCli(["accounts", "list", "--data", empty]);
    expect(result.code, result.stderr).toBe(0);
    expect(result.stdout).toBe("");
    expect(result.stderr).toContain(
      `threadline-server accounts add you@example.com --data ${empty}`,
    );
  });

  it("refuses a database file that does not exist instead of creating an empty one", async () => {
    const missing = join(directory, "typo.db");
    const result = await runCli(["accounts", "list", "--data", missing]);
    expect(result.code).toBe(1);
    expect(result.stderr).toBe(
      `error: there is no database at ${missing}; pass the --data file the server was started with\n`,
    );
    expect(existsSync(missing)).toBe(false);
  });

  it("rejects extra arguments with the usage", async () => {
    await addAccount("alice@example.com");
    const result = await runCli(["accounts", "list", "alice@example.com", "--data", dataPath]);
    expect(result.code).toBe(2);
    expect(result.stderr).toContain(
      'accounts list takes no arguments; received "alice@example.com"',
    );
    expect(result.stderr).toContain("Usage:");
  });
});

describe("threadline-server accounts rotate-token", () => {
  it("revokes the old token and prints a new one that a running server accepts", async () => {
    const oldToken = await addAccount("bob@example.com", "+14155550100");
    const server = await startServerProcess(["--data", dataPath, "--port", "0"]);
    started.push(server);
    expect(await tokenWorks(server.address, oldToken)).toBe(true);

    // Any spelling of any of the account's addresses finds it.
    const rotated = await runCli([
      "accounts",
      "rotate-token",
      "+1 (415) 555-0100",
      "--data",
      dataPath,
    ]);
    expect(rotated.code, rotated.stderr).toBe(0);
    const newToken = rotated.stdout.trim();
    expect(newToken).toMatch(/^[A-Za-z0-9_-]{43}$/);
    expect(newToken).not.toBe(oldToken);
    expect(rotated.stderr).toContain(
      "Rotated the token of account 1 (bob@example.com, +14155550100): 1 old token(s) no longer work",
    );

    // Generous against a loaded machine: the bound itself is tokenRevalidationMs (1 s).
    expect(await refusedWithin(server.address, oldToken, 10 * tokenRevalidationMs)).toBe(true);
    expect(await tokenWorks(server.address, newToken)).toBe(true);
    const listed = await runCli(["accounts", "list", "--data", dataPath]);
    expect(listed.stdout).toContain("tokens: 1");
  });

  it("names an address that belongs to no account, and changes nothing", async () => {
    const token = await addAccount("bob@example.com");
    const result = await runCli([
      "accounts",
      "rotate-token",
      "carol@example.com",
      "--data",
      dataPath,
    ]);
    expect(result.code).toBe(1);
    expect(result.stdout).toBe("");
    expect(result.stderr).toBe(
      `error: no account has the address "carol@example.com"; threadline-server accounts list --data ${dataPath} shows every account\n`,
    );
    const server = await startServerProcess(["--data", dataPath, "--port", "0"]);
    started.push(server);
    expect(await tokenWorks(server.address, token)).toBe(true);
  });

  it("rejects an invalid address with the address rules, and a wrong argument count with the usage", async () => {
    await addAccount("bob@example.com");
    const invalid = await runCli(["accounts", "rotate-token", "bob@", "--data", dataPath]);
    expect(invalid.code).toBe(1);
    expect(invalid.stderr).toContain('address "bob@" is not a valid email address');
    for (const args of [[], ["bob@example.com", "carol@example.com"]]) {
      const result = await runCli(["accounts", "rotate-token", ...args, "--data", dataPath]);
      expect(result.code).toBe(2);
      expect(result.stderr).toContain(
        `accounts rotate-token needs exactly one address of the account, e.g. bot@example.com; received ${args.length}`,
      );
    }
  });

  it("refuses a database file that does not exist", async () => {
    const missing = join(directory, "typo.db");
    const result = await runCli(["accounts", "rotate-token", "bob@example.com", "--data", missing]);
    expect(result.code).toBe(1);
    expect(result.stderr).toContain(`there is no database at ${missing}`);
    expect(existsSync(missing)).toBe(false);
  });
});

describe("threadline-server accounts add", () => {
  it("calls 911 and 112 emergency numbers and 411 a service number, not short codes", async () => {
    for (const [address, problem] of [
      ["911", "is an emergency number"],
      ["112", "is an emergency number"],
      ["411", "is a service number (an N11 code such as 411 directory assistance)"],
      ["12345", "is a short code"],
    ] as const) {
      const result = await runCli(["accounts", "add", address, "--data", dataPath]);
      expect(result.code).toBe(1);
      expect(result.stdout).toBe("");
      expect(result.stderr).toContain(
        `address "${address}" ${problem}, which cannot take part in a chat`,
      );
    }
  });
});
