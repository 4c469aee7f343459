import { readFileSync } from "node:fs";
import { Server, ServerCredentials, type ServiceDefinition } from "@grpc/grpc-js";
import {
  AddressServiceDefinition,
  AttachmentServiceDefinition,
  AttachmentUploadServiceDefinition,
  ChatArchiveServiceDefinition,
  ChatServiceDefinition,
  EventLogServiceDefinition,
  EventServiceDefinition,
  FocusStatusServiceDefinition,
  GroupServiceDefinition,
  LocationServiceDefinition,
  LocationSharingServiceDefinition,
  MessageServiceDefinition,
  PollServiceDefinition,
  ServerInfoServiceDefinition,
  WhatsAppLogServiceDefinition,
  WhatsAppMediaServiceDefinition,
  WhatsAppMessageServiceDefinition,
} from "@threadline/protocol";
import { type Logger, pino } from "pino";
import type { Account } from "./auth/account.js";
import { countAccounts, getAccount } from "./auth/account-directory.js";
import { resolveConfig, type ServerConfig, type ServerOptions } from "./config.js";
import { normalizeAddressList } from "./domain/address.js";
import { isBlobReferenced } from "./domain/attachment-records.js";
import { createUploadSessions, maxUploadChunkBytes } from "./domain/attachment-upload-sessions.js";
import { executeWrite, runWrite } from "./domain/write-operations.js";
import { ServerError } from "./errors/server-error.js";
import { createServerMetrics } from "./http/metrics-registry.js";
import { startWebhookServer, type WebhookServer } from "./http/webhook-server.js";
import { createLiveHub, type LiveHub } from "./live/live-hub.js";
import { createAddressServiceImplementation } from "./rpc/address-service.js";
import { createAttachmentServiceImplementation } from "./rpc/attachment-service.js";
import { createAttachmentUploadServiceImplementation } from "./rpc/attachment-upload-service.js";
import { createChatArchiveServiceImplementation } from "./rpc/chat-archive-service.js";
import { createChatServiceImplementation } from "./rpc/chat-service.js";
import { createEventLogServiceImplementation } from "./rpc/event-log-service.js";
import { createEventServiceImplementation } from "./rpc/event-service.js";
import { createFocusStatusServiceImplementation } from "./rpc/focus-status-service.js";
import { createGroupServiceImplementation } from "./rpc/group-service.js";
import { addHealthService, type HealthService } from "./rpc/health-service.js";
import { createLocationFeed, type LocationFeed } from "./rpc/location-feed.js";
import { createLocationServiceImplementation } from "./rpc/location-service.js";
import { createLocationSharingServiceImplementation } from "./rpc/location-sharing-service.js";
import { createMessageServiceImplementation } from "./rpc/message-service.js";
import { createPollServiceImplementation } from "./rpc/poll-service.js";
import { createServerInfoServiceImplementation } from "./rpc/server-info-service.js";
import type { ServiceDependencies } from "./rpc/service-dependencies.js";
import { type CallTracker, createCallTracker, prepareService } from "./rpc/service-registry.js";
import { createSubscriptionHandlers } from "./rpc/subscriptions.js";
import { createWhatsAppLogServiceImplementation } from "./rpc/whatsapp-log-service.js";
import { createWhatsAppMediaServiceImplementation } from "./rpc/whatsapp-media-service.js";
import { createWhatsAppMessageServiceImplementation } from "./rpc/whatsapp-message-service.js";
import { sqliteWriterThreadModule } from "./sqlite-writer-thread-module.js";
import { openAttachmentBlobStore } from "./storage/attachment-blob-store.js";
import { openPostgresStore } from "./storage/postgres/postgres-store.js";
import type { LoggedEvent } from "./storage/repositories/event-log-repository.js";
import type { ServerStore } from "./storage/server-store.js";
import { openSqliteStore } from "./storage/sqlite-store.js";
import type { Store } from "./storage/write-context.js";
import { createGraphApiClient } from "./whatsapp/graph-api-client.js";
import {
  listRegisteredNumbers,
  registerWhatsAppNumber,
  removeWhatsAppNumber,
  type WhatsAppNumberRegistration,
  type WhatsAppNumberSummary,
} from "./whatsapp/number-registry.js";
import type { WhatsAppLiveEvent } from "./whatsapp/whatsapp-log.js";

