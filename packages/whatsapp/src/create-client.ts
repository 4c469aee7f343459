import type { ChannelOptions } from "@grpc/grpc-js";
import {
  createTransport,
  defaultHeartbeatIntervalMs,
  invalidArgument,
  type RetryOptions,
  type TlsOptions,
} from "@threadline/core";
import { createEventsResource, type EventsResource } from "./events-resource.js";
import { createLogSupport } from "./log-support.js";
import { createMediaResource, type MediaResource } from "./media-resource.js";
import { createMessagesResource, type MessagesResource } from "./messages-resource.js";

const asyncDispose: typeof Symbol.asyncDispose =
  Symbol.asyncDispose ?? Symbol.for("Symbol.asyncDispose");

/** A business number's credentials, as the published client takes them. */
export interface WhatsAppCredentials {
  readonly accessToken: string;
  readonly appSecret: string;
  readonly phoneNumberId: string;
}

/** Options of {@link createClient}. */
export interface ClientOptions extends WhatsAppCredentials {
  /** Server address, `"host:port"`. */
  readonly address: string;
  /** TLS: `true` for the system roots, or PEM material; default plaintext. */
  readonly tls?: TlsOptions;
  /**
   * Retries of retryable unary failures, with one idempotency key per call. Default on
   * (4 attempts); `true` is the default, `false` turns retries off.
   */
  readonly retry?: boolean | RetryOptions;
  /** Deadline of each unary call including its retries, in ms. Default 30000. */
  readonly timeout?: number;
  /**
   * The server's heartbeat interval, in ms (default 15000, the server's default);
   * `subscribe()` treats a stream silent for twice this long as dead and reconnects.
   */
  readonly heartbeatIntervalMs?: number;
  /** grpc-js channel options, applied over core's keepalive defaults. */
  readonly channelOptions?: ChannelOptions;
}

/** The WhatsApp Business client. */
export interface WhatsAppClient extends AsyncDisposable {
  /** Inbound messages and status updates: subscribe and fetchMissed. */
  readonly events: EventsResource;
  /** Sending messages and read receipts. */
  readonly messages: MessagesResource;
  /** Media upload, download URLs and deletion. */
  readonly media: MediaResource;
  /** Closes every open stream and the channels. Idempotent; returns the same promise. */
  close(): Promise<void>;
}

function checkCredential(field: string, value: unknown, allowed: string): string {
  if (typeof value !== "string" || value.trim() === "") {
    throw invalidArgument(field, allowed, value);
  }
  return value;
}

/**
 * Creates a WhatsApp Business client for one business number. Nothing connects until
 * the first call. Every call carries `access_token`, `phone_number_id` and `app_secret`
 * metadata; the server rejects wrong ones with an AuthenticationError (never retried).
 *
 * Throws ValidationError for a missing credential or a bad address, retry or timeout.
 */
export function createClient(options: ClientOptions): WhatsAppClient {
  if (typeof options !== "object" || options === null) {
    throw invalidArgument(
      "options",
      "an object like { address, accessToken, phoneNumberId, appSecret }",
      options,
    );
  }
  const accessToken = checkCredential(
    "accessToken",
    options.accessToken,
    "the number's Graph API access token (a non-empty string)",
  );
  const phoneNumberId = checkCredential(
    "phoneNumberId",
    options.phoneNumberId,
    "Meta's phone number id of the business number (a non-empty string)",
  );
  if (!/^[0-9]{1,32}$/.test(phoneNumberId)) {
    throw invalidArgument(
      "phoneNumberId",
      'Meta\'s numeric phone number id, e.g. "106540352242922"',
      phoneNumberId,
    );
  }
  const appSecret = checkCredential(
    "appSecret",
    options.appSecret,
    "the Meta app's secret (a non-empty string)",
  );
  const retry = options.retry;
  if (
    retry !== undefined &&
    typeof retry !== "boolean" &&
    (typeof retry !== "object" || retry === null)
  ) {
    throw invalidArgument("retry", "true, false or { maxAttempts, initialDelay, maxDelay }", retry);
  }
  const heartbeatIntervalMs = options.heartbeatIntervalMs ?? defaultHeartbeatIntervalMs;
  if (!Number.isInteger(heartbeatIntervalMs) || heartbeatIntervalMs <= 0) {
    throw invalidArgument(
      "heartbeatIntervalMs",
      "a positive integer of milliseconds",
      heartbeatIntervalMs,
    );
  }
  const transport = createTransport({
    address: options.address,
    authHeaders: {
      access_token: accessToken,
      phone_number_id: phoneNumberId,
      app_secret: appSecret,
    },
    ...(options.tls === undefined ? {} : { tls: options.tls }),
    ...(options.timeout === undefined ? {} : { timeoutMs: options.timeout }),
    ...(retry === undefined || retry === true ? {} : { retry }),
    ...(options.channelOptions === undefined ? {} : { channelOptions: options.channelOptions }),
  });
  const logSupport = createLogSupport(transport);
  const close = () => transport.close();
  return {
    events: createEventsResource(transport, logSupport, heartbeatIntervalMs),
    messages: createMessagesResource(transport),
    media: createMediaResource(transport),
    close,
    [asyncDispose]: close,
  };
}
