import { spawn } from "node:child_process";
import { createInterface } from "node:readline";
import { fileURLToPath } from "node:url";

/** A server running in a child process, with one account and a seeded log. */
export interface SeededServerProcess {
  /** `host:port` on 127.0.0.1. */
  readonly address: string;
  /** Bearer token of the seeded account. */
  readonly token: string;
  /** Ends the child process (its server closes and removes its files). */
  stop(): Promise<void>;
}

/**
 * Starts a server in a separate Node process, so it does not share an event loop with
 * the client being measured or tested, and seeds `count` received messages into the
 * log of one account. Resolves once the log is seeded and the server listens.
 */
export async function startSeededServerProcess(count: number): Promise<SeededServerProcess> {
  if (!Number.isSafeInteger(count) || count < 0) {
    throw new RangeError(`count must be a non-negative safe integer; received ${count}`);
  }
  const entry = fileURLToPath(new URL("./seeded-server-process.js", import.meta.url));
  const child = spawn(process.execPath, [entry, String(count)], {
    stdio: ["pipe", "pipe", "inherit"],
  });
  const exited = new Promise<void>((resolve) => child.once("exit", () => resolve()));
  const line = await new Promise<string>((resolve, reject) => {
    createInterface({ input: child.stdout }).once("line", resolve);
    child.once("exit", (code) => reject(new Error(`seeded server process exited with ${code}`)));
  });
  const info: unknown = JSON.parse(line);
  if (
    typeof info !== "object" ||
    info === null ||
    typeof Reflect.get(info, "address") !== "string" ||
    typeof Reflect.get(info, "token") !== "string"
  ) {
    child.kill();
    throw new Error(`unexpected output from the seeded server process: ${line}`);
  }
  return {
    address: String(Reflect.get(info, "address")),
    token: String(Reflect.get(info, "token")),
    stop: () => {
      child.stdin.end();
      return exited;
    },
  };
}
