/** What the demo was asked to do, after checking the command line and environment. */
export interface DemoOptions {
  /** Events to write to the bot's log before the activity stops. */
  readonly events: number;
  /** Handled-event count of the first bot process at which it is killed with SIGKILL. */
  readonly crashAt: number;
  /** Handlers the bot runs at the same time. */
  readonly concurrency: number;
  /** Kill and restart the bot midway (false with `--no-crash`). */
  readonly crash: boolean;
  /** Which channel's scene to run: the iMessage bot (default) or the WhatsApp one. */
  readonly channel?: "imessage" | "whatsapp";
  /** A server to use instead of the embedded one, with the bot's token. */
  readonly remote?: { readonly address: string; readonly token: string };
}

/** A command line the demo cannot run; the message says what is allowed. */
export class UsageError extends Error {
  override readonly name = "UsageError";
}

/** Printed for `--help` and after a usage error. */
export const usage = `Usage: pnpm demo [-- options]

  --events N        events written to the bot's log in total (default 2000)
  --crash-at N      SIGKILL the bot after it handled N events (default 40% of --events)
  --concurrency N   handlers the bot runs at once (default 8)
  --no-crash        run the bot once, without killing it
  --address H:P     use the server at H:P instead of an embedded one
                    (needs THREADLINE_TOKEN, the bot account's token)
  --channel C       imessage (default) or whatsapp: webhooks from a simulated Meta,
                    a WhatsApp bot killed midway, replies through a Graph API stand-in

Environment: THREADLINE_ADDRESS and THREADLINE_TOKEN select another server too.`;

const defaultEvents = 2000;
const defaultConcurrency = 8;

function positiveInteger(flag: string, raw: string | undefined, maximum: number): number {
  if (raw === undefined || raw.startsWith("--")) {
    throw new UsageError(`${flag} needs a value: an integer from 1 to ${maximum}`);
  }
  const value = Number(raw);
  if (!/^\d+$/.test(raw) || !Number.isSafeInteger(value) || value < 1 || value > maximum) {
    throw new UsageError(`${flag} must be an integer from 1 to ${maximum}; received ${raw}`);
  }
  return value;
}

/**
 * Reads the demo's flags (`--flag value` or `--flag=value`) and the
 * THREADLINE_ADDRESS / THREADLINE_TOKEN environment.
 *
 * @throws UsageError for an unknown flag, a missing or out-of-range value, a crash
 * point at or after the last event, or an address without a token.
 */
export function parseDemoFlags(
  argv: readonly string[],
  environment: Readonly<Record<string, string | undefined>>,
): DemoOptions | "help" {
  let events: number | undefined;
  let crashAt: number | undefined;
  let concurrency: number | undefined;
  let crash = true;
  let channel: "imessage" | "whatsapp" = "imessage";
  let address = environment.THREADLINE_ADDRESS || undefined;
  const words = argv.flatMap((word) => {
    const equals = word.indexOf("=");
    return word.startsWith("--") && equals > 0
      ? [word.slice(0, equals), word.slice(equals + 1)]
      : [word];
  });
  for (let index = 0; index < words.length; index++) {
    const flag = words[index];
    switch (flag) {
      // `pnpm demo -- --events 10` passes the separator through.
      case "--":
        break;
      case "--help":
      case "-h":
        return "help";
      case "--events":
        events = positiveInteger(flag, words[++index], 1_000_000);
        break;
      case "--crash-at":
        crashAt = positiveInteger(flag, words[++index], 1_000_000);
        break;
      case "--concurrency":
        concurrency = positiveInteger(flag, words[++index], 256);
        break;
      case "--no-crash":
        crash = false;
        break;
      case "--address": {
        const value = words[++index];
        if (value === undefined || !/^[^\s:]+:\d{1,5}$|^\[[0-9a-fA-F:]+\]:\d{1,5}$/.test(value)) {
          throw new UsageError(
            `--address must be host:port, e.g. 127.0.0.1:50051; received ${value ?? "nothing"}`,
          );
        }
        address = value;
        break;
      }
      case "--channel": {
        const value = words[++index];
        if (value !== "imessage" && value !== "whatsapp") {
          throw new UsageError(
            `--channel must be imessage or whatsapp; received ${value ?? "nothing"}`,
          );
        }
        channel = value;
        break;
      }
      default:
        throw new UsageError(
          `unknown argument ${JSON.stringify(flag)}; allowed: --events, --crash-at, --concurrency, --no-crash, --address, --channel, --help`,
        );
    }
  }
  const totalEvents = events ?? defaultEvents;
  if (totalEvents < 10) {
    throw new UsageError(
      `--events must be at least 10 so a crash fits midway; received ${totalEvents}`,
    );
  }
  const crashPoint = crashAt ?? Math.max(1, Math.floor(totalEvents * 0.4));
  if (crash && crashPoint >= totalEvents) {
    throw new UsageError(
      `--crash-at must be below --events (${totalEvents}) so activity goes on after the crash; received ${crashPoint}`,
    );
  }
  const base = {
    events: totalEvents,
    crashAt: crashPoint,
    concurrency: concurrency ?? defaultConcurrency,
    crash,
    ...(channel === "whatsapp" ? { channel } : {}),
  };
  if (channel === "whatsapp" && address !== undefined) {
    throw new UsageError(
      "--channel whatsapp runs its own embedded server with a Graph API stand-in; leave out --address and THREADLINE_ADDRESS",
    );
  }
  if (address === undefined) return base;
  const token = environment.THREADLINE_TOKEN;
  if (token === undefined || token === "") {
    throw new UsageError(
      `a server address (${address}) needs THREADLINE_TOKEN: the token of the account the bot runs as`,
    );
  }
  return { ...base, remote: { address, token } };
}
