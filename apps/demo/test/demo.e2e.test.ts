import { execFile } from "node:child_process";
import { fileURLToPath } from "node:url";
import { startTestServer } from "@threadline/server/testing";
import { describe, expect, it } from "vitest";

const main = fileURLToPath(new URL("../dist/main.js", import.meta.url));

interface Run {
  readonly code: number;
  readonly stdout: string;
  readonly stderr: string;
}

function runDemo(args: readonly string[], env: NodeJS.ProcessEnv = {}): Promise<Run> {
  return new Promise((resolve) => {
    execFile(
      process.execPath,
      [main, ...args],
      { env: { ...process.env, THREADLINE_ADDRESS: "", THREADLINE_TOKEN: "", ...env } },
      (error, stdout, stderr) => {
        const code = error === null ? 0 : typeof error.code === "number" ? error.code : -1;
        resolve({ code, stdout, stderr });
      },
    );
  });
}

/** The value cell of one verification row. */
function row(output: string, label: string): string {
  const match = new RegExp(`^\\| ${label} +\\| ([^|]+?) +\\|`, "m").exec(output);
  if (match?.[1] === undefined) throw new Error(`no "${label}" row in:\n${output}`);
  return match[1];
}

describe("pnpm demo (built)", () => {
  it("kills the bot with SIGKILL, restarts it, and verifies that nothing was lost", async () => {
    const result = await runDemo(["--events", "120", "--crash-at", "50", "--concurrency", "4"]);
    expect(result.stderr).toBe("");
    expect(result.stdout).toMatch(/SIGKILL +bot #1 \(pid \d+\) killed after handling \d+/);
    const restart = /bot #2 started \(pid \d+\): loaded checkpoint (\d+) from SQLite/.exec(
      result.stdout,
    );
    expect(restart, result.stdout).not.toBeNull();
    const written = Number(row(result.stdout, "Events written"));
    expect(written).toBeGreaterThanOrEqual(120);
    expect(row(result.stdout, "Events lost")).toBe("0");
    expect(Number(row(result.stdout, "Final checkpoint"))).toBe(written);
    expect(row(result.stdout, "Events handled")).toMatch(new RegExp(`runs, ${written} distinct$`));
    expect(result.stdout).toMatch(/\| Handled twice across the crash +\| \d+ +\| ok +bound \d+/);
    // The cast's opening messages to the bot are in the log before it starts, so there is
    // always something to answer; every one is answered once, the crash notwithstanding.
    const asked = Number(row(result.stdout, "Messages that asked for a reply"));
    expect(asked).toBeGreaterThanOrEqual(2);
    expect(row(result.stdout, "Replies sent")).toBe(`${asked} threaded`);
    expect(row(result.stdout, "Replies sent twice across the crash")).toBe("0");
    expect(result.stdout).toContain(`replies    the bot answered ${asked} of ${asked} messages`);
    expect(result.stdout).toContain("PASS: every event was handled");
    expect(result.code).toBe(0);
  });

  it("runs without a crash when asked, handling every event exactly once", async () => {
    const result = await runDemo(["--events", "60", "--no-crash"]);
    expect(result.stdout).not.toContain("SIGKILL");
    const written = Number(row(result.stdout, "Events written"));
    expect(row(result.stdout, "Events handled")).toBe(`${written} runs, ${written} distinct`);
    expect(row(result.stdout, "Handled twice across the crash")).toBe("0");
    const asked = row(result.stdout, "Messages that asked for a reply");
    expect(row(result.stdout, "Replies sent")).toBe(`${asked} threaded`);
    expect(row(result.stdout, "Replies sent twice across the crash")).toBe("0");
    expect(result.code).toBe(0);
  });

  it("uses another server given THREADLINE_ADDRESS and THREADLINE_TOKEN", async () => {
    await using server = await startTestServer();
    const { token } = await server.accounts.create(["remote-bot@example.com"]);
    const result = await runDemo(["--events", "40", "--crash-at", "15"], {
      THREADLINE_ADDRESS: server.address,
      THREADLINE_TOKEN: token,
    });
    expect(result.stdout).toContain(
      `server     ${server.address} (THREADLINE_ADDRESS / --address)`,
    );
    expect(result.stdout).toMatch(/SIGKILL +bot #1/);
    const written = Number(row(result.stdout, "Events written"));
    expect(written).toBeGreaterThanOrEqual(40);
    expect(row(result.stdout, "Events lost")).toBe("0");
    expect(Number(row(result.stdout, "Final checkpoint"))).toBe(written);
    expect(result.code).toBe(0);
  });

  it("refuses a bad flag with exit code 64 and says what is allowed", async () => {
    const result = await runDemo(["--events", "-3"]);
    expect(result.code).toBe(64);
    expect(result.stderr).toMatch(/--events must be an integer from 1 to 1000000; received -3/);
    expect(result.stderr).toContain("Usage: pnpm demo");
  });
});
