import { parseArgs } from "node:util";
import { pino } from "pino";
import { countAccounts, insertAccount, insertToken } from "./auth/account-directory.js";
import { defaultConfig } from "./config.js";
import { normalizeAddressList } from "./domain/address.js";
import { RpcError } from "./rpc/rpc-error.js";
import { startServer, type ThreadlineServer } from "./server.js";
import { openSqliteStore } from "./storage/sqlite-store.js";

const usage = `Usage:
  threadline-server start [--data ${defaultConfig.dataPath}] [--port ${defaultConfig.port}] [--host ${defaultConfig.host}] [--retention <events>]
  threadline-server accounts add <address...> [--data ${defaultConfig.dataPath}]

  --data        SQLite database file (created when missing)
  --port        TCP port to listen on (0 picks a free one)
  --host        interface to listen on
  --retention   keep at most this many of the newest events per account`;

/** A command-line mistake: printed with the usage, exit code 2. */
class UsageError extends Error {}

function parseInteger(name: string, raw: string | undefined, minimum: number): number | undefined {
  if (raw === undefined) return undefined;
  const value = Number(raw);
  if (!/^\d+$/.test(raw) || !Number.isSafeInteger(value) || value < minimum) {
    throw new UsageError(
      `--${name} must be an integer of at least ${minimum}; received ${JSON.stringify(raw)}`,
    );
  }
  return value;
}

async function start(args: string[]): Promise<void> {
  const { values, positionals } = parseArgs({
    args,
    options: {
      data: { type: "string" },
      port: { type: "string" },
      host: { type: "string" },
      retention: { type: "string" },
    },
    allowPositionals: true,
  });
  if (positionals.length > 0)
    throw new UsageError(`unexpected argument ${JSON.stringify(positionals[0])}`);
  const port = parseInteger("port", values.port, 0);
  if (port !== undefined && port > 65535) throw new UsageError("--port must be at most 65535");
  const maxEvents = parseInteger("retention", values.retention, 1);
  const dataPath = values.data ?? defaultConfig.dataPath;
  const logger = pino({ name: "threadline-server" });

  // Signal handlers go in before anything is printed: a supervisor may send SIGTERM as
  // soon as it sees the listening line, and that must still be a graceful shutdown.
  let server: ThreadlineServer | undefined;
  let stopSignal: NodeJS.Signals | undefined;
  const shutDown = (running: ThreadlineServer) => {
    running.close().then(
      () => process.exit(0),
      (error: unknown) => {
        logger.error({ err: error }, "shutdown failed");
        process.exit(1);
      },
    );
  };
  const stop = (signal: NodeJS.Signals) => {
    if (stopSignal !== undefined) {
      process.stderr.write(`received ${signal} again; exiting without waiting\n`);
      process.exit(1);
    }
    stopSignal = signal;
    logger.info({ signal }, "shutting down");
    if (server !== undefined) shutDown(server);
  };
  process.on("SIGTERM", stop);
  process.on("SIGINT", stop);

  server = await startServer({
    dataPath,
    port: port ?? defaultConfig.port,
    host: values.host ?? defaultConfig.host,
    logger,
    ...(maxEvents === undefined ? {} : { retention: { maxEvents } }),
  });
  if (stopSignal !== undefined) {
    shutDown(server);
    return;
  }
  // One write, so the hint never arrives apart from the address it refers to.
  const firstRun =
    server.accounts.count() === 0
      ? `No accounts yet. Create one (the command prints its bearer token):\n  threadline-server accounts add you@example.com --data ${dataPath}\n`
      : "";
  process.stderr.write(
    `Threadline server listening on ${server.address} (data: ${dataPath})\n${firstRun}`,
  );
}

async function addAccount(args: string[]): Promise<void> {
  const { values, positionals } = parseArgs({
    args,
    options: { data: { type: "string" } },
    allowPositionals: true,
  });
  if (positionals.length === 0) {
    throw new UsageError(
      "accounts add needs at least one address, e.g. alice@example.com or +14155550100",
    );
  }
  const addresses = normalizeAddressList(positionals);
  const store = openSqliteStore({
    path: values.data ?? defaultConfig.dataPath,
    logger: pino({ enabled: false }),
  });
  try {
    const created = await store.write((context) => {
      const account = insertAccount(context.db, addresses, context.now);
      return { account, token: insertToken(context.db, account.id, context.now) };
    });
    process.stderr.write(
      `Created account ${created.account.id} (${created.account.addresses.join(", ")}). Its bearer token, shown only once:\n`,
    );
    process.stdout.write(`${created.token}\n`);
    const total = store.read((db) => countAccounts(db));
    process.stderr.write(`The server now has ${total} account(s).\n`);
  } finally {
    await store.close();
  }
}

/** Runs the CLI with `argv` (without node and script) and returns the exit code. */
export async function runCli(argv: readonly string[]): Promise<number> {
  const [command, ...rest] = argv;
  try {
    if (command === "start") {
      await start(rest);
      return 0;
    }
    if (command === "accounts" && rest[0] === "add") {
      await addAccount(rest.slice(1));
      return 0;
    }
    if (command === undefined || command === "help" || command === "--help" || command === "-h") {
      process.stdout.write(`${usage}\n`);
      return command === undefined ? 2 : 0;
    }
    throw new UsageError(`unknown command ${JSON.stringify(argv.join(" "))}`);
  } catch (error) {
    if (error instanceof UsageError || (error instanceof TypeError && "code" in error)) {
      process.stderr.write(`error: ${error.message}\n\n${usage}\n`);
      return 2;
    }
    if (
      error instanceof RpcError ||
      (error instanceof Error && error.name === "AddressTakenError")
    ) {
      process.stderr.write(`error: ${error.message}\n`);
      return 1;
    }
    throw error;
  }
}

runCli(process.argv.slice(2)).then(
  (code) => {
    if (code !== 0) process.exit(code);
  },
  (error: unknown) => {
    process.stderr.write(
      `threadline-server failed: ${error instanceof Error ? (error.stack ?? error.message) : String(error)}\n`,
    );
    process.exit(1);
  },
);
