/**
 * @threadline/server: a gRPC server with a durable per-account event log (SQLite, or
 * PostgreSQL shared by several processes), accounts and live streams, wire-compatible
 * with photon.imessage.v1, and the WhatsApp Business channel (signed Meta webhooks into per-number logs, photon.whatsapp.v1).
 */

export type { Account } from "./auth/account.js";
// ---- integration points ----------------------------------------------------------
// For code that extends the server (custom services, storage back-ends, tooling).
export type {
  RetentionOptions,
  ServerConfig,
  ServerOptions,
  SubscriberBufferLimits,
} from "./config.js";
export { defaultConfig, resolveConfig } from "./config.js";
export { invalidArgument, notFound } from "./errors/common-errors.js";
export { DataFileError } from "./errors/data-file-error.js";
export { DatabaseOpenError } from "./errors/database-open-error.js";
export type { ErrorCode, ServerErrorOptions } from "./errors/server-error.js";
export { ServerError } from "./errors/server-error.js";
export type { LiveHub } from "./live/live-hub.js";
export { grpcStatusOf, serviceErrorOf } from "./rpc/error-status.js";
export type {
  HandlerDependencies,
  ServerStreamImplementation,
  UnaryImplementation,
} from "./rpc/handlers.js";
export { serverStream, unary } from "./rpc/handlers.js";
export { serverCapabilities } from "./rpc/server-info-service.js";
export type {
  ServiceDependencies,
  ServiceImplementationFactory,
  SubscriptionHandlers,
} from "./rpc/service-dependencies.js";
export type { CallTracker } from "./rpc/service-registry.js";
export type {
  AccountAdmin,
  CreatedAccount,
  ThreadlineServer,
  WhatsAppNumberAdmin,
} from "./server.js";
export { startServer } from "./server.js";
export type {
  PostgresStore,
  PostgresStoreOptions,
} from "./storage/postgres/postgres-store.js";
export { openPostgresStore } from "./storage/postgres/postgres-store.js";
export type { LoggedEvent } from "./storage/repositories/event-log-repository.js";
export type { Repositories } from "./storage/repositories.js";
export type { ServerStore } from "./storage/server-store.js";
export type { SqliteStore, SqliteStoreOptions } from "./storage/sqlite-store.js";
export { openSqliteStore } from "./storage/sqlite-store.js";
export { StoreClosedError } from "./storage/store-closed-error.js";
export type {
  EventDomain,
  IdempotencyClaim,
  LogEventInput,
  Store,
  WriteContext,
  WriteExecutor,
  WriteRequest,
} from "./storage/write-context.js";
export type {
  WhatsAppNumberRegistration,
  WhatsAppNumberSummary,
} from "./whatsapp/number-registry.js";
export { signWebhookBody } from "./whatsapp/webhook-signature.js";
