import { type ChildProcess, fork } from "node:child_process";
import { fileURLToPath } from "node:url";
import { type BotConfig, type BotReport, botConfigVariable, isBotReport } from "./bot-messages.js";

/** The latest progress a bot process reported. */
export type BotProgress = Extract<BotReport, { type: "progress" }>;

/** One running bot process, seen from the demo. */
export interface BotHandle {
  readonly pid: number;
  /** The checkpoint the process loaded from SQLite when it started. */
  readonly started: Promise<{ run: number; initialCheckpoint: number }>;
  /** The latest progress report, if any arrived yet. */
  progress(): BotProgress | undefined;
  /** Calls `listener` on every progress report. */
  onProgress(listener: (progress: BotProgress) => void): void;
  /** Kills the process with SIGKILL: no cleanup, no final checkpoint save. */
  kill(): Promise<void>;
  /** Asks the process to close its recovery (which saves the checkpoint) and exit. */
  stop(timeoutMs: number): Promise<void>;
  /** Resolves with the exit code or signal; a `failed` report carries the bot's error. */
  readonly exited: Promise<{
    code: number | null;
    signal: NodeJS.Signals | null;
    failure?: string;
  }>;
}

const botEntry = fileURLToPath(new URL("./bot-process.js", import.meta.url));

/** Starts the bot as a separate Node.js process with an IPC channel for progress. */
export function startBot(config: BotConfig): BotHandle {
  const child: ChildProcess = fork(botEntry, [], {
    env: { ...process.env, [botConfigVariable]: JSON.stringify(config) },
    stdio: ["ignore", "inherit", "inherit", "ipc"],
  });
  let latest: BotProgress | undefined;
  let failure: string | undefined;
  const listeners: ((progress: BotProgress) => void)[] = [];
  let markStarted: (value: { run: number; initialCheckpoint: number }) => void = () => undefined;
  let failStarted: (error: Error) => void = () => undefined;
  const started = new Promise<{ run: number; initialCheckpoint: number }>((resolve, reject) => {
    markStarted = resolve;
    failStarted = reject;
  });
  started.catch(() => undefined);
  child.on("message", (message: unknown) => {
    if (!isBotReport(message)) return;
    if (message.type === "started") markStarted(message);
    else if (message.type === "failed") failure = message.message;
    else {
      latest = message;
      for (const listener of listeners) listener(message);
    }
  });
  const exited = new Promise<{
    code: number | null;
    signal: NodeJS.Signals | null;
    failure?: string;
  }>((resolve) => {
    child.on("exit", (code, signal) => {
      failStarted(
        new Error(
          `the bot exited (${signal ?? code}) before it started${failure ? `: ${failure}` : ""}`,
        ),
      );
      resolve(failure === undefined ? { code, signal } : { code, signal, failure });
    });
  });
  const pid = child.pid;
  if (pid === undefined) throw new Error("the bot process did not start");
  return {
    pid,
    started,
    progress: () => latest,
    onProgress: (listener) => {
      listeners.push(listener);
    },
    async kill() {
      child.kill("SIGKILL");
      await exited;
    },
    async stop(timeoutMs) {
      if (child.exitCode !== null || child.signalCode !== null) return;
      child.send({ type: "stop" });
      const timer = setTimeout(() => child.kill("SIGKILL"), timeoutMs);
      await exited;
      clearTimeout(timer);
    },
    exited,
  };
}
