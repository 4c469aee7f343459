import { execFile, spawn } from "node:child_process";
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
  options: {
    cwd: string;
    env?: NodeJS.ProcessEnv;
    timeoutMs?: number;
    /** The environment `env` is added to; default this process's. */
    baseEnv?: NodeJS.ProcessEnv;
  },
): Promise<ProcessResult> {
  return new Promise((resolve) => {
    execFile(
      command,
      args,
      {
        cwd: options.cwd,
        env: { ...(options.baseEnv ?? process.env), ...options.env },
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
  env: { THREADLINE_ADDRESS?: string; THREADLINE_TOKEN?: string | undefined } = {},
): Promise<ProcessResult> {
  const file = fileURLToPath(new URL(`../examples/${name}`, import.meta.url));
  return run(process.execPath, [tsx, file], { cwd, env });
}

/**
 * Starts `tests/readme/examples/<name>` with tsx and resolves once its stdout holds
 * `lines` lines; `interrupt()` sends SIGINT (Ctrl-C) and resolves with how it ended.
 */
export async function startExample(
  name: string,
  cwd: string,
  env: { THREADLINE_ADDRESS?: string; THREADLINE_TOKEN?: string },
  lines: number,
): Promise<{ stdout: () => string; interrupt(): Promise<ProcessResult> }> {
  const file = fileURLToPath(new URL(`../examples/${name}`, import.meta.url));
  const child = spawn(process.execPath, [tsx, file], {
    cwd,
    env: { ...process.env, ...env },
    stdio: ["ignore", "pipe", "pipe"],
  });
  let stdout = "";
  let stderr = "";
  const closed = new Promise<number>((resolve) => {
    child.once("close", (code) => resolve(code ?? -1));
  });
  child.stderr.on("data", (chunk: Buffer) => {
    stderr += chunk.toString();
  });
  await new Promise<void>((resolve, reject) => {
    child.stdout.on("data", (chunk: Buffer) => {
      stdout += chunk.toString();
      if (stdout.split("\n").length > lines) resolve();
    });
    closed.then((code) => reject(new Error(`${name} exited (${code}) early:\n${stdout}${stderr}`)));
  });
  return {
    stdout: () => stdout,
    async interrupt() {
      child.kill("SIGINT");
      const code = await closed;
      return { code, stdout, stderr };
    },
  };
}
