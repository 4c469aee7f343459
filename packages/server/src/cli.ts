import { existsSync, readFileSync } from "node:fs";
import { dirname } from "node:path";
import { format, parseArgs } from "node:util";
import { setLogger } from "@grpc/grpc-js";
import { pino } from "pino";
import { countAccounts, listAccounts } from "./auth/account-directory.js";
import {
  type CommandStorage,
  databaseUrlProblem,
  openCommandStore,
  storageFlag,
} from "./command-store.js";
import { defaultConfig } from "./config.js";
import { rotateAccountTokens } from "./domain/account-tokens.js";
import { normalizeAddress, normalizeAddressList } from "./domain/address.js";
import { runWrite } from "./domain/write-operations.js";
import { DataFileError } from "./errors/data-file-error.js";
import { DatabaseOpenError } from "./errors/database-open-error.js";
import { ServerError } from "./errors/server-error.js";
import { startServer, type ThreadlineServer } from "./server.js";
import type { ServerStore } from "./storage/server-store.js";
import { runWhatsAppCommand, whatsappUsage } from "./whatsapp-commands.js";

const usage = `Usage:
  threadline-server start [--data ${defaultConfig.dataPath} | --database postgres://…] [--database-pool-size <n>] [--port ${defaultConfig.port}] [--host ${defaultConfig.host}] [--retention <events>] [--heartbeat-ms <ms>]
      [--http-port <port>] [--tls-cert <pem> --tls-key <pem>] [--graph-api-url <url>] [--graph-api-version <v>]
      [--max-attachment-bytes <bytes>]
  threadline-server accounts add <address...> [--data ${defaultConfig.dataPath} | --database postgres://…]
  threadline-server accounts list [--data ${defaultConfig.dataPath} | --database postgres://…]
  threadline-server accounts rotate-token <address> [--data ${defaultConfig.dataPath} | --database postgres://…]
${whatsappUsage}

  --data          SQLite database file (created when missing by start and accounts add)
  --database      PostgreSQL URL instead of --data (migrated at start; several servers may share it);
                  with it, --data only places the attachment files
  --database-pool-size  PostgreSQL connections that commit at once (default ${defaultConfig.databasePoolSize})
  --port          TCP port to listen on (0 picks a free one)
  --host          interface to listen on
  --retention     keep at most this many of the newest events per account
  --heartbeat-ms  heartbeat interval on idle streams, in ms (default ${defaultConfig.heartbeatIntervalMs})
  --http-port     port of the WhatsApp webhook HTTP server (unset: none; 0 picks a free one)
  --webhook-max-bytes  largest webhook body, in bytes (default ${defaultConfig.webhookMaxBodyBytes})
  --tls-cert, --tls-key  PEM certificate chain and key: gRPC serves TLS only
  --graph-api-url      Graph API base URL (default ${defaultConfig.graphApiUrl})
  --graph-api-version  Graph API version (default ${defaultConfig.graphApiVersion})
  --max-attachment-bytes  largest attachment (file plus companion), in bytes (default ${defaultConfig.maxAttachmentBytes});
                  attachment files live in <data>.attachments/

  accounts add prints the new account's bearer token once; accounts rotate-token revokes
  an account's tokens and prints a new one; accounts list shows accounts, never tokens.`;

/** A command-line mistake: printed with the usage, exit code 2. */
class UsageError extends Error {}

/** A command that could not do its job: printed as one line, exit code 1. */
class CommandFailure extends Error {}

// The largest delay Node timers accept; a longer one would fire after 1 ms.
const maxTimerMs = 2_147_483_647;

