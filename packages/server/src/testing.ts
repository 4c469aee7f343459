import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import type { RetentionOptions, ServerOptions } from "./config.js";
import { startServer, type ThreadlineServer } from "./server.js";

export { type FreezableProxy, startFreezableProxy } from "./testing/freezable-proxy.js";
export { createRawClient, type RawClient, type RawOutcome } from "./testing/raw-rpc-client.js";
export { type ChatSeedOptions, seedChatMessages } from "./testing/seed-chat-messages.js";
export { type SeedOptions, seedReceivedMessages } from "./testing/seed-received-messages.js";
export {
  type SeededServerProcess,
  startSeededServerProcess,
} from "./testing/start-seeded-server-process.js";
export { whatsappWebhookPayload } from "./testing/whatsapp-webhook-payload.js";

/** Options of {@link startTestServer}. */
export interface TestServerOptions {
  readonly heartbeatIntervalMs?: number;
  readonly retention?: RetentionOptions;
  /** Database file; default a fresh temporary directory removed at teardown. */
  readonly dataPath?: string;
  /**
   * A PostgreSQL URL (`postgres://user@host:port/database`): the server runs on the
   * PostgreSQL engine there (migrating it) instead of a SQLite file, and `dataPath` only
   * places the attachment files. The database is the caller's: it is neither created
   * nor dropped, and restarts keep its contents.
   */
  readonly database?: string;
  /** PostgreSQL connections that commit at once (with `database`); default the server's. */
  readonly databasePoolSize?: number;
  readonly maxBatchSize?: number;
  readonly subscriberBuffer?: ServerOptions["subscriberBuffer"];
  readonly maxReceiveMessageBytes?: number;
  readonly maxSubscribersPerAccount?: number;
  /** Logger; default silent. */
  readonly logger?: ServerOptions["logger"];
  /** How long teardown waits for client calls to finish before calling them leaked. Default 5000. */
  readonly leakGraceMs?: number;
}

/** A server on a temporary SQLite file (or a given PostgreSQL database) and a free port, for tests. */
export interface TestServer {
  /** The server currently running (a new object after {@link TestServer.restart}). */
  readonly server: ThreadlineServer;
  /** `host:port`; stays the same across restarts. */
  readonly address: string;
  readonly dataPath: string;
  readonly accounts: ThreadlineServer["accounts"];
  /** Closes the server and starts it again on the same file and port. */
  restart(): Promise<void>;
  /**
   * Closes the server and removes the temporary directory. Rejects, after closing,
   * when calls were still open (a test leaked a stream or call).
   */
  close(): Promise<void>;
  [Symbol.asyncDispose](): Promise<void>;
}

const disposeSymbol: typeof Symbol.asyncDispose =
  Symbol.asyncDispose ?? Symbol.for("Symbol.asyncDispose");

async function waitForCalls(server: ThreadlineServer, graceMs: number): Promise<string[]> {
  const deadline = Date.now() + graceMs;
  while (server.calls.active.size > 0 && Date.now() < deadline) {
    await new Promise((resolve) => setTimeout(resolve, 10));
  }
  return [...server.calls.active.values()];
}

/**
 * Starts a server for a test: a temporary directory, port 0 on 127.0.0.1, silent
 * logs. Use with `await using` so teardown always runs.
 */
export async function startTestServer(options: TestServerOptions = {}): Promise<TestServer> {
  const directory =
    options.dataPath === undefined ? await mkdtemp(join(tmpdir(), "threadline-")) : undefined;
  const dataPath = options.dataPath ?? join(directory ?? ".", "threadline.db");
  const serverOptions = (port: number): ServerOptions => ({
    dataPath,
    ...(options.database === undefined ? {} : { database: options.database }),
    ...(options.databasePoolSize === undefined
      ? {}
      : { databasePoolSize: options.databasePoolSize }),
    port,
    host: "127.0.0.1",
    logger: options.logger ?? false,
    ...(options.heartbeatIntervalMs === undefined
      ? {}
      : { heartbeatIntervalMs: options.heartbeatIntervalMs }),
    ...(options.retention === undefined ? {} : { retention: options.retention }),
    ...(options.maxBatchSize === undefined ? {} : { maxBatchSize: options.maxBatchSize }),
    ...(options.subscriberBuffer === undefined
      ? {}
      : { subscriberBuffer: options.subscriberBuffer }),
    ...(options.maxSubscribersPerAccount === undefined
      ? {}
      : { maxSubscribersPerAccount: options.maxSubscribersPerAccount }),
    ...(options.maxReceiveMessageBytes === undefined
      ? {}
      : { maxReceiveMessageBytes: options.maxReceiveMessageBytes }),
  });
  let server = await startServer(serverOptions(0));
  const port = server.port;
  let closing: Promise<void> | undefined;
  const close = (): Promise<void> => {
    closing ??= (async () => {
      const leaked = await waitForCalls(server, options.leakGraceMs ?? 5000);
      await server.close({ graceMs: 1000 });
      if (directory !== undefined) await rm(directory, { recursive: true, force: true });
      if (leaked.length > 0) {
        throw new Error(
          `test server teardown found ${leaked.length} call(s) still open: ${leaked.join(", ")}; close every stream and call before the test ends`,
        );
      }
    })();
    return closing;
  };

  return {
    get server() {
      return server;
    },
    get address() {
      return server.address;
    },
    get accounts() {
      return server.accounts;
    },
    dataPath,
    async restart() {
      await server.close();
      server = await startServer(serverOptions(port));
    },
    close,
    [disposeSymbol]: close,
  };
}
