import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import {
  EventLogServiceDefinition,
  ServerInfoServiceDefinition,
  type threadline,
} from "@threadline/protocol";
import { afterEach, beforeAll, beforeEach, describe, expect, it } from "vitest";
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
  directory = await mkdtemp(join(tmpdir(), "threadline-cli-start-"));
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

async function start(args: readonly string[] = []): Promise<ServerProcess> {
  const server = await startServerProcess(["--data", dataPath, "--port", "0", ...args]);
  started.push(server);
  return server;
}

describe("threadline-server start: a port that is already in use", () => {
  it("prints one line naming the port and what to do, with no grpc-js line or stack trace", async () => {
    const first = await start();
    const port = first.address.split(":").at(-1) ?? "";
    const second = await runCli(["start", "--data", join(directory, "other.db"), "--port", port]);
    expect(second.code).toBe(1);
    expect(second.stderr).toBe(
      `error: port ${port} on 127.0.0.1 is already in use (another threadline-server or another program listens there); stop that process, or start on another port with --port <port> (--port 0 picks a free one)\n`,
    );
    // The log (stdout) says nothing at info level either: the one line is the whole story.
    expect(second.stdout).toBe("");
  });
});

describe("threadline-server --help", () => {
  it("lists the accounts commands and --heartbeat-ms", async () => {
    const result = await runCli(["--help"]);
    expect(result.code).toBe(0);
    for (const line of [
      "threadline-server accounts add <address...>",
      "threadline-server accounts list",
      "threadline-server accounts rotate-token <address>",
      "[--heartbeat-ms <ms>]",
      "--heartbeat-ms  heartbeat interval on idle streams, in ms (default 15000)",
    ]) {
      expect(result.stdout).toContain(line);
    }
  });

  it("accounts add points to rotate-token, since the token is shown only once", async () => {
    const result = await runCli(["accounts", "add", "alice@example.com", "--data", dataPath]);
    expect(result.code).toBe(0);
    expect(result.stderr).toContain("Its bearer token, shown only once:");
    expect(result.stderr).toContain(
      "threadline-server accounts rotate-token <address> issues a new one",
    );
  });
});

describe("threadline-server: a --data file in a folder that does not exist", () => {
  it.each([
    ["start", ["start", "--port", "0"]],
    ["accounts add", ["accounts", "add", "alice@example.com"]],
  ])("%s prints one line saying so, with no stack trace", async (_name, args) => {
    const missing = join(directory, "no-such-folder", "threadline.db");
    const result = await runCli([...args, "--data", missing]);
    expect(result.code).toBe(1);
    expect(result.stderr).toBe(
      `error: the folder of --data ${missing} does not exist; create it first (the server creates only the database file)\n`,
    );
    expect(result.stdout).toBe("");
  });
});

describe("threadline-server start --heartbeat-ms", () => {
  it("sets the heartbeat interval the server reports and sends on an idle stream", async () => {
    const added = await runCli(["accounts", "add", "alice@example.com", "--data", dataPath]);
    const token = added.stdout.trim();
    const server = await start(["--heartbeat-ms", "250"]);
    const info = createRawClient(server.address, ServerInfoServiceDefinition, token);
    const log = createRawClient(server.address, EventLogServiceDefinition, token);
    try {
      const reported = await info.unary<threadline.v1.ServerInfo>("getServerInfo", {});
      expect(reported.heartbeatIntervalMs).toBe(250);
      // An idle resumable stream of an empty log: after the "live" marker, only heartbeats come.
      const stream = log.stream<threadline.v1.SubscribeEventsResponse>("subscribeEvents", {});
      const before: threadline.v1.SubscribeEventsResponse[] = [];
      await new Promise<void>((resolve, reject) => {
        stream.on("data", (frame: threadline.v1.SubscribeEventsResponse) => {
          if (frame.heartbeat !== undefined && frame.heartbeat !== null) resolve();
          else before.push(frame);
        });
        stream.once("error", reject);
      });
      stream.cancel();
      expect(before.map((frame) => frame.live?.headSequence)).toEqual([0]);
    } finally {
      info.close();
      log.close();
    }
  });

  it.each([
    ["0", '--heartbeat-ms must be an integer of at least 1; received "0"'],
    ["1.5", '--heartbeat-ms must be an integer of at least 1; received "1.5"'],
    ["soon", '--heartbeat-ms must be an integer of at least 1; received "soon"'],
    ["2147483648", "--heartbeat-ms must be at most 2147483647"],
  ])("rejects --heartbeat-ms %s with the usage and exit code 2", async (value, message) => {
    const result = await runCli([
      "start",
      "--data",
      dataPath,
      "--port",
      "0",
      "--heartbeat-ms",
      value,
    ]);
    expect(result.code).toBe(2);
    expect(result.stderr).toContain(`error: ${message}\n`);
    expect(result.stderr).toContain("--heartbeat-ms <ms>");
  });
});
