/** How the demo configures a bot process (passed as JSON in THREADLINE_DEMO_BOT). */
export interface BotConfig {
  readonly address: string;
  readonly token: string;
  /** The SQLite file holding the checkpoint and the handled journal. */
  readonly databasePath: string;
  readonly checkpointKey: string;
  readonly concurrency: number;
  /** Sequences tracked above the checkpoint (the queue's window). */
  readonly window: number;
  /** Save the checkpoint at once when it moved this far since the last save. */
  readonly maxUnsavedEvents: number;
}

/** What a bot process reports to the demo over IPC. */
export type BotReport =
  | { readonly type: "started"; readonly run: number; readonly initialCheckpoint: number }
  | {
      readonly type: "progress";
      readonly handled: number;
      readonly checkpoint: number;
      readonly savedCheckpoint: number;
      readonly inFlight: number;
      readonly duplicatesDropped: number;
      readonly headSequence: number;
      readonly state: string;
    }
  | { readonly type: "failed"; readonly message: string };

/** What the demo tells a bot process. */
export type BotCommand = { readonly type: "stop" };

/** Environment variable that carries the {@link BotConfig}. */
export const botConfigVariable = "THREADLINE_DEMO_BOT";

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === "object" && value !== null;
}

/** Checks a value received over IPC from a bot. */
export function isBotReport(value: unknown): value is BotReport {
  return (
    isRecord(value) &&
    (value.type === "started" || value.type === "progress" || value.type === "failed")
  );
}

/** Checks a value received over IPC from the demo. */
export function isBotCommand(value: unknown): value is BotCommand {
  return isRecord(value) && value.type === "stop";
}

/** Decodes the bot configuration from its environment variable; throws saying what is missing. */
export function parseBotConfig(raw: string | undefined): BotConfig {
  if (raw === undefined)
    throw new Error(`${botConfigVariable} is not set; the bot is started by the demo`);
  const value: unknown = JSON.parse(raw);
  if (!isRecord(value)) throw new Error(`${botConfigVariable} must hold a JSON object`);
  const text = (name: string): string => {
    const field = value[name];
    if (typeof field !== "string" || field === "")
      throw new Error(`${botConfigVariable}.${name} must be a non-empty string`);
    return field;
  };
  const count = (name: string): number => {
    const field = value[name];
    if (typeof field !== "number" || !Number.isSafeInteger(field) || field < 1) {
      throw new Error(`${botConfigVariable}.${name} must be a positive integer`);
    }
    return field;
  };
  return {
    address: text("address"),
    token: text("token"),
    databasePath: text("databasePath"),
    checkpointKey: text("checkpointKey"),
    concurrency: count("concurrency"),
    window: count("window"),
    maxUnsavedEvents: count("maxUnsavedEvents"),
  };
}
