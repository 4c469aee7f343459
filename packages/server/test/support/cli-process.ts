import { type ChildProcess, execFile, spawn } from "node:child_process";
import { existsSync } from "node:fs";
import { fileURLToPath } from "node:url";

/** The bin shim; it loads dist/cli.js, so the package must be built. */
export const cliPath = fileURLToPath(new URL("../../bin/threadline-server.js", import.meta.url));
const builtCli = fileURLToPath(new URL("../../dist/cli.js", import.meta.url));

/** Fails clearly when the CLI has not been built. */
export function assertCliBuilt(): void {
  if (!existsSync(builtCli)) {
    throw new Error("dist/cli.js is missing: run `pnpm --filter @threadline/server build` first");
  }
}

/** Runs a CLI command to completion. */
export function runCli(
  args: readonly string[],
): Promise<{ code: number; stdout: string; stderr: string }> {
  return new Promise((resolve) => {
    execFile(process.execPath, [cliPath, ...args], (error, stdout, stderr) => {
      const code = error === null ? 0 : typeof error.code === "number" ? error.code : 1;
      resolve({ code, stdout, stderr });
    });
  });
}

/** A `threadline-server start` child process. */
export interface ServerProcess {
  readonly child: ChildProcess;
  /** `host:port` it printed. */
  readonly address: string;
  /** Everything it wrote to stderr so far. */
  stderr(): string;
  /** Everything it wrote to stdout so far. */
  stdout(): string;
  /** Resolves with the exit code (or signal name). */
  readonly exited: Promise<number | string>;
}

/** Starts the CLI server and resolves once it printed its listening address. */
export function startServerProcess(args: readonly string[]): Promise<ServerProcess> {
  const child = spawn(process.execPath, [cliPath, "start", ...args], {
    stdio: ["ignore", "pipe", "pipe"],
  });
  let stderr = "";
  let stdout = "";
  // "close", not "exit": it fires after the output pipes are drained, so stdout is complete.
  const exited = new Promise<number | string>((resolve) => {
    child.once("close", (code, signal) => resolve(code ?? signal ?? "unknown"));
  });
  child.stdout?.on("data", (chunk: Buffer) => {
    stdout += chunk.toString();
  });
  return new Promise((resolve, reject) => {
    child.stderr?.on("data", (chunk: Buffer) => {
      stderr += chunk.toString();
      const match = /listening on (\S+)/.exec(stderr);
      if (match?.[1] !== undefined) {
        resolve({ child, address: match[1], stderr: () => stderr, stdout: () => stdout, exited });
      }
    });
    exited.then((code) =>
      reject(new Error(`server exited (${code}) before listening:\n${stderr}`)),
    );
  });
}