/** A domain service: its definition and the factory that implements it (when it exists). */
interface DomainService {
  readonly name: string;
  readonly definition: ServiceDefinition;
  readonly create?: (dependencies: ServiceDependencies) => Readonly<Record<string, unknown>>;
  /** Handlers this service gets even before its factory exists. */
  readonly fallback?: (dependencies: ServiceDependencies) => Readonly<Record<string, unknown>>;
}

// The domain services. A service without `create` would still answer its Subscribe*
// stream (through `fallback`) and UNIMPLEMENTED for the rest.
const domainServices: readonly DomainService[] = [
  {
    name: "ChatService",
    definition: ChatServiceDefinition,
    create: createChatServiceImplementation,
  },
  {
    name: "MessageService",
    definition: MessageServiceDefinition,
    create: createMessageServiceImplementation,
  },
  {
    name: "GroupService",
    definition: GroupServiceDefinition,
    create: createGroupServiceImplementation,
  },
  {
    name: "PollService",
    definition: PollServiceDefinition,
    create: createPollServiceImplementation,
  },
  {
    name: "ChatArchiveService",
    definition: ChatArchiveServiceDefinition,
    create: createChatArchiveServiceImplementation,
  },
  {
    name: "AddressService",
    definition: AddressServiceDefinition,
    create: createAddressServiceImplementation,
  },
  {
    name: "FocusStatusService",
    definition: FocusStatusServiceDefinition,
    create: createFocusStatusServiceImplementation,
  },
];

/** A new account and its first bearer token (shown once; only its hash is stored). */
export interface CreatedAccount {
  readonly account: Account;
  readonly token: string;
}

/** Account administration on a running server. */
export interface AccountAdmin {
  /**
   * Creates an account with one or more addresses (emails are lower-cased, phones
   * become E.164) and issues its first token. Rejects an invalid or duplicate address
   * (ServerError INVALID_ARGUMENT) and an address that already has an account
   * (ServerError ALREADY_EXISTS).
   */
  create(addresses: readonly string[]): Promise<CreatedAccount>;
  /** Issues another token for the account; ServerError NOT_FOUND when there is no such account. */
  issueToken(accountId: number): Promise<string>;
  /** The account, or undefined. */
  get(accountId: number): Promise<Account | undefined>;
  /** Number of accounts. */
  count(): Promise<number>;
}

/** WhatsApp business number administration on a running server (what `whatsapp add|list|remove` do). */
export interface WhatsAppNumberAdmin {
  /**
   * Registers a number. Throws ServerError INVALID_ARGUMENT for a malformed value and
   * ALREADY_EXISTS when the number is registered already.
   */
  register(registration: WhatsAppNumberRegistration): Promise<WhatsAppNumberSummary>;
  /** Every registered number, never with secrets. */
  list(): Promise<WhatsAppNumberSummary[]>;
  /** Removes a number and its event log; ServerError NOT_FOUND when it is not registered. */
  remove(phoneNumberId: string): Promise<void>;
}

/** A running Threadline server. */
export interface ThreadlineServer {
  /** `host:port` the server listens on (the real port when started with port 0). */
  readonly address: string;
  readonly host: string;
  readonly port: number;
  readonly accounts: AccountAdmin;
  /** WhatsApp business numbers. */
  readonly whatsappNumbers: WhatsAppNumberAdmin;
  /** Resolved configuration. */
  readonly config: ServerConfig;
  /** Port of the WhatsApp webhook HTTP server (the real one with httpPort 0); undefined without one. */
  readonly httpPort: number | undefined;
  /**
   * Stops accepting calls, ends live streams (UNAVAILABLE, retryable), waits up to
   * `graceMs` (default 5000) for calls in progress, then cancels the rest, commits
   * pending writes and closes the database. Returns the same promise when called again.
   */
  close(options?: { readonly graceMs?: number }): Promise<void>;
  [Symbol.asyncDispose](): Promise<void>;

  // ---- integration points ----------------------------------------------------------
  /** @internal the server's store (tests, benchmarks and the CLI use it). */
  readonly store: ServerStore;
  /** @internal the live hub. */
  readonly hub: LiveHub;
  /** @internal calls in progress. */
  readonly calls: CallTracker;
  /** @internal the live hub of the WhatsApp number logs. */
  readonly whatsappHub: LiveHub<WhatsAppLiveEvent>;
  /** @internal the transient location state: latest shared locations and their watches. */
  readonly locations: LocationFeed;
  /** @internal the webhook HTTP server, when `httpPort` was given. */
  readonly webhooks: WebhookServer | undefined;
}

