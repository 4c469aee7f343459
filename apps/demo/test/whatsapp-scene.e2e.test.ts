import { execFile } from "node:child_process";
import { fileURLToPath } from "node:url";
import { describe, expect, it } from "vitest";

const main = fileURLToPath(new URL("../dist/main.js", import.meta.url));

function runDemo(
  args: readonly string[],
): Promise<{ code: number; stdout: string; stderr: string }> {
  return new Promise((resolve) => {
    execFile(
      process.execPath,
      [main, ...args],
      { env: { ...process.env, THREADLINE_ADDRESS: "", THREADLINE_TOKEN: "" } },
      (error, stdout, stderr) => {
        const code = error === null ? 0 : typeof error.code === "number" ? error.code : -1;
        resolve({ code, stdout, stderr });
      },
    );
  });
}

/** The value of one verification row. */
function row(output: string, label: string): string {
  const match = new RegExp(`^  ${label} +(\\d+)`, "m").exec(output);
  if (match?.[1] === undefined) throw new Error(`no "${label}" row in:\n${output}`);
  return match[1];
}

describe("pnpm demo --channel whatsapp (built)", () => {
  it("webhooks in, the bot killed with SIGKILL and resumed: nothing lost, no reply sent twice", async () => {
    const result = await runDemo([
      "--channel",
      "whatsapp",
      "--events",
      "160",
      "--crash-at",
      "60",
      "--concurrency",
      "4",
    ]);
    expect(result.stderr).toBe("");
    expect(result.stdout).toMatch(/bot \d+ killed with SIGKILL after \d+ events/);
    expect(row(result.stdout, "webhooks accepted")).toBe("40");
    expect(row(result.stdout, "events in the number's log")).toBe("160");
    expect(row(result.stdout, "events delivered to the bot")).toBe("160");
    expect(row(result.stdout, "events lost")).toBe("0");
    expect(row(result.stdout, "handled twice by one process")).toBe("0");
    expect(row(result.stdout, "replies sent")).toBe("20");
    expect(row(result.stdout, "replies sent twice")).toBe("0");
    expect(result.stdout).toContain("PASS: WhatsApp scene");
    expect(result.code).toBe(0);
  });
});
