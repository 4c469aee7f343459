import { type ChildProcess, spawn } from "node:child_process";
import { copyFileSync, existsSync, lstatSync, readdirSync, readFileSync } from "node:fs";
import { mkdir, mkdtemp, rm } from "node:fs/promises";
import { createRequire } from "node:module";
import { tmpdir } from "node:os";
import { basename, dirname, join } from "node:path";
import { fileURLToPath } from "node:url";
import { chats } from "@threadline/chats";
import { createClient } from "@threadline/core";
import { messages } from "@threadline/messages";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { publishedPackages } from "./package-imports.js";
import { root } from "./readme-blocks.js";
import { type ProcessResult, run } from "./run-example.js";

// The newcomer path from an empty folder, as the README writes it: pack every published
// package, make fresh npm projects outside the workspace with the README's setup lines,
// install the README's lines (tarballs, as before the first release), start the packed
// server's CLI and run the README's bots in those projects with `npx tsx`.

const examples = fileURLToPath(new URL("../examples/", import.meta.url));
const example = (name: string) => readFileSync(`${examples}${name}`, "utf8");

/**
 * The command lines of a shell example that start with `prefix`, comments removed, as
 * the shell splits them (the examples quote only whole words, with double quotes).
 */
function commandLines(name: string, prefix: string): string[][] {
  return example(name)
    .split("\n")
    .filter((line) => line.startsWith(prefix))
    .map((line) =>
      (line.split("  #")[0] ?? "")
        .trim()
        .split(/\s+/)
        .map((word) => /^"([^"]*)"$/.exec(word)?.[1] ?? word),
    );
}

const packDestination = "../threadline-packages";
const tarballPrefix = `${packDestination}/`;
const beforeRelease = commandLines("install-before-release.sh", "npm install ").map((words) =>
  words.slice(2),
);
const afterRelease = commandLines("install.sh", "npm install ").map((words) => words.slice(2));

/** `../threadline-packages/threadline-core-0.0.0.tgz` -> `@threadline/core`; other words stay. */
function packageOf(word: string): string {
  if (!word.startsWith(tarballPrefix)) return word;
  const file = basename(word);
  for (const [name, { manifest }] of publishedPackages()) {
    if (file === `${name.slice(1).replace("/", "-")}-${manifest.version}.tgz`) return name;
  }
  throw new Error(
    `install-before-release.sh names ${file}, which \`pnpm pack\` does not produce from this tree (a version bump? after the first release the section can go)`,
  );
}

/** Published `@threadline/*` packages `name` depends on, directly or through another. */
function threadlineDependencies(name: string, seen = new Set<string>()): Set<string> {
  const manifest = publishedPackages().get(name)?.manifest;
  for (const dependency of Object.keys(manifest?.dependencies ?? {})) {
    if (!dependency.startsWith("@threadline/") || seen.has(dependency)) continue;
    seen.add(dependency);
    threadlineDependencies(dependency, seen);
  }
  return seen;
}

const npmFlags = ["--prefer-offline", "--no-audit", "--no-fund", "--loglevel=error"];

// A newcomer's shell, not a pnpm script's: `pnpm test` puts npm_config_* and npm_package_*
// variables into the environment, and npm in the fresh projects would read (and warn about) them.
const newcomerEnv: NodeJS.ProcessEnv = Object.fromEntries(
  Object.entries(process.env).filter(([key]) => !/^(npm|pnpm)_/i.test(key)),
);

/** `run` in the newcomer's environment. */
function runFresh(
  command: string,
  args: readonly string[],
  options: { cwd: string; env?: NodeJS.ProcessEnv; timeoutMs?: number },
): Promise<ProcessResult> {
  return run(command, args, { ...options, baseEnv: newcomerEnv });
}
let directory = "";
let prebuilds = "";
const children: ChildProcess[] = [];

/** Runs one README command line in `cwd`; `npm install` lines get the local-cache flags. */
async function runLine(words: readonly string[], cwd: string): Promise<ProcessResult> {
  const [command = "", ...args] = words;
  const extra = command === "npm" && args[0] === "install" ? npmFlags : [];
  const result = await runFresh(command, [...args, ...extra], {
    cwd,
    // better-sqlite3 compiles from source when no prebuilt binary is found (about 80 s);
    // its installer looks here first, for the binary the workspace compiled already.
    env: { npm_config_better_sqlite3_local_prebuilds: prebuilds },
    timeoutMs: 280_000,
  });
  if (result.code !== 0) {
    throw new Error(`\`${words.join(" ")}\` failed in ${cwd}:\n${result.stdout}${result.stderr}`);
  }
  return result;
}

