import { type ChildProcess, spawn } from "node:child_process";
import { mkdtemp, readFile, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { numbers, startWhatsAppFixture, type WhatsAppFixture } from "./whatsapp-fixture.js";

const botPath = fileURLToPath(new URL("./bot/recovering-bot.ts", import.meta.url));
let fixture: WhatsAppFixture;
let directory: string;
beforeAll(async () => {
  fixture = await startWhatsAppFixture({ heartbeatIntervalMs: 500 });
  directory = await mkdtemp(join(tmpdir(), "threadline-whatsapp-bot-"));
});
afterAll(async () => {
  await fixture.close();
  await rm(directory, { recursive: true, force: true });
});

function startBot(): { child: ChildProcess; exited: Promise<NodeJS.Signals | number | null> } {
  const child = spawn(process.execPath, ["--import", "tsx", botPath], {
    env: {
      ...process.env,
      BOT_ADDRESS: fixture.address,
      BOT_ACCESS_TOKEN: numbers.main.accessToken,
      BOT_PHONE_NUMBER_ID: numbers.main.phoneNumberId,
      BOT_APP_SECRET: numbers.main.appSecret,
      BOT_CHECKPOINTS: join(directory, "checkpoints"),
      BOT_HANDLED_LOG: join(directory, "handled.log"),
    },
    stdio: ["ignore", "pipe", "inherit"],
  });
  const exited = new Promise<NodeJS.Signals | number | null>((resolve) => {
    child.on("exit", (code, signal) => resolve(signal ?? code));
  });
  return { child, exited };
}

/** Handled lines so far: `[pid, sequence]`. */
async function handled(): Promise<[number, number][]> {
  const text = await readFile(join(directory, "handled.log"), "utf8").catch(() => "");
  return text
    .split("\n")
    .filter((line) => line !== "")
    .map((line) => {
      const [pid, sequence] = line.split(" ").map(Number);
      return [pid ?? 0, sequence ?? 0];
    });
}

async function untilHandled(
  bot: { child: ChildProcess },
  condition: (lines: [number, number][]) => boolean,
): Promise<void> {
  for (;;) {
    if (condition(await handled())) return;
    if (bot.child.exitCode !== null) {
      throw new Error(`the bot exited with ${bot.child.exitCode} before handling enough`);
    }
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
}

describe("recoverFrom over the WhatsApp client, with the bot killed", () => {
  it("kill -9 mid-run: no gap, nothing twice in a process, bounded redelivery, each reply sent once", async () => {
    const total = 60;
    const first = startBot();
    // 20 events while the first bot runs; it is killed once it handled 15 of them.
    await fixture.postTexts(10);
    await fixture.postTexts(10);
    await untilHandled(first, (lines) => lines.length >= 15);
    first.child.kill("SIGKILL");
    expect(await first.exited).toBe("SIGKILL");
    const handledByFirst = new Set((await handled()).map(([, sequence]) => sequence)).size;
    // 40 more while no bot runs, then a new bot from the saved checkpoint.
    for (let batch = 0; batch < 4; batch++) await fixture.postTexts(10);
    const second = startBot();
    await untilHandled(
      second,
      (lines) => new Set(lines.map(([, sequence]) => sequence)).size >= total,
    );
    second.child.kill("SIGTERM");
    expect(await second.exited).toBe(0);

    const lines = await handled();
    const sequences = new Set(lines.map(([, sequence]) => sequence));
    // No gap: every logged event was handled.
    expect([...sequences].sort((a, b) => a - b)).toEqual(
      Array.from({ length: total }, (_, index) => index + 1),
    );
    // Nothing twice within one process.
    const byProcess = new Map<number, number[]>();
    for (const [pid, sequence] of lines)
      byProcess.set(pid, [...(byProcess.get(pid) ?? []), sequence]);
    expect(byProcess.size).toBe(2);
    for (const list of byProcess.values()) expect(new Set(list).size).toBe(list.length);
    // Bounded redelivery: only events above the last saved checkpoint come again, at most
    // maxUnsavedEvents (5) plus the one save that may have been in flight.
    const redelivered = lines.length - total;
    expect(redelivered).toBeGreaterThanOrEqual(0);
    expect(redelivered).toBeLessThanOrEqual(10);
    expect(handledByFirst).toBeGreaterThanOrEqual(15);
    expect(handledByFirst).toBeLessThanOrEqual(20);
    // Each reply reached the Graph API once, the re-handled ones included.
    const replies = fixture.graphRequests.filter(
      (request) => request.method === "POST" && request.url.endsWith("/messages"),
    );
    const repliedTo = replies.map((request) => JSON.stringify(request.json));
    expect(replies.length).toBe(total);
    expect(new Set(repliedTo).size).toBe(total);
  }, 60_000);
});
