import { type ChildProcess, execFile, spawn } from "node:child_process";
import { fileURLToPath } from "node:url";

// The CLI's TypeScript source, run through tsx: the processes run the code under test
// without a build.
const packageDirectory = fileURLToPath(new URL("../..", import.meta.url));
const cliSource = fileURLToPath(new URL("../../src/cli.ts", import.meta.url));
const nodeArguments = ["--import", "tsx", cliSource];

/** A `threadline-server start --database …` child process. */
export interface PostgresServerProcess {
  readonly child: ChildProcess;
  /** `host:port` it printed. */
  readonly address: string;
  /** Resolves with the exit code or the signal that ended it. */
  readonly exited: Promise<number | string>;
  /** Everything it wrote to stderr so far. */
  stderr(): string;
  /** SIGKILL: no shutdown, no flush. Resolves once it is gone. */
  killHard(): Promise<number | string>;
  /** SIGTERM, a graceful shutdown. Resolves once it is gone. */
  stop(): Promise<number | string>;
}

/**
 * Starts `threadline-server start --database <url>` on a free port in its own process
 * and resolves once it listens. `attachmentsPath` is its `--data` (on PostgreSQL only
 * where attachment files go).
 */
export function startPostgresServerProcess(options: {
  readonly databaseUrl: string;
  readonly attachmentsPath: string;
  readonly poolSize?: number;
}): Promise<PostgresServerProcess> {
  const child = spawn(
    process.execPath,
    [
      ...nodeArguments,
      "start",
      "--database",
      options.databaseUrl,
      "--data",
      options.attachmentsPath,
      "--port",
      "0",
      "--database-pool-size",
      String(options.poolSize ?? 2),
    ],
    { cwd: packageDirectory, stdio: ["ignore", "ignore", "pipe"] },
  );
  let stderr = "";
  const exited = new Promise<number | string>((resolve) => {
    child.once("exit", (code, signal) => resolve(code ?? signal ?? "unknown"));
  });
  return new Promise((resolve, reject) => {
    child.stderr?.on("data", (chunk: Buffer) => {
      stderr += chunk.toString();
      const match = /listening on (\S+)/.exec(stderr);
      if (match?.[1] !== undefined) {
        resolve({
          child,
          address: match[1],
          exited,
          stderr: () => stderr,
          killHard() {
            child.kill("SIGKILL");
            return exited;
          },
          stop() {
            if (child.exitCode === null && child.signalCode === null) child.kill("SIGTERM");
            return exited;
          },
        });
      }
    });
    void exited.then((code) =>
      reject(new Error(`threadline-server start exited (${code}) before listening:\n${stderr}`)),
    );
  });
}

/** `threadline-server accounts add <address> --database <url>`; resolves with the token. */
export function addAccountThroughCli(databaseUrl: string, address: string): Promise<string> {
  return new Promise((resolve, reject) => {
    execFile(
      process.execPath,
      [...nodeArguments, "accounts", "add", address, "--database", databaseUrl],
      { cwd: packageDirectory },
      (error, stdout, stderr) => {
        const token = stdout.trim().split("\n").at(-1)?.trim() ?? "";
        if (error !== null || token === "") {
          reject(new Error(`accounts add ${address} failed: ${stderr || String(error)}`));
        } else {
          resolve(token);
        }
      },
    );
  });
}