/** A fresh npm project made with setup.sh's lines (the tsx line only when `withTsx`). */
async function newProject(name: string, withTsx: boolean): Promise<string> {
  const project = join(directory, name);
  await mkdir(project);
  for (const words of commandLines("setup.sh", "npm ")) {
    if (!withTsx && words.includes("tsx")) continue;
    await runLine(words, project);
  }
  return project;
}

/** The `@threadline/*` packages installed in a project, each a real folder (no workspace link). */
function installedThreadlinePackages(project: string): string[] {
  const scope = join(project, "node_modules", "@threadline");
  if (!existsSync(scope)) return [];
  return readdirSync(scope).map((entry) => {
    expect(lstatSync(join(scope, entry)).isSymbolicLink(), `${entry} is a link`).toBe(false);
    return `@threadline/${entry}`;
  });
}

/** A prebuilt-binary tarball of the workspace's better-sqlite3, named as its installer expects. */
async function workspacePrebuild(): Promise<string> {
  const folder = join(directory, "prebuilds");
  await mkdir(join(folder, "stage", "build", "Release"), { recursive: true });
  const require = createRequire(import.meta.url);
  const packageFolder = dirname(require.resolve("better-sqlite3/package.json"));
  const { version }: { version: string } = JSON.parse(
    readFileSync(join(packageFolder, "package.json"), "utf8"),
  );
  copyFileSync(
    join(packageFolder, "build", "Release", "better_sqlite3.node"),
    join(folder, "stage", "build", "Release", "better_sqlite3.node"),
  );
  const file = `better-sqlite3-v${version}-node-v${process.versions.modules}-${process.platform}-${process.arch}.tar.gz`;
  const packed = await run(
    "tar",
    ["czf", join(folder, file), "-C", join(folder, "stage"), "build"],
    {
      cwd: folder,
    },
  );
  expect(packed.code, packed.stderr).toBe(0);
  return folder;
}

/** Spawns a long-running command of a project and collects what it prints. */
function spawnIn(cwd: string, words: readonly string[], env: NodeJS.ProcessEnv = {}) {
  const [command = "", ...args] = words;
  // Its own process group: a signal reaches npx, tsx and node together, as Ctrl-C does.
  const child = spawn(command, args, {
    cwd,
    env: { ...newcomerEnv, ...env },
    stdio: ["ignore", "pipe", "pipe"],
    detached: true,
  });
  children.push(child);
  let stdout = "";
  let stderr = "";
  child.stdout?.on("data", (chunk: Buffer) => {
    stdout += chunk.toString();
  });
  child.stderr?.on("data", (chunk: Buffer) => {
    stderr += chunk.toString();
  });
  const exited = new Promise<number | string>((resolve) => {
    child.once("close", (code, signal) => resolve(code ?? signal ?? "unknown"));
  });
  return {
    child,
    exited,
    output: () => ({ stdout, stderr }),
    /** Resolves with the first match of `pattern` in stdout or stderr; rejects if it exits first. */
    waitFor(pattern: RegExp): Promise<RegExpExecArray> {
      return new Promise((resolve, reject) => {
        const check = () => {
          const match = pattern.exec(stdout) ?? pattern.exec(stderr);
          if (match === null) return false;
          resolve(match);
          return true;
        };
        if (check()) return;
        const onData = () => {
          if (check()) {
            child.stdout?.off("data", onData);
            child.stderr?.off("data", onData);
          }
        };
        child.stdout?.on("data", onData);
        child.stderr?.on("data", onData);
        exited.then((code) =>
          reject(
            new Error(
              `${words.join(" ")} exited (${code}) before printing ${pattern}:\n${stdout}${stderr}`,
            ),
          ),
        );
      });
    },
    signal(name: NodeJS.Signals) {
      if (child.pid !== undefined) process.kill(-child.pid, name);
    },
  };
}

let server: ReturnType<typeof spawnIn> | undefined;
let serverAddress = "";
let serverProject = "";

