import type { Logger } from "pino";
import type { RetentionOptions } from "./storage/retention-options.js";

export type { RetentionOptions };

/** Limits of one live subscriber's outgoing buffer. */
export interface SubscriberBufferLimits {
  /**
   * Events waiting to be sent (queued on the server, not yet handed to the transport)
   * before the subscriber is cut off.
   */
  readonly maxEvents: number;
  /** Bytes waiting to be sent before the subscriber is cut off. */
  readonly maxBytes: number;
}

/**
 * Options of {@link startServer}; every field has a default but the storage: `dataPath`
 * (SQLite) or `database` (PostgreSQL).
 */
export interface ServerOptions {
  /**
   * Path of the SQLite database file; created when missing. With `database` it only
   * places the attachment files (`<dataPath>.attachments`).
   */
  readonly dataPath?: string;
  /**
   * A PostgreSQL URL (`postgres://user@host:port/database`): the server stores
   * everything there instead of in a SQLite file, and several server processes may
   * share the database. Migrated at start.
   */
  readonly database?: string;
  /** Connections that commit at once on PostgreSQL (and as many again for reads). Default 4. */
  readonly databasePoolSize?: number;
  /** TCP port; 0 picks a free one. Default 50051. */
  readonly port?: number;
  /** Interface to listen on. Default 127.0.0.1. */
  readonly host?: string;
  /** Interval of heartbeat frames on idle long-lived streams. Default 15000. */
  readonly heartbeatIntervalMs?: number;
  /** Event retention; unset keeps every event. */
  readonly retention?: RetentionOptions;
  /** Largest batch CatchUpEventBatches and SubscribeEvents send. Default 256. */
  readonly maxBatchSize?: number;
  /** Per-subscriber buffer limits. Default 10,000 events and 8 MiB. */
  readonly subscriberBuffer?: Partial<SubscriberBufferLimits>;
  /** Largest accepted request message in bytes. Default 16 MiB. */
  readonly maxReceiveMessageBytes?: number;
  /**
   * Largest attachment (its file plus any companion) in bytes; a bigger upload is
   * refused with an error naming this limit. Default 100 MiB.
   */
  readonly maxAttachmentBytes?: number;
  /** Live streams one account may hold open at once. Default 1000. */
  readonly maxSubscribersPerAccount?: number;
  /** A pino logger, or `false` for silence. Default: pino to stdout at level info. */
  readonly logger?: false | Logger;
  /** Port of the WhatsApp webhook HTTP server (0 picks a free one); unset runs none. */
  readonly httpPort?: number;
  /** Largest accepted webhook body in bytes; larger POSTs get 413. Default 1 MiB. */
  readonly webhookMaxBodyBytes?: number;
  /** Graph API base URL. Default https://graph.facebook.com. */
  readonly graphApiUrl?: string;
  /** Graph API version of every call. Default v23.0. */
  readonly graphApiVersion?: string;
  /** PEM certificate chain and private key; when given, gRPC serves TLS only. */
  readonly tls?: { readonly cert: string | Uint8Array; readonly key: string | Uint8Array };
}

/** Server configuration after defaults are applied; what services read. */
export interface ServerConfig {
  /** The SQLite file; with `database`, only where the attachment files go (or undefined). */
  readonly dataPath: string | undefined;
  /** The PostgreSQL URL, when the server runs on PostgreSQL. */
  readonly database: string | undefined;
  readonly databasePoolSize: number;
  readonly port: number;
  readonly host: string;
  readonly heartbeatIntervalMs: number;
  readonly retention: RetentionOptions;
  readonly maxBatchSize: number;
  readonly subscriberBuffer: SubscriberBufferLimits;
  readonly maxReceiveMessageBytes: number;
  readonly maxAttachmentBytes: number;
  /** Directory of the attachment files: the database path plus `.attachments`. */
  readonly attachmentsPath: string;
  readonly maxSubscribersPerAccount: number;
  /** The server's package version, reported by GetServerInfo. */
  readonly version: string;
  /** WhatsApp webhook HTTP port as configured (undefined: no webhook server). */
  readonly httpPort: number | undefined;
  readonly webhookMaxBodyBytes: number;
  readonly graphApiUrl: string;
  readonly graphApiVersion: string;
  /** Whether gRPC serves TLS (the key itself is not kept in the configuration). */
  readonly tls: boolean;
}

/** Defaults the CLI and {@link resolveConfig} use. */
export const defaultConfig = {
  dataPath: "./threadline.db",
  databasePoolSize: 4,
  /** Where attachment files go on PostgreSQL when no `dataPath` is given. */
  postgresAttachmentsPath: "./threadline-attachments",
  port: 50051,
  host: "127.0.0.1",
  heartbeatIntervalMs: 15_000,
  maxBatchSize: 256,
  subscriberBuffer: { maxEvents: 10_000, maxBytes: 8 * 1024 * 1024 },
  maxReceiveMessageBytes: 16 * 1024 * 1024,
  maxAttachmentBytes: 100 * 1024 * 1024,
  maxSubscribersPerAccount: 1000,
  webhookMaxBodyBytes: 1024 * 1024,
  graphApiUrl: "https://graph.facebook.com",
  graphApiVersion: "v23.0",
} as const;