const disposeSymbol: typeof Symbol.asyncDispose =
  Symbol.asyncDispose ?? Symbol.for("Symbol.asyncDispose");

function packageVersion(): string {
  try {
    const manifest: unknown = JSON.parse(
      readFileSync(new URL("../package.json", import.meta.url), "utf8"),
    );
    if (typeof manifest === "object" && manifest !== null && "version" in manifest) {
      const version = manifest.version;
      if (typeof version === "string") return version;
    }
  } catch {
    // A bundler may have moved us away from package.json; the version is informational.
  }
  return "0.0.0";
}

function createLogger(option: ServerOptions["logger"]): Logger {
  if (option === false) return pino({ enabled: false });
  return option ?? pino({ name: "threadline-server" });
}

function bind(
  server: Server,
  host: string,
  port: number,
  credentials: ServerCredentials,
): Promise<number> {
  const target = host.includes(":") ? `[${host}]:${port}` : `${host}:${port}`;
  return new Promise((resolve, reject) => {
    server.bindAsync(target, credentials, (error, boundPort) => {
      if (error) reject(error);
      else resolve(boundPort);
    });
  });
}

/** Creates the account administration API over a store. */
function createAccountAdmin(store: Store): AccountAdmin {
  return {
    async create(addresses) {
      return runWrite(store, "accounts.create", { addresses: normalizeAddressList(addresses) });
    },
    async issueToken(accountId) {
      return (await runWrite(store, "accounts.issueToken", { accountId })).token;
    },
    get(accountId) {
      return getAccount(store.repositories, accountId);
    },
    count() {
      return countAccounts(store.repositories);
    },
  };
}

/** Room for the fields of an upload request besides its bytes. */
const attachmentRequestOverheadBytes = 1024 * 1024;

/** The catch-up streams, for the `threadline_catch_up_streams_open` gauge. */
const catchUpPaths: ReadonlySet<string> = new Set([
  EventServiceDefinition.catchUpEvents.path,
  EventLogServiceDefinition.catchUpEventBatches.path,
]);

/**
 * Opens the database at `options.dataPath` (creating and migrating it), starts the gRPC
 * server (TLS only when `options.tls` is given) and, with `options.httpPort`, the
 * WhatsApp webhook HTTP server, and resolves once both listen. Throws `RangeError` for
 * invalid options and the bind error when an address is taken.
 */