beforeAll(async () => {
  directory = await mkdtemp(join(tmpdir(), "threadline-newcomer-"));
  prebuilds = await workspacePrebuild();
  // The README's pack line, run in the repository, with the destination in the temp folder.
  const [pack] = commandLines("install-before-release.sh", "npx --yes pnpm@10.34.9 -r ");
  expect(pack).toContain(packDestination);
  await runLine(
    (pack ?? []).map((word) =>
      word === packDestination ? join(directory, "threadline-packages") : word,
    ),
    root,
  );
}, 120_000);

afterAll(async () => {
  for (const child of children) {
    if (child.exitCode === null && child.signalCode === null && child.pid !== undefined) {
      try {
        process.kill(-child.pid, "SIGKILL");
      } catch {
        // already gone
      }
    }
  }
  if (directory !== "") await rm(directory, { recursive: true, force: true });
});

describe("README install-before-release.sh: the install lines, from packed tarballs", () => {
  it("packs every published package", () => {
    const packed = readdirSync(join(directory, "threadline-packages")).sort();
    const expected = [...publishedPackages()]
      .map(([name, { manifest }]) => `${name.slice(1).replace("/", "-")}-${manifest.version}.tgz`)
      .sort();
    expect(packed).toEqual(expected);
  });

  it("has install.sh's lines, in order, plus exactly the @threadline dependencies npm cannot fetch yet", () => {
    expect(beforeRelease).toHaveLength(afterRelease.length);
    beforeRelease.forEach((line, index) => {
      const names = line.map(packageOf);
      const wanted = new Set(afterRelease[index]);
      for (const name of afterRelease[index] ?? []) {
        for (const dependency of threadlineDependencies(name)) wanted.add(dependency);
      }
      expect(names.sort(), `line ${index + 1}`).toEqual([...wanted].sort());
    });
  });
});

