import { execFile } from "node:child_process";
import { createRequire } from "node:module";
import { fileURLToPath } from "node:url";

const tsx = createRequire(import.meta.url).resolve("tsx/cli");

/** What a finished process printed. */
export interface ProcessResult {
  readonly code: number;
  readonly stdout: string;
  readonly stderr: string;
}

/** Runs a command to its end and never rejects: the caller asserts on the result. */
export function run(
  command: string,
  args: readonly string[],
  options: { cwd: string; env?: NodeJS.ProcessEnv; timeoutMs?: number },
): Promise<ProcessResult> {
  return new Promise((resolve) => {
    execFile(
      command,
      args,
      {
        cwd: options.cwd,
        env: { ...process.env, ...options.env },
        timeout: options.timeoutMs ?? 50_000,
        maxBuffer: 16 * 1024 * 1024,
      },
      (error, stdout, stderr) => {
        const code = error === null ? 0 : typeof error.code === "number" ? error.code : -1;
        resolve({ code, stdout, stderr });
      },
    );
  });
}

/** Runs `tests/readme/examples/<name>` with tsx, as a user would run the snippet. */
export function runExample(
  name: string,
  cwd: string,
  env: { THREADLINE_ADDRESS?: string; THREADLINE_TOKEN?: string } = {},
): Promise<ProcessResult> {
  const file = fileURLToPath(new URL(`../examples/${name}`, import.meta.url));
  return run(process.execPath, [tsx, file], { cwd, env });
}
