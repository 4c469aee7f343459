import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import {
  ChatServiceDefinition,
  EventLogServiceDefinition,
  EventServiceDefinition,
  MessageServiceDefinition,
  type photon,
  type threadline,
} from "@threadline/protocol";
import { afterEach, beforeAll, beforeEach, describe, expect, it } from "vitest";
import {
  assertCliBuilt,
  runCli,
  type ServerProcess,
  startServerProcess,
} from "./support/cli-process.js";
import { collect, createRawClient } from "./support/grpc-client.js";

type CatchUpFrame = photon.imessage.v1.CatchUpEventsResponse;

let directory: string;
let dataPath: string;
const started: ServerProcess[] = [];

beforeAll(() => {
  assertCliBuilt();
});
beforeEach(async () => {
  directory = await mkdtemp(join(tmpdir(), "threadline-cli-"));
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

async function start(): Promise<ServerProcess> {
  const server = await startServerProcess(["--data", dataPath, "--port", "0"]);
  started.push(server);
  return server;
}

async function addAccount(address: string): Promise<string> {
  const result = await runCli(["accounts", "add", address, "--data", dataPath]);
  expect(result.code).toBe(0);
  const token = result.stdout.trim();
  expect(token).toMatch(/^[A-Za-z0-9_-]{43}$/);
  return token;
}

describe("threadline-server CLI", () => {
  it("prints the listening address and a first-run hint, and stops cleanly on SIGTERM", async () => {
    const server = await start();
    expect(server.address).toMatch(/^127\.0\.0\.1:\d+$/);
    server.child.kill("SIGTERM");
    expect(await server.exited).toBe(0);
    expect(server.stderr()).toContain("No accounts yet");
    expect(server.stderr()).toContain("threadline-server accounts add");
    expect(server.stdout()).toContain("threadline server stopped");
  });

  it("rejects an invalid address in accounts add, naming it", async () => {
    const result = await runCli(["accounts", "add", "not-an-address", "--data", dataPath]);
    expect(result.code).toBe(1);
    expect(result.stderr).toContain('"not-an-address"');
    expect(result.stdout).toBe("");
  });

  it("--retention keeps only the newest events per account", async () => {
    const token = await addAccount("alice@example.com");
    const server = await startServerProcess([
      "--data",
      dataPath,
      "--port",
      "0",
      "--retention",
      "2",
    ]);
    started.push(server);
    const chats = createRawClient(server.address, ChatServiceDefinition, token);
    const log = createRawClient(server.address, EventLogServiceDefinition, token);
    try {
      const created = await chats.unary<photon.imessage.v1.CreateChatResponse>("createChat", {
        addresses: ["bob@example.com"],
        initialMessage: { text: "one" },
      });
      const messages = createRawClient(server.address, MessageServiceDefinition, token);
      try {
        for (const text of ["two", "three", "four"]) {
          await messages.unary("sendTextMessage", { chatGuid: created.chat?.guid, text });
        }
      } finally {
        messages.close();
      }
      const info = await log.unary<threadline.v1.LogInfo>("getLogInfo", {});
      expect(info.headSequence).toBeGreaterThanOrEqual(4);
      expect(info.oldestRetainedSequence).toBe(info.headSequence - 1);
    } finally {
      chats.close();
      log.close();
    }
  });

  it("acknowledged writes survive kill -9", async () => {
    const aliceToken = await addAccount("alice@example.com");
    const bobToken = await addAccount("bob@example.com");
    let server = await start();
    const chats = createRawClient(server.address, ChatServiceDefinition, aliceToken);
    const messages = createRawClient(server.address, MessageServiceDefinition, aliceToken);
    let sent: string[];
    try {
      const created = await chats.unary<photon.imessage.v1.CreateChatResponse>("createChat", {
        addresses: ["bob@example.com"],
        initialMessage: { text: "first" },
      });
      const chatGuid = created.chat?.guid ?? "";
      expect(chatGuid).toBe("any;-;bob@example.com");
      sent = Array.from({ length: 20 }, (_, index) => `message ${index}`);
      await Promise.all(sent.map((text) => messages.unary("sendTextMessage", { chatGuid, text })));
    } finally {
      chats.close();
      messages.close();
    }
    // Every write above was acknowledged; kill the process without any chance to flush.
    server.child.kill("SIGKILL");
    expect(await server.exited).toBe("SIGKILL");

    server = await start();
    for (const [token, chatGuid] of [
      [aliceToken, "any;-;bob@example.com"],
      [bobToken, "any;-;alice@example.com"],
    ] as const) {
      const events = createRawClient(server.address, EventServiceDefinition, token);
      try {
        const frames = await collect<CatchUpFrame>(events.stream("catchUpEvents", {}));
        const texts = frames.flatMap((frame) => {
          const text = frame.messageChanged?.messageReceived?.message?.content?.text;
          return typeof text === "string" ? [text] : [];
        });
        expect(new Set(texts)).toEqual(new Set(["first", ...sent]));
        expect(
          frames.every((frame) => frame.complete || frame.messageChanged?.chatGuid === chatGuid),
        ).toBe(true);
        const sequences = frames.flatMap((frame) =>
          frame.sequence === null ? [] : [frame.sequence],
        );
        expect(sequences).toEqual(
          Array.from({ length: sequences.length }, (_, index) => index + 1),
        );
      } finally {
        events.close();
      }
    }
  });
});
