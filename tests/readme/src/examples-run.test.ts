import { existsSync } from "node:fs";
import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { chats } from "@threadline/chats";
import { createClient } from "@threadline/core";
import { startTestServer } from "@threadline/server/testing";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { runExample, startExample } from "./run-example.js";

let directory = "";
beforeEach(async () => {
  directory = await mkdtemp(join(tmpdir(), "threadline-readme-"));
});
afterEach(async () => {
  await rm(directory, { recursive: true, force: true });
});

/** A server where Alice has written to the bot twice: the bot's log holds two events. */
async function serverWithActivity() {
  const server = await startTestServer();
  const bot = await server.accounts.create(["bot@example.com"]);
  const alice = await server.accounts.create(["alice@example.com"]);
  const im = createClient({ address: server.address, token: alice.token, resources: { chats } });
  try {
    await im.chats.create(["bot@example.com"], { message: "Hi bot" });
    await im.chats.create(["bot@example.com"], { message: "Are you there?" });
  } finally {
    await im.close();
  }
  return { server, env: { THREADLINE_ADDRESS: server.address, THREADLINE_TOKEN: bot.token } };
}

describe("README examples, run against a real server", () => {
  it("connect.ts reads the log head and replays the log", async () => {
    const { server, env } = await serverWithActivity();
    await using _server = server;
    const result = await runExample("connect.ts", directory, env);
    expect(result.stderr).toBe("");
    expect(result.code).toBe(0);
    expect(result.stdout.split("\n")).toEqual([
      "connected: the log holds 2 events",
      "#1 message.received in any;-;alice@example.com",
      "#2 message.received in any;-;alice@example.com",
      "",
    ]);
  });

  it("connect.ts without THREADLINE_TOKEN fails naming the call and the likely cause", async () => {
    const { server, env } = await serverWithActivity();
    await using _server = server;
    const result = await runExample("connect.ts", directory, {
      THREADLINE_ADDRESS: env.THREADLINE_ADDRESS,
      THREADLINE_TOKEN: undefined,
    });
    expect(result.code).not.toBe(0);
    expect(result.stdout).toBe("");
    expect(result.stderr).toContain(
      "AuthenticationError: events.getLogInfo() was refused: the server did not accept the bearer token.",
    );
    expect(result.stderr).toContain("is THREADLINE_TOKEN set?");
    expect(result.stderr).not.toContain("GetServerInfo");
  });

  it("recover.ts handles the backlog once, and a second run resumes from the SQLite checkpoint", async () => {
    const { server, env } = await serverWithActivity();
    await using _server = server;
    const first = await runExample("recover.ts", directory, env);
    expect(first.stderr).toBe("");
    expect(first.code).toBe(0);
    expect(first.stdout).toContain("handling #1 message.received");
    expect(first.stdout).toContain("handling #2 message.received");
    expect(first.stdout).toContain("caught up to #2; handled 2 events this run");
    expect(existsSync(join(directory, "bot.db"))).toBe(true);

    const second = await runExample("recover.ts", directory, env);
    expect(second.code).toBe(0);
    expect(second.stdout).not.toContain("handling #");
    expect(second.stdout).toContain("caught up to #2; handled 0 events this run");
  });

  it("recovery-quick-start.ts (the recovery README) handles the backlog and closes in finally", async () => {
    const { server, env } = await serverWithActivity();
    await using _server = server;
    const result = await runExample("recovery-quick-start.ts", directory, env);
    expect(result.stderr).toBe("");
    expect(result.code).toBe(0);
    expect(result.stdout.split("\n")).toEqual([
      "#1 message.received",
      "#2 message.received",
      "checkpoint 2, handled 2, lag 0",
      "",
    ]);
  });

  it("core-subscribe.ts (the core README) streams every event, saves the cursor, and resumes after Ctrl-C", async () => {
    const { server, env } = await serverWithActivity();
    await using _server = server;
    const first = await startExample("core-subscribe.ts", directory, env, 2);
    const ended = await first.interrupt();
    expect(ended.stderr).toBe("");
    expect(ended.code).toBe(0);
    expect(ended.stdout).toBe("#1 message.received\n#2 message.received\n");
    expect(existsSync(join(directory, "cursor.txt"))).toBe(true);

    // A new message while it is stopped: the next run starts after the saved cursor.
    const alice = await server.accounts.create(["carol@example.com"]);
    const im = createClient({ address: server.address, token: alice.token, resources: { chats } });
    try {
      await im.chats.create(["bot@example.com"], { message: "Still there?" });
    } finally {
      await im.close();
    }
    const second = await startExample("core-subscribe.ts", directory, env, 1);
    const resumed = await second.interrupt();
    expect(resumed.code).toBe(0);
    expect(resumed.stdout).toBe("#3 message.received\n");
  });

  it("chats-quick-start.ts (the chats README) creates a chat with a first message", async () => {
    const server = await startTestServer();
    await using _server = server;
    const bot = await server.accounts.create(["bot@example.com"]);
    const result = await runExample("chats-quick-start.ts", directory, {
      THREADLINE_ADDRESS: server.address,
      THREADLINE_TOKEN: bot.token,
    });
    expect(result.stderr).toBe("");
    expect(result.code).toBe(0);
    expect(result.stdout).toBe("any;-;alice@example.com Happy birthday!\n");
  });

  it.each([
    ["messages-quick-start.ts", "reply threaded: true\n"],
    ["groups-quick-start.ts", "Climbing: 3 participants\n"],
    ["polls-quick-start.ts", 'poll "Where?" with 2 choices\n'],
  ])("%s (its package README's quick start) runs as written", async (name, output) => {
    const server = await startTestServer();
    await using _server = server;
    const bot = await server.accounts.create(["bot@example.com"]);
    const result = await runExample(name, directory, {
      THREADLINE_ADDRESS: server.address,
      THREADLINE_TOKEN: bot.token,
    });
    expect(result.stderr).toBe("");
    expect(result.code).toBe(0);
    expect(result.stdout).toBe(output);
  });

  it("addresses-quick-start.ts (the addresses README) looks up a registered address and sets Focus", async () => {
    const server = await startTestServer();
    await using _server = server;
    const bot = await server.accounts.create(["bot@example.com"]);
    await server.accounts.create(["bob@example.com"]);
    const result = await runExample("addresses-quick-start.ts", directory, {
      THREADLINE_ADDRESS: server.address,
      THREADLINE_TOKEN: bot.token,
    });
    expect(result.stderr).toBe("");
    expect(result.code).toBe(0);
    expect(result.stdout).toBe(
      "bob@example.com is on iMessage; silenced by Focus: false\nmy notifications are silenced: true\n",
    );
  });

  it("attachments-quick-start.ts (the attachments README) uploads, sends and downloads a file", async () => {
    const server = await startTestServer();
    await using _server = server;
    const bot = await server.accounts.create(["bot@example.com"]);
    const result = await runExample("attachments-quick-start.ts", directory, {
      THREADLINE_ADDRESS: server.address,
      THREADLINE_TOKEN: bot.token,
    });
    expect(result.stderr).toBe("");
    expect(result.code).toBe(0);
    expect(result.stdout).toBe("image/png: sent 1, downloaded 2048 bytes\n");
  });

  it("server-start.ts (the server README) starts a server, adds an account and closes", async () => {
    const result = await runExample("server-start.ts", directory);
    expect(result.stderr).toBe("");
    expect(result.code).toBe(0);
    expect(result.stdout).toMatch(/^127\.0\.0\.1:\d+ alice@example\.com true\n$/);
    expect(existsSync(join(directory, "threadline.db"))).toBe(true);
  });

  it("server-testing.ts (the server README) connects to a test server and closes it in finally", async () => {
    const result = await runExample("server-testing.ts", directory);
    expect(result.stderr).toBe("");
    expect(result.code).toBe(0);
    expect(result.stdout).toBe("{ headSequence: 0, oldestRetainedSequence: 0 }\n");
  });

  it("chats.ts creates a chat, sees its background event live, and counts chats", async () => {
    const server = await startTestServer();
    await using _server = server;
    const bot = await server.accounts.create(["bot@example.com"]);
    const result = await runExample("chats.ts", directory, {
      THREADLINE_ADDRESS: server.address,
      THREADLINE_TOKEN: bot.token,
    });
    expect(result.stderr).toBe("");
    expect(result.code).toBe(0);
    expect(result.stdout.split("\n")).toEqual([
      "chat any;-;alice@example.com",
      "event chat.backgroundChanged",
      "has background: true",
      "chats: 1",
      "",
    ]);
  });
});