function positiveInteger(name: string, value: number | undefined, fallback: number): number {
  if (value === undefined) return fallback;
  if (!Number.isSafeInteger(value) || value <= 0) {
    throw new RangeError(`${name} must be a positive safe integer; received ${String(value)}`);
  }
  return value;
}

/**
 * Applies defaults and validates options. Throws `RangeError` naming the bad option
 * and what is allowed.
 */
export function resolveConfig(options: ServerOptions, version: string): ServerConfig {
  const database = validDatabaseUrl(options.database);
  if (
    (database === undefined || options.dataPath !== undefined) &&
    (typeof options.dataPath !== "string" || options.dataPath.length === 0)
  ) {
    throw new RangeError(
      "dataPath must be a non-empty file path (or give database, a postgres:// URL, instead)",
    );
  }
  const port = options.port ?? defaultConfig.port;
  if (!Number.isInteger(port) || port < 0 || port > 65535) {
    throw new RangeError(`port must be an integer from 0 to 65535; received ${String(port)}`);
  }
  const retention: { maxEvents?: number; maxAgeMs?: number } = {};
  if (options.retention?.maxEvents !== undefined) {
    retention.maxEvents = positiveInteger("retention.maxEvents", options.retention.maxEvents, 1);
  }
  if (options.retention?.maxAgeMs !== undefined) {
    retention.maxAgeMs = positiveInteger("retention.maxAgeMs", options.retention.maxAgeMs, 1);
  }
  return {
    dataPath: options.dataPath,
    database,
    databasePoolSize: positiveInteger(
      "databasePoolSize",
      options.databasePoolSize,
      defaultConfig.databasePoolSize,
    ),
    port,
    host: options.host ?? defaultConfig.host,
    heartbeatIntervalMs: positiveInteger(
      "heartbeatIntervalMs",
      options.heartbeatIntervalMs,
      defaultConfig.heartbeatIntervalMs,
    ),
    retention,
    maxBatchSize: positiveInteger("maxBatchSize", options.maxBatchSize, defaultConfig.maxBatchSize),
    subscriberBuffer: {
      maxEvents: positiveInteger(
        "subscriberBuffer.maxEvents",
        options.subscriberBuffer?.maxEvents,
        defaultConfig.subscriberBuffer.maxEvents,
      ),
      maxBytes: positiveInteger(
        "subscriberBuffer.maxBytes",
        options.subscriberBuffer?.maxBytes,
        defaultConfig.subscriberBuffer.maxBytes,
      ),
    },
    maxReceiveMessageBytes: positiveInteger(
      "maxReceiveMessageBytes",
      options.maxReceiveMessageBytes,
      defaultConfig.maxReceiveMessageBytes,
    ),
    maxAttachmentBytes: positiveInteger(
      "maxAttachmentBytes",
      options.maxAttachmentBytes,
      defaultConfig.maxAttachmentBytes,
    ),
    attachmentsPath:
      options.dataPath === undefined
        ? defaultConfig.postgresAttachmentsPath
        : `${options.dataPath}.attachments`,
    maxSubscribersPerAccount: positiveInteger(
      "maxSubscribersPerAccount",
      options.maxSubscribersPerAccount,
      defaultConfig.maxSubscribersPerAccount,
    ),
    version,
    httpPort: validHttpPort(options.httpPort),
    webhookMaxBodyBytes: positiveInteger(
      "webhookMaxBodyBytes",
      options.webhookMaxBodyBytes,
      defaultConfig.webhookMaxBodyBytes,
    ),
    graphApiUrl: options.graphApiUrl ?? defaultConfig.graphApiUrl,
    graphApiVersion: options.graphApiVersion ?? defaultConfig.graphApiVersion,
    tls: options.tls !== undefined,
  };
}

function validDatabaseUrl(url: string | undefined): string | undefined {
  if (url === undefined) return undefined;
  if (typeof url !== "string" || !/^postgres(ql)?:\/\/./.test(url)) {
    throw new RangeError(
      `database must be a PostgreSQL URL such as postgres://user@host:5432/threadline; received ${JSON.stringify(String(url).replace(/:[^:@/]*@/, ":***@"))}`,
    );
  }
  return url;
}

function validHttpPort(port: number | undefined): number | undefined {
  if (port === undefined) return undefined;
  if (!Number.isInteger(port) || port < 0 || port > 65535) {
    throw new RangeError(`httpPort must be an integer from 0 to 65535; received ${String(port)}`);
  }
  return port;
}