describe("the newcomer path from an empty folder, against the packed server's CLI", () => {
  it("the server line installs a threadline-server that server.sh starts and adds accounts with", async () => {
    serverProject = await newProject("my-server", false);
    const serverLine = afterRelease.findIndex((line) => line.includes("@threadline/server"));
    await runLine(["npm", "install", ...(beforeRelease[serverLine] ?? [])], serverProject);
    expect(installedThreadlinePackages(serverProject).sort()).toEqual([
      "@threadline/protocol",
      "@threadline/server",
    ]);
    const [start] = commandLines("server.sh", "npx threadline-server start");
    expect(start).toBeDefined();
    // Only the port changes, to 0: 50051 could be taken on a test machine.
    server = spawnIn(
      serverProject,
      (start ?? []).map((word, index, words) => (words[index - 1] === "--port" ? "0" : word)),
    );
    serverAddress = (await server.waitFor(/listening on (\S+)/))[1] ?? "";
    expect(serverAddress).toMatch(/^127\.0\.0\.1:\d+$/);
  }, 300_000);

  /** Adds an account with server.sh's `accounts add` line and returns the token it printed. */
  async function addAccount(address: string): Promise<string> {
    const [add] = commandLines("server.sh", "npx threadline-server accounts add");
    const words = (add ?? []).map((word) => (word === "bot@example.com" ? address : word));
    expect(words).toContain(address);
    const result = await runLine(words, serverProject);
    return result.stdout.trim();
  }

  it("recover.ts runs with `npx tsx` in a project that has only install line 1", async () => {
    expect(serverAddress, "the server test ran first").not.toBe("");
    const botToken = await addAccount("bot@example.com");
    const aliceToken = await addAccount("alice@example.com");
    const alice = createClient({ address: serverAddress, token: aliceToken, resources: { chats } });
    try {
      await alice.chats.create(["bot@example.com"], { message: "Hi bot" });
    } finally {
      await alice.close();
    }

    const project = await newProject("my-bot", true);
    await runLine(["npm", "install", ...(beforeRelease[0] ?? [])], project);
    expect(installedThreadlinePackages(project).sort()).toEqual([
      "@threadline/core",
      "@threadline/protocol",
      "@threadline/recovery",
    ]);
    expect(existsSync(join(project, "node_modules", "pg"))).toBe(false);
    copyFileSync(`${examples}recover.ts`, join(project, "recover.ts"));
    const env = { THREADLINE_ADDRESS: serverAddress, THREADLINE_TOKEN: botToken };
    const first = await runFresh("npx", ["tsx", "recover.ts"], { cwd: project, env });
    expect(first.stderr).toBe("");
    expect(first.code).toBe(0);
    expect(first.stdout).toBe(
      "handling #1 message.received\ncaught up to #1; handled 1 events this run\n",
    );
    const second = await runFresh("npx", ["tsx", "recover.ts"], { cwd: project, env });
    expect(second.stdout).toBe("caught up to #1; handled 0 events this run\n");

    // Without THREADLINE_TOKEN the example's placeholder token is refused, and the error says so.
    const unset = await runFresh("npx", ["tsx", "recover.ts"], {
      cwd: project,
      env: { THREADLINE_ADDRESS: serverAddress, THREADLINE_TOKEN: undefined },
    });
    expect(unset.code).not.toBe(0);
    expect(unset.stderr).toContain(
      'AuthenticationError: events.live("message") was refused: the server did not accept the bearer token',
    );
    expect(unset.stderr).toContain("is THREADLINE_TOKEN set?");
  }, 300_000);

  it("bot.ts recovers and replies with im.messages in a project that has install lines 1 and 2", async () => {
    expect(serverAddress, "the server test ran first").not.toBe("");
    const botToken = await addAccount("echo@example.com");
    const aliceToken = await addAccount("carol@example.com");
    const alice = createClient({
      address: serverAddress,
      token: aliceToken,
      resources: { chats, messages },
    });
    try {
      const { chat } = await alice.chats.create(["echo@example.com"], { message: "Hi bot" });
      const project = await newProject("my-echo-bot", true);
      await runLine(["npm", "install", ...(beforeRelease[0] ?? [])], project);
      await runLine(["npm", "install", ...(beforeRelease[1] ?? [])], project);
      copyFileSync(`${examples}bot.ts`, join(project, "bot.ts"));

      // Alice watches her chat: the bot's answers arrive as messages she receives.
      const seen = alice.messages.subscribeEvents({ chat: chat.guid });
      await seen.ready;
      const bot = spawnIn(project, ["npx", "tsx", "bot.ts"], {
        THREADLINE_ADDRESS: serverAddress,
        THREADLINE_TOKEN: botToken,
      });
      await bot.waitFor(/caught up; answering live messages until Ctrl-C/);
      const live = await alice.messages.sendText(chat.guid, "Are you there?");
      await bot.waitFor(/replied to #3/);
      const replies = [];
      for await (const event of seen) {
        if (event.type === "message.received" && !event.isFromMe) replies.push(event.message);
        if (replies.length === 2) break;
      }
      expect(replies.map((reply) => reply.content.text)).toEqual([
        "You said: Hi bot",
        "You said: Are you there?",
      ]);
      expect(replies[1]?.replyTargetGuid).toBe(live.guid);
      // Ctrl-C: the signal reaches the whole process group, as in a terminal. npx itself
      // dies of it; "close" fires only when the bot's node process has let go of the pipes.
      bot.signal("SIGINT");
      expect([0, "SIGINT"]).toContain(await bot.exited);
      expect(bot.output().stdout).toBe(
        "replied to #1\ncaught up; answering live messages until Ctrl-C\nreplied to #3\n",
      );
      expect(bot.output().stderr).toBe("");

      // The bot closed its recovery on SIGINT, so the checkpoint covers both replies: a
      // second run answers nothing again.
      const again = spawnIn(project, ["npx", "tsx", "bot.ts"], {
        THREADLINE_ADDRESS: serverAddress,
        THREADLINE_TOKEN: botToken,
      });
      await again.waitFor(/caught up; answering live messages until Ctrl-C/);
      again.signal("SIGINT");
      await again.exited;
      expect(again.output().stdout).toBe("caught up; answering live messages until Ctrl-C\n");
      expect(again.output().stderr).toBe("");
    } finally {
      await alice.close();
    }
  }, 300_000);

  it("a default `npm init` project runs none of it, which is why setup.sh exists", async () => {
    expect(serverAddress, "the server test ran first").not.toBe("");
    const project = join(directory, "default-npm-init");
    await mkdir(project);
    await runLine(["npm", "init", "-y"], project);
    await runLine(["npm", "install", "--save-dev", "tsx"], project);
    await runLine(["npm", "install", ...(beforeRelease[2] ?? [])], project);
    copyFileSync(`${examples}connect.ts`, join(project, "connect.ts"));
    const env = { THREADLINE_ADDRESS: serverAddress, THREADLINE_TOKEN: "unused" };
    const plainNode = await runFresh("node", ["connect.ts"], { cwd: project, env });
    expect(plainNode.code).not.toBe(0);
    expect(plainNode.stderr).toContain("ERR_UNKNOWN_FILE_EXTENSION");
    const commonJsTsx = await runFresh("npx", ["tsx", "connect.ts"], { cwd: project, env });
    expect(commonJsTsx.code).not.toBe(0);
    expect(commonJsTsx.stderr).toMatch(
      /Top-level await is currently not supported with the "cjs" output format/,
    );
    const required = await runFresh("node", ["-e", 'require("@threadline/core")'], {
      cwd: project,
    });
    expect(required.code).not.toBe(0);
    expect(required.stderr).toContain("ERR_PACKAGE_PATH_NOT_EXPORTED");
  }, 300_000);

  /** Copies each example into `project`, runs it with `npx tsx` as its own account, and returns stdout. */
  async function runExamplesIn(project: string, names: readonly string[]): Promise<string[]> {
    const outputs: string[] = [];
    for (const [index, name] of names.entries()) {
      const token = await addAccount(`${basename(project)}-${index}@example.com`);
      copyFileSync(`${examples}${name}`, join(project, name));
      const result = await runFresh("npx", ["tsx", name], {
        cwd: project,
        env: { THREADLINE_ADDRESS: serverAddress, THREADLINE_TOKEN: token },
      });
      expect(result.stderr, name).toBe("");
      expect(result.code, name).toBe(0);
      outputs.push(result.stdout);
    }
    return outputs;
  }

  it("install line 2 alone runs chats.ts and the messages quick start, with nothing of recovery or the server", async () => {
    expect(serverAddress, "the server test ran first").not.toBe("");
    const project = await newProject("my-messages", true);
    await runLine(["npm", "install", ...(beforeRelease[1] ?? [])], project);
    expect(installedThreadlinePackages(project).sort()).toEqual([
      "@threadline/chats",
      "@threadline/core",
      "@threadline/messages",
      "@threadline/protocol",
    ]);
    expect(existsSync(join(project, "node_modules", "better-sqlite3"))).toBe(false);
    const [chatsOutput, messagesOutput] = await runExamplesIn(project, [
      "chats.ts",
      "messages-quick-start.ts",
    ]);
    expect(chatsOutput).toContain("chats: 1\n");
    expect(messagesOutput).toBe("reply threaded: true\n");
  }, 300_000);

  it("install line 3 alone runs the groups and polls quick starts", async () => {
    expect(serverAddress, "the server test ran first").not.toBe("");
    const project = await newProject("my-groups", true);
    await runLine(["npm", "install", ...(beforeRelease[2] ?? [])], project);
    expect(installedThreadlinePackages(project).sort()).toEqual([
      "@threadline/chats",
      "@threadline/core",
      "@threadline/groups",
      "@threadline/polls",
      "@threadline/protocol",
    ]);
    expect(await runExamplesIn(project, ["groups-quick-start.ts", "polls-quick-start.ts"])).toEqual(
      ["Climbing: 3 participants\n", 'poll "Where?" with 2 choices\n'],
    );
  }, 300_000);

  it("install line 4 alone runs the attachments and addresses quick starts", async () => {
    expect(serverAddress, "the server test ran first").not.toBe("");
    const project = await newProject("my-attachments", true);
    await runLine(["npm", "install", ...(beforeRelease[3] ?? [])], project);
    expect(installedThreadlinePackages(project).sort()).toEqual([
      "@threadline/addresses",
      "@threadline/attachments",
      "@threadline/chats",
      "@threadline/core",
      "@threadline/locations",
      "@threadline/messages",
      "@threadline/protocol",
    ]);
    // The addresses quick start looks Bob up, so he needs an account on this server.
    await addAccount("bob@example.com");
    expect(
      await runExamplesIn(project, ["attachments-quick-start.ts", "addresses-quick-start.ts"]),
    ).toEqual([
      "image/png: sent 1, downloaded 2048 bytes\n",
      "bob@example.com is on iMessage; silenced by Focus: false\nmy notifications are silenced: true\n",
    ]);
  }, 300_000);
});