/** Whether `error` (or an error it wraps) is the OS refusing a port that is taken. */
function isAddressInUse(error: unknown): boolean {
  for (let current = error; current instanceof Error; current = current.cause) {
    if (/EADDRINUSE|address already in use/i.test(current.message)) return true;
  }
  return false;
}

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
      database: { type: "string" },
      "database-pool-size": { type: "string" },
      port: { type: "string" },
      host: { type: "string" },
      retention: { type: "string" },
      "heartbeat-ms": { type: "string" },
      "http-port": { type: "string" },
      "webhook-max-bytes": { type: "string" },
      "tls-cert": { type: "string" },
      "tls-key": { type: "string" },
      "graph-api-url": { type: "string" },
      "graph-api-version": { type: "string" },
      "max-attachment-bytes": { type: "string" },
    },
    allowPositionals: true,
  });
  if (positionals.length > 0)
    throw new UsageError(`unexpected argument ${JSON.stringify(positionals[0])}`);
  const port = parseInteger("port", values.port, 0);
  if (port !== undefined && port > 65535) throw new UsageError("--port must be at most 65535");
  const maxEvents = parseInteger("retention", values.retention, 1);
  const heartbeatIntervalMs = parseInteger("heartbeat-ms", values["heartbeat-ms"], 1);
  if (heartbeatIntervalMs !== undefined && heartbeatIntervalMs > maxTimerMs)
    throw new UsageError(`--heartbeat-ms must be at most ${maxTimerMs}`);
  const httpPort = parseInteger("http-port", values["http-port"], 0);
  if (httpPort !== undefined && httpPort > 65535)
    throw new UsageError("--http-port must be at most 65535");
  const webhookMaxBodyBytes = parseInteger("webhook-max-bytes", values["webhook-max-bytes"], 1);
  const maxAttachmentBytes = parseInteger(
    "max-attachment-bytes",
    values["max-attachment-bytes"],
    1,
  );
  if ((values["tls-cert"] === undefined) !== (values["tls-key"] === undefined))
    throw new UsageError("--tls-cert and --tls-key go together; pass both or neither");
  let tls: { cert: Buffer; key: Buffer } | undefined;
  if (values["tls-cert"] !== undefined && values["tls-key"] !== undefined) {
    try {
      tls = { cert: readFileSync(values["tls-cert"]), key: readFileSync(values["tls-key"]) };
    } catch (error) {
      throw new CommandFailure(
        `could not read the TLS certificate or key (${error instanceof Error ? error.message : String(error)})`,
      );
    }
  }
  const database = values.database;
  const databaseProblem = database === undefined ? undefined : databaseUrlProblem(database);
  if (databaseProblem !== undefined) throw new UsageError(databaseProblem);
  const databasePoolSize = parseInteger("database-pool-size", values["database-pool-size"], 1);
  if (databasePoolSize !== undefined && database === undefined)
    throw new UsageError("--database-pool-size needs --database (the PostgreSQL engine)");
  // On PostgreSQL --data only places the attachment files; it is optional there.
  const dataPath =
    database !== undefined && values.data === undefined
      ? undefined
      : checkDataDirectory(values.data ?? defaultConfig.dataPath);
  const storage: CommandStorage =
    database === undefined
      ? { kind: "sqlite", path: dataPath ?? defaultConfig.dataPath }
      : { kind: "postgres", url: database };
  const logger = pino({ name: "threadline-server" });
  // grpc-js prints its own error lines (a failed bind, for one) straight to stderr;
  // the CLI reports those failures itself, so grpc-js goes to the debug log.
  setLogger({
    error: (...parts: unknown[]) => logger.debug({ grpc: format(...parts) }, "grpc-js"),
  });

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

  const host = values.host ?? defaultConfig.host;
  const listenPort = port ?? defaultConfig.port;
  try {
    server = await startServer({
      ...(dataPath === undefined ? {} : { dataPath }),
      ...(database === undefined ? {} : { database }),
      ...(databasePoolSize === undefined ? {} : { databasePoolSize }),
      port: listenPort,
      host,
      logger,
      ...(maxEvents === undefined ? {} : { retention: { maxEvents } }),
      ...(heartbeatIntervalMs === undefined ? {} : { heartbeatIntervalMs }),
      ...(httpPort === undefined ? {} : { httpPort }),
      ...(webhookMaxBodyBytes === undefined ? {} : { webhookMaxBodyBytes }),
      ...(maxAttachmentBytes === undefined ? {} : { maxAttachmentBytes }),
      ...(tls === undefined ? {} : { tls }),
      ...(values["graph-api-url"] === undefined ? {} : { graphApiUrl: values["graph-api-url"] }),
      ...(values["graph-api-version"] === undefined
        ? {}
        : { graphApiVersion: values["graph-api-version"] }),
    });
  } catch (error) {
    if (!isAddressInUse(error)) throw error;
    throw new CommandFailure(
      `port ${listenPort} on ${host} is already in use (another threadline-server or another program listens there); stop that process, or start on another port with --port <port> (--port 0 picks a free one)`,
    );
  }
  if (stopSignal !== undefined) {
    shutDown(server);
    return;
  }
  // One write, so the hint never arrives apart from the address it refers to.
  const firstRun =
    (await server.accounts.count()) === 0
      ? `No accounts yet. Create one (the command prints its bearer token):\n  threadline-server accounts add you@example.com ${storageFlag(storage)}\n`
      : "";
  const webhookLine =
    server.httpPort === undefined
      ? ""
      : `WhatsApp webhooks on http://${host}:${server.httpPort}/webhooks/whatsapp\n`;
  process.stderr.write(
    `Threadline server listening on ${server.address} (${storage.kind === "postgres" ? "database: PostgreSQL" : `data: ${dataPath}`})\n${webhookLine}${firstRun}`,
  );
}

async function addAccount(args: string[]): Promise<void> {
  const { values, positionals } = parseArgs({
    args,
    options: { data: { type: "string" }, database: { type: "string" } },
    allowPositionals: true,
  });
  if (positionals.length === 0) {
    throw new UsageError(
      "accounts add needs at least one address, e.g. alice@example.com or +14155550100",
    );
  }
  const addresses = normalizeAddressList(positionals);
  const store = await openAccountsStore(values, false);
  try {
    const created = await runWrite(store, "accounts.create", { addresses });
    process.stderr.write(
      `Created account ${created.account.id} (${created.account.addresses.join(", ")}). Its bearer token, shown only once:\n`,
    );
    process.stdout.write(`${created.token}\n`);
    const total = await countAccounts(store.repositories);
    process.stderr.write(
      `The server now has ${total} account(s). A lost token cannot be shown again: threadline-server accounts rotate-token <address> issues a new one.\n`,
    );
  } finally {
    await store.close();
  }
}