export async function startServer(options: ServerOptions): Promise<ThreadlineServer> {
  const config = resolveConfig(options, packageVersion());
  const logger = createLogger(options.logger);
  const hub = createLiveHub();
  const whatsappHub = createLiveHub<WhatsAppLiveEvent>();
  const tracker = createCallTracker();
  const metrics = createServerMetrics({
    liveSubscribers: (kind) => (kind === "account" ? hub : whatsappHub).size,
    slowSubscriberCuts: (kind) => (kind === "account" ? hub : whatsappHub).slowSubscriberCuts,
    catchUpStreamsOpen: () => {
      let open = 0;
      for (const path of tracker.active.values()) if (catchUpPaths.has(path)) open += 1;
      return open;
    },
  });
  let health: HealthService | undefined;
  const engineOptions = {
    logger,
    retention: config.retention,
    onCommit: (events: readonly LoggedEvent[]) => {
      metrics.countAppends(events.length);
      hub.publish(events);
    },
    onCommitMeasured: (writes: number, seconds: number) => metrics.observeCommit(writes, seconds),
    onAvailabilityChange: (available: boolean) => health?.setServing(available),
    execute: executeWrite,
  };
  // SQLite by default; PostgreSQL when a database URL is given. On PostgreSQL, other
  // processes' events are read only for accounts with live streams in this one.
  const postgres =
    config.database === undefined
      ? undefined
      : await openPostgresStore({
          url: config.database,
          poolSize: config.databasePoolSize,
          isFollowed: (accountId) => hub.countFor(accountId) > 0,
          followedAccounts: () => hub.accountsWithSubscribers(),
          ...engineOptions,
          // onCommit also carries other processes' events here: appends are counted
          // where this process commits them.
          onCommit: (events) => hub.publish(events),
          onAppended: (count) => metrics.countAppends(count),
          // The WhatsApp number logs likewise: other processes' webhooks reach this
          // process's live WhatsApp streams.
          whatsapp: {
            onCommit: (events) => whatsappHub.publish(events),
            isFollowed: (numberId) => whatsappHub.countFor(numberId) > 0,
            followedNumbers: () => whatsappHub.accountsWithSubscribers(),
          },
        });
  const sqlite =
    postgres === undefined
      ? openSqliteStore({
          path: config.dataPath ?? "",
          ...engineOptions,
          // Commits (and their fsyncs) on SQLite's writer thread, off this event loop.
          writerThread: { module: sqliteWriterThreadModule() },
        })
      : undefined;
  const store: ServerStore = postgres ?? (sqlite as ServerStore);
  /** Where writes commit, for the "listening" line: PostgreSQL, or SQLite and its thread. */
  const storage = sqlite === undefined ? "postgres" : `sqlite ${sqlite.mode}`;
  // This process's own WhatsApp commits: straight to the hub on SQLite (one process);
  // on PostgreSQL through the store, which merges them with other processes' commits.
  const whatsappCommitted: Pick<LiveHub<WhatsAppLiveEvent>, "publish"> = {
    publish: (events) =>
      postgres === undefined ? whatsappHub.publish(events) : postgres.whatsappCommitted(events),
  };
  // Attachment files of uploads that never got their metadata row (a crash mid-upload)
  // are removed before anyone can ask for them.
  let blobs: Awaited<ReturnType<typeof openAttachmentBlobStore>>;
  try {
    blobs = await openAttachmentBlobStore(config.attachmentsPath);
    const swept = await blobs.sweep((sha256) => isBlobReferenced(store.repositories, sha256));
    if (swept.removed > 0) logger.info(swept, "removed attachment files of unfinished uploads");
  } catch (error) {
    await store.close();
    throw error;
  }
  const uploads = createUploadSessions({ blobs, maxAttachmentBytes: config.maxAttachmentBytes });
  const handlerDependencies = { store, logger, config, hub };
  const subscriptions = createSubscriptionHandlers(handlerDependencies);
  const dependencies: ServiceDependencies = { store, subscriptions, logger, config };

  const server = new Server({
    // Requests up to twice the limit reach our deserializer and get a typed error;
    // beyond that grpc-js refuses them itself.
    // An UploadAttachment request carries the whole file, so it may be up to the
    // attachment limit plus room for its other fields.
    "grpc.max_receive_message_length": Math.max(
      config.maxReceiveMessageBytes * 2,
      config.maxAttachmentBytes + attachmentRequestOverheadBytes,
    ),
    "grpc.keepalive_permit_without_calls": 1,
    // Ping idle connections so that a vanished client's live streams are released.
    "grpc.keepalive_time_ms": 60_000,
    "grpc.keepalive_timeout_ms": 20_000,
  });
  const add = (
    definition: ServiceDefinition,
    implementation: Readonly<Record<string, unknown>>,
    maxRequestBytes = config.maxReceiveMessageBytes,
  ) => {
    const prepared = prepareService(definition, implementation, {
      maxRequestBytes,
      tracker,
    });
    server.addService(prepared.definition, prepared.implementation);
  };
  health = addHealthService(server);

  let chatArchive = false;
  for (const service of domainServices) {
    const implementation = service.create?.(dependencies) ?? service.fallback?.(dependencies) ?? {};
    if (service.name === "ChatArchiveService" && service.create !== undefined) chatArchive = true;
    add(service.definition, implementation);
  }
  // Locations are transient: their state and watches live beside the log, never in it.
  const locations = createLocationFeed();
  const locationDependencies = { ...handlerDependencies, locations };
  add(LocationServiceDefinition, createLocationServiceImplementation(locationDependencies));
  add(
    LocationSharingServiceDefinition,
    createLocationSharingServiceImplementation(locationDependencies),
  );
  const attachmentDependencies = { ...dependencies, blobs };
  add(
    AttachmentServiceDefinition,
    createAttachmentServiceImplementation(attachmentDependencies),
    // The handler itself refuses an attachment over the limit, naming the limit.
    config.maxAttachmentBytes + attachmentRequestOverheadBytes,
  );
  add(
    AttachmentUploadServiceDefinition,
    createAttachmentUploadServiceImplementation({ ...attachmentDependencies, uploads }),
    Math.max(config.maxReceiveMessageBytes, maxUploadChunkBytes + attachmentRequestOverheadBytes),
  );
  add(EventServiceDefinition, createEventServiceImplementation(handlerDependencies));
  add(EventLogServiceDefinition, createEventLogServiceImplementation(handlerDependencies));
  add(
    ServerInfoServiceDefinition,
    createServerInfoServiceImplementation({ ...handlerDependencies, chatArchive }),
  );
  const whatsappDependencies = {
    ...handlerDependencies,
    whatsappHub,
    graph: createGraphApiClient({ baseUrl: config.graphApiUrl, version: config.graphApiVersion }),
  };
  add(
    WhatsAppMessageServiceDefinition,
    createWhatsAppMessageServiceImplementation(whatsappDependencies),
  );
  add(
    WhatsAppMediaServiceDefinition,
    createWhatsAppMediaServiceImplementation(whatsappDependencies),
  );
  add(WhatsAppLogServiceDefinition, createWhatsAppLogServiceImplementation(whatsappDependencies));
  const credentials =
    options.tls === undefined
      ? ServerCredentials.createInsecure()
      : ServerCredentials.createSsl(
          null,
          [
            {
              cert_chain: Buffer.from(options.tls.cert),
              private_key: Buffer.from(options.tls.key),
            },
          ],
          false,
        );

  let port: number;
  try {
    port = await bind(server, config.host, config.port, credentials);
  } catch (error) {
    server.forceShutdown();
    await store.close();
    const reason = error instanceof Error ? error.message : String(error);
    throw new Error(
      `could not listen on ${config.host}:${config.port} (${reason}); is another process using the port? Pick another with --port or port: 0`,
      { cause: error },
    );
  }
  const address = config.host.includes(":") ? `[${config.host}]:${port}` : `${config.host}:${port}`;
  let webhooks: WebhookServer | undefined;
  if (config.httpPort !== undefined) {
    try {
      webhooks = await startWebhookServer({
        host: config.host,
        port: config.httpPort,
        store,
        hub: whatsappCommitted,
        logger,
        maxBodyBytes: config.webhookMaxBodyBytes,
        metrics,
      });
    } catch (error) {
      server.forceShutdown();
      await store.close();
      const reason = error instanceof Error ? error.message : String(error);
      throw new Error(
        `could not listen for webhooks on ${config.host}:${config.httpPort} (${reason}); pick another --http-port`,
        { cause: error },
      );
    }
  }
  logger.info(
    { address, httpPort: webhooks?.port, tls: config.tls, dataPath: config.dataPath, storage },
    "threadline server listening",
  );

  let closing: Promise<void> | undefined;
  const close = (closeOptions?: { readonly graceMs?: number }): Promise<void> => {
    closing ??= (async () => {
      const graceMs = closeOptions?.graceMs ?? 5000;
      // Health watchers hear NOT_SERVING first; their streams then end, so none holds the drain.
      health?.setServing(false);
      health?.endWatches();
      // Stop accepting calls first, so no subscription can register after the hub empties.
      const drained = new Promise<void>((resolve) => server.tryShutdown(() => resolve()));
      // Webhooks in progress finish their commit (Meta retries whatever gets no 200).
      const webhooksClosed = webhooks?.close();
      await whatsappHub.endAll(
        new ServerError(
          "UNAVAILABLE",
          "the server is shutting down; reconnect and fetch missed events from the last cursor",
          { retryable: true },
        ),
      );
      await hub.endAll(
        new ServerError(
          "UNAVAILABLE",
          "the server is shutting down; reconnect and resume from the last handled sequence",
          { retryable: true },
        ),
      );
      await locations.close();
      let timer: NodeJS.Timeout | undefined;
      const timedOut = new Promise<void>((resolve) => {
        timer = setTimeout(() => {
          logger.warn(
            { calls: [...tracker.active.values()] },
            "cancelling calls still running at shutdown",
          );
          server.forceShutdown();
          resolve();
        }, graceMs);
      });
      await Promise.race([drained, timedOut]);
      clearTimeout(timer);
      await webhooksClosed;
      await uploads.close();
      await store.close();
      logger.info({ address, ...store.stats() }, "threadline server stopped");
    })();
    return closing;
  };

  return {
    address,
    host: config.host,
    port,
    accounts: createAccountAdmin(store),
    whatsappNumbers: {
      register: (registration) => registerWhatsAppNumber(store, registration),
      list: () => listRegisteredNumbers(store.repositories),
      remove: (phoneNumberId) => removeWhatsAppNumber(store, phoneNumberId),
    },
    config,
    httpPort: webhooks?.port,
    close,
    [disposeSymbol]: () => close(),
    store,
    hub,
    calls: tracker,
    whatsappHub,
    locations,
    webhooks,
  };
}
