import type { BotProgress } from "./bot-supervisor.js";

/** What the status line shows. */
export interface StatusSnapshot {
  readonly run: number;
  readonly bot: BotProgress | undefined;
  /** The bot's log head on the server. */
  readonly head: number;
  /** The checkpoint the bot loaded (shown until its first progress report), once known. */
  readonly loadedCheckpoint: number | undefined;
  /** "running", "killed", ... */
  readonly phase: string;
}

/** A live status line plus a timeline of notable moments. */
export interface ProgressDisplay {
  /** Prints a timeline line (above the status line on a terminal). */
  note(text: string): void;
  /** Updates the status line. */
  update(snapshot: StatusSnapshot): void;
  /** Leaves the status line in place and stops redrawing. */
  finish(): void;
}

/** Formats one status line. */
export function formatStatus(snapshot: StatusSnapshot): string {
  const bot = snapshot.bot;
  if (bot === undefined && snapshot.loadedCheckpoint === undefined) {
    return `bot #${snapshot.run} [${snapshot.phase === "running" ? "starting" : snapshot.phase}]  loading its checkpoint  head ${snapshot.head}`;
  }
  const checkpoint = bot?.checkpoint ?? snapshot.loadedCheckpoint ?? 0;
  const lag = Math.max(0, snapshot.head - checkpoint);
  const state = snapshot.phase === "running" ? (bot?.state ?? "starting") : snapshot.phase;
  return [
    `bot #${snapshot.run} [${state}]`,
    `handled ${bot?.handled ?? 0}`,
    `checkpoint ${checkpoint} (saved ${bot?.savedCheckpoint ?? checkpoint})`,
    `in flight ${bot?.inFlight ?? 0}`,
    `duplicates dropped ${bot?.duplicatesDropped ?? 0}`,
    `head ${snapshot.head}`,
    `lag ${lag}`,
  ].join("  ");
}

/**
 * On a terminal the status line redraws in place; elsewhere (CI logs, pipes) it is
 * printed once a second so the log shows the progress without flooding.
 */
export function createProgressDisplay(
  stream: NodeJS.WriteStream = process.stdout,
): ProgressDisplay {
  const interactive = stream.isTTY === true;
  let line = "";
  let lastPrinted = 0;
  const clear = () => {
    if (interactive && line !== "") stream.write("\r\x1b[2K");
  };
  return {
    note(text) {
      clear();
      stream.write(`${text}\n`);
      if (interactive && line !== "") stream.write(line);
    },
    update(snapshot) {
      line = formatStatus(snapshot);
      if (interactive) {
        stream.write(`\r\x1b[2K${line}`);
      } else if (Date.now() - lastPrinted >= 1000) {
        lastPrinted = Date.now();
        stream.write(`  ${line}\n`);
      }
    },
    finish() {
      if (interactive && line !== "") stream.write("\n");
      else if (line !== "") stream.write(`  ${line}\n`);
      line = "";
    },
  };
}