/** Returns `path` when its folder exists (SQLite creates the file, never the folder). */
function checkDataDirectory(path: string): string {
  if (!existsSync(dirname(path))) {
    throw new CommandFailure(
      `the folder of --data ${path} does not exist; create it first (the server creates only the database file)`,
    );
  }
  return path;
}

/** Where an accounts command's data lives: `--database` (PostgreSQL) or `--data` (SQLite). */
function accountsStorage(values: { data?: string; database?: string }): CommandStorage {
  if (values.database === undefined) {
    return { kind: "sqlite", path: values.data ?? defaultConfig.dataPath };
  }
  if (values.data !== undefined) {
    throw new UsageError("pass --data (a SQLite file) or --database (a PostgreSQL URL), not both");
  }
  const problem = databaseUrlProblem(values.database);
  if (problem !== undefined) throw new UsageError(problem);
  return { kind: "postgres", url: values.database };
}

/**
 * Opens the store of an accounts command. A SQLite file must exist unless the command
 * creates (`mustExist` false): a missing file is a mistake, not a new server.
 */
async function openAccountsStore(
  values: { data?: string; database?: string },
  mustExist: boolean,
): Promise<ServerStore> {
  const storage = accountsStorage(values);
  if (storage.kind === "sqlite") {
    checkDataDirectory(storage.path);
    if (mustExist && !existsSync(storage.path)) {
      throw new CommandFailure(
        `there is no database at ${storage.path}; pass the --data file the server was started with`,
      );
    }
  }
  return openCommandStore(storage);
}

async function listAccountsCommand(args: string[]): Promise<void> {
  const { values, positionals } = parseArgs({
    args,
    options: { data: { type: "string" }, database: { type: "string" } },
    allowPositionals: true,
  });
  if (positionals.length > 0)
    throw new UsageError(
      `accounts list takes no arguments; received ${JSON.stringify(positionals[0])}`,
    );
  const where = storageFlag(accountsStorage(values));
  const store = await openAccountsStore(values, true);
  try {
    const accounts = await listAccounts(store.repositories);
    if (accounts.length === 0) {
      process.stderr.write(
        `No accounts yet. Create one (the command prints its bearer token):\n  threadline-server accounts add you@example.com ${where}\n`,
      );
      return;
    }
    // Tokens are stored as hashes only: the list can say how many work, never what they are.
    for (const account of accounts) {
      process.stdout.write(
        `${account.id}\t${account.addresses.join(", ")}\ttokens: ${account.tokenCount}\tcreated ${account.createdAt.toISOString()}\n`,
      );
    }
    process.stderr.write(
      `${accounts.length} account(s). A lost token cannot be shown again: threadline-server accounts rotate-token <address> ${where} issues a new one.\n`,
    );
  } finally {
    await store.close();
  }
}

async function rotateTokenCommand(args: string[]): Promise<void> {
  const { values, positionals } = parseArgs({
    args,
    options: { data: { type: "string" }, database: { type: "string" } },
    allowPositionals: true,
  });
  if (positionals.length !== 1) {
    throw new UsageError(
      `accounts rotate-token needs exactly one address of the account, e.g. bot@example.com; received ${positionals.length}`,
    );
  }
  const raw = positionals[0] ?? "";
  const address = normalizeAddress(raw);
  const where = storageFlag(accountsStorage(values));
  const store = await openAccountsStore(values, true);
  try {
    const rotated = await rotateAccountTokens(store, address);
    if (rotated === null) {
      throw new CommandFailure(
        `no account has the address ${JSON.stringify(raw)}; threadline-server accounts list ${where} shows every account`,
      );
    }
    process.stderr.write(
      `Rotated the token of account ${rotated.account.id} (${rotated.account.addresses.join(", ")}): ${rotated.revoked} old token(s) no longer work. Its new bearer token, shown only once:\n`,
    );
    process.stdout.write(`${rotated.token}\n`);
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
    if (command === "accounts" && rest[0] === "list") {
      await listAccountsCommand(rest.slice(1));
      return 0;
    }
    if (command === "accounts" && rest[0] === "rotate-token") {
      await rotateTokenCommand(rest.slice(1));
      return 0;
    }
    if (command === "whatsapp") {
      await runWhatsAppCommand(rest, {
        usage: (message) => new UsageError(message),
        failure: (message) => new CommandFailure(message),
      });
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
      error instanceof CommandFailure ||
      error instanceof ServerError ||
      error instanceof DataFileError ||
      error instanceof DatabaseOpenError
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
