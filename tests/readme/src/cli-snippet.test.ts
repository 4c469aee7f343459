import { type ChildProcess, spawn } from "node:child_process";
import { readFileSync } from "node:fs";
import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { createClient } from "@threadline/core";
import { describe, expect, it } from "vitest";
import { root } from "./readme-blocks.js";
import { run } from "./run-example.js";

const cli = `${root}packages/server/bin/threadline-server.js`;
const snippet = readFileSync(
  fileURLToPath(new URL("../examples/server.sh", import.meta.url)),
  "utf8",
);

/** The arguments of each `npx threadline-server ...` line of the snippet. */
function commands(): string[][] {
  return snippet
    .split("\n")
    .filter((line) => line.startsWith("npx threadline-server "))
    .map((line) => line.slice("npx threadline-server ".length).split(/\s+/));
}

function waitForListening(child: ChildProcess): Promise<string> {
  return new Promise((resolve, reject) => {
    let output = "";
    child.stderr?.on("data", (chunk: Buffer) => {
      output += chunk.toString();
      const address = /listening on (\S+)/.exec(output)?.[1];
      if (address !== undefined) resolve(address);
    });
    child.on("exit", (code) =>
      reject(new Error(`the server exited (${code}) before listening:\n${output}`)),
    );
  });
}

describe("README server.sh, run with the built threadline-server CLI", () => {
  it("starts a server and adds an account whose token works", async () => {
    const [start, addAccount] = commands();
    expect(start?.[0]).toBe("start");
    expect(addAccount?.slice(0, 2)).toEqual(["accounts", "add"]);
    if (start === undefined || addAccount === undefined) return;
    const directory = await mkdtemp(join(tmpdir(), "threadline-readme-cli-"));
    // The snippet's fixed port could be taken on a test machine: only the port changes, to 0 (a free one).
    const startArguments = start.map((word, index) => (start[index - 1] === "--port" ? "0" : word));
    const server = spawn(process.execPath, [cli, ...startArguments], {
      cwd: directory,
      stdio: ["ignore", "ignore", "pipe"],
    });
    try {
      const address = await waitForListening(server);
      const added = await run(process.execPath, [cli, ...addAccount], { cwd: directory });
      expect(added.code, added.stderr).toBe(0);
      expect(added.stderr).toContain("Created account");
      const token = added.stdout.trim();
      expect(token).toMatch(/^\S{16,}$/);

      const im = createClient({ address, token });
      try {
        expect(await im.events.getLogInfo()).toMatchObject({ headSequence: 0 });
      } finally {
        await im.close();
      }
      const exited = new Promise<number | null>((resolve) => server.on("exit", resolve));
      server.kill("SIGTERM");
      expect(await exited).toBe(0);
    } finally {
      server.kill("SIGKILL");
      await rm(directory, { recursive: true, force: true });
    }
  });
});
