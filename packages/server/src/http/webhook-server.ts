import { createServer, type IncomingMessage, type Server, type ServerResponse } from "node:http";
import type { AddressInfo } from "node:net";
import type { Logger } from "pino";
import { ServerError } from "../errors/server-error.js";
import type { LiveHub } from "../live/live-hub.js";
import { StoreClosedError } from "../storage/store-closed-error.js";
import type { Store } from "../storage/write-context.js";
import { WebhookShapeError } from "../whatsapp/json-reader.js";
import {
  findRegisteredNumber,
  isRegisteredVerifyToken,
  registeredAppSecrets,
} from "../whatsapp/number-registry.js";
import {
  parseWebhookPayload,
  type WebhookEvent,
  webhookPhoneNumberIds,
} from "../whatsapp/webhook-payload.js";
import { isValidWebhookSignature } from "../whatsapp/webhook-signature.js";
import { appendWebhookEvents, type WhatsAppLiveEvent } from "../whatsapp/whatsapp-log.js";
import { createServerMetrics, type ServerMetrics } from "./metrics-registry.js";
import { BodyTooLargeError, readLimitedBody } from "./read-limited-body.js";

/** The path Meta is configured to call. */
export const whatsappWebhookPath = "/webhooks/whatsapp";

/** Why a webhook call was refused; each reason has its own counter. */
export type WebhookRejection =
  | "bad_signature"
  | "body_too_large"
  | "malformed_json"
  | "malformed_payload"
  | "unknown_number"
  | "verify_failed"
  | "not_found"
  | "method_not_allowed"
  | "store_unavailable";

/** Counters of one webhook server. */
export interface WebhookStats {
  /** POSTs answered 200 (after their events were committed). */
  readonly accepted: number;
  /** Events appended, and redeliveries skipped, by the accepted POSTs. */
  readonly eventsAppended: number;
  readonly duplicatesSkipped: number;
  readonly rejected: Readonly<Record<WebhookRejection, number>>;
}

/** Options of {@link startWebhookServer}. */
export interface WebhookServerOptions {
  readonly host: string;
  readonly port: number;
  readonly store: Store;
  /** Where committed webhook events go live (the WhatsApp hub, or the store's follower). */
  readonly hub: Pick<LiveHub<WhatsAppLiveEvent>, "publish">;
  readonly logger: Logger;
  /** Largest accepted POST body in bytes. */
  readonly maxBodyBytes: number;
  /** The server's metrics, served at `/metrics`; a registry with only the webhook counters otherwise. */
  readonly metrics?: ServerMetrics;
}

/** The running HTTP server of the WhatsApp webhooks. */
export interface WebhookServer {
  readonly port: number;
  stats(): WebhookStats;
  /** Stops accepting connections and waits for calls in progress. */
  close(): Promise<void>;
}

class Rejection extends Error {
  constructor(
    readonly status: number,
    readonly reason: WebhookRejection,
    readonly detail: string,
  ) {
    super(detail);
  }
}

/**
 * Starts the webhook HTTP server:
 * - `GET /webhooks/whatsapp?hub.mode=subscribe&hub.verify_token=V&hub.challenge=C`
 *   answers 200 with C when V is a registered number's verify token, else 403;
 * - `POST /webhooks/whatsapp` checks the body size (413), `X-Hub-Signature-256` over
 *   the raw bytes against the registered app secrets (401), the JSON (400) and its
 *   numbers (404), appends the events and answers 200 only after the commit is fsync'd;
 * - `GET /healthz` answers 200; `GET /metrics` has the counters (Prometheus text format).
 * Every refusal is counted and logged with its reason, never with a body or a secret.
 */
export async function startWebhookServer(options: WebhookServerOptions): Promise<WebhookServer> {
  const { store, hub, logger } = options;
  const metrics = options.metrics ?? createServerMetrics();
  let accepted = 0;
  let eventsAppended = 0;
  let duplicatesSkipped = 0;
  const rejected: Record<WebhookRejection, number> = {
    bad_signature: 0,
    body_too_large: 0,
    malformed_json: 0,
    malformed_payload: 0,
    unknown_number: 0,
    verify_failed: 0,
    not_found: 0,
    method_not_allowed: 0,
    store_unavailable: 0,
  };

  function respond(response: ServerResponse, status: number, body: string): void {
    response.writeHead(status, {
      "content-type": "text/plain; charset=utf-8",
      "content-length": Buffer.byteLength(body),
    });
    response.end(body);
  }

  function reject(request: IncomingMessage, response: ServerResponse, rejection: Rejection): void {
    rejected[rejection.reason] += 1;
    metrics.countWebhookRejected(rejection.reason);
    logger.warn(
      {
        reason: rejection.reason,
        status: rejection.status,
        method: request.method,
        remoteAddress: request.socket.remoteAddress,
      },
      `whatsapp webhook refused: ${rejection.detail}`,
    );
    if (rejection.reason === "body_too_large") response.setHeader("connection", "close");
    respond(response, rejection.status, `${rejection.detail}\n`);
  }

  async function handshake(
    url: URL,
    request: IncomingMessage,
    response: ServerResponse,
  ): Promise<void> {
    const mode = url.searchParams.get("hub.mode");
    const token = url.searchParams.get("hub.verify_token");
    const challenge = url.searchParams.get("hub.challenge");
    if (
      mode !== "subscribe" ||
      token === null ||
      challenge === null ||
      !(await isRegisteredVerifyToken(store.repositories, token))
    ) {
      reject(
        request,
        response,
        new Rejection(
          403,
          "verify_failed",
          "the verification request does not match a registered number's verify token",
        ),
      );
      return;
    }
    respond(response, 200, challenge);
  }

  async function ingest(request: IncomingMessage, response: ServerResponse): Promise<void> {
    let body: Buffer;
    try {
      body = await readLimitedBody(request, options.maxBodyBytes);
    } catch (error) {
      if (error instanceof BodyTooLargeError) {
        throw new Rejection(
          413,
          "body_too_large",
          `the body is larger than the ${options.maxBodyBytes}-byte limit`,
        );
      }
      throw error;
    }
    const signature = request.headers["x-hub-signature-256"];
    const header = typeof signature === "string" ? signature : undefined;
    // Every registered secret is tried (constant-time each) before the body is parsed.
    const secrets = await registeredAppSecrets(store.repositories);
    let signedWith: string | undefined;
    for (const secret of secrets) {
      if (isValidWebhookSignature(body, header, secret)) signedWith = secret;
    }
    if (signedWith === undefined) {
      throw new Rejection(
        401,
        "bad_signature",
        header === undefined
          ? "X-Hub-Signature-256 is missing; Meta signs every webhook with the app secret"
          : "X-Hub-Signature-256 does not match the body under any registered app secret",
      );
    }
    let parsed: unknown;
    try {
      parsed = JSON.parse(body.toString("utf8"));
    } catch {
      throw new Rejection(400, "malformed_json", "the body is not valid JSON");
    }
    let events: WebhookEvent[];
    let phoneNumberIds: Set<string>;
    try {
      phoneNumberIds = webhookPhoneNumberIds(parsed);
      events = parseWebhookPayload(parsed);
    } catch (error) {
      if (error instanceof WebhookShapeError) {
        throw new Rejection(
          400,
          "malformed_payload",
          `the body is not a WhatsApp webhook: ${error.message}`,
        );
      }
      throw error;
    }
    const numberIds = new Map<string, number>();
    for (const phoneNumberId of phoneNumberIds) {
      const number = await findRegisteredNumber(store.repositories, phoneNumberId);
      if (number === undefined) {
        throw new Rejection(
          404,
          "unknown_number",
          `phone_number_id ${phoneNumberId} is not registered on this server`,
        );
      }
      if (number.appSecret !== signedWith) {
        throw new Rejection(
          401,
          "bad_signature",
          `the signature is not valid for phone_number_id ${phoneNumberId}`,
        );
      }
      numberIds.set(phoneNumberId, number.id);
    }
    const byNumber = new Map<number, WebhookEvent[]>();
    for (const event of events) {
      const numberId = numberIds.get(event.phoneNumberId);
      if (numberId === undefined) continue;
      let list = byNumber.get(numberId);
      if (list === undefined) {
        list = [];
        byNumber.set(numberId, list);
      }
      list.push(event);
    }
    let outcome: { appended: number; duplicates: number };
    try {
      outcome = await appendWebhookEvents(store, hub, byNumber);
    } catch (error) {
      if (error instanceof StoreClosedError) {
        throw new Rejection(
          503,
          "store_unavailable",
          "the server is shutting down; Meta will retry",
        );
      }
      if (error instanceof ServerError && error.errorCode === "STORAGE_FULL") {
        throw new Rejection(503, "store_unavailable", `${error.message}; Meta will retry`);
      }
      throw error;
    }
    accepted += 1;
    eventsAppended += outcome.appended;
    duplicatesSkipped += outcome.duplicates;
    metrics.countWebhookAccepted(outcome.appended, outcome.duplicates);
    respond(response, 200, "OK");
  }

  let inProgress = 0;
  let idle: (() => void) | undefined;
  const server: Server = createServer((request, response) => {
    inProgress += 1;
    let counted = true;
    const done = () => {
      if (!counted) return;
      counted = false;
      inProgress -= 1;
      if (inProgress === 0) idle?.();
    };
    response.once("finish", done);
    response.once("close", done);
    const handle = async () => {
      let url: URL;
      try {
        url = new URL(request.url ?? "/", "http://webhook.invalid");
      } catch {
        throw new Rejection(
          404,
          "not_found",
          `no route for this request target; webhooks go to ${whatsappWebhookPath}`,
        );
      }
      if (url.pathname === "/healthz" && request.method === "GET") {
        respond(response, 200, "ok\n");
        return;
      }
      if (url.pathname === "/metrics" && request.method === "GET") {
        const { contentType, body } = await metrics.scrape();
        response.writeHead(200, {
          "content-type": contentType,
          "content-length": Buffer.byteLength(body),
        });
        response.end(body);
        return;
      }
      if (url.pathname !== whatsappWebhookPath) {
        throw new Rejection(
          404,
          "not_found",
          `no route ${url.pathname}; webhooks go to ${whatsappWebhookPath}`,
        );
      }
      if (request.method === "GET") {
        await handshake(url, request, response);
        return;
      }
      if (request.method === "POST") {
        await ingest(request, response);
        return;
      }
      response.setHeader("allow", "GET, POST");
      throw new Rejection(
        405,
        "method_not_allowed",
        `${request.method ?? "?"} is not allowed; use GET or POST`,
      );
    };
    handle().catch((error: unknown) => {
      if (error instanceof Rejection) {
        reject(request, response, error);
        return;
      }
      logger.error({ err: error }, "whatsapp webhook failed; answering 500 so Meta retries");
      if (!response.headersSent) respond(response, 500, "internal error; retry later\n");
      else response.destroy();
    });
  });
  server.keepAliveTimeout = 65_000;

  const port = await new Promise<number>((resolve, reject) => {
    server.once("error", reject);
    server.listen(options.port, options.host, () => {
      server.off("error", reject);
      resolve((server.address() as AddressInfo).port);
    });
  });

  let closing: Promise<void> | undefined;
  return {
    port,
    stats: () => ({ accepted, eventsAppended, duplicatesSkipped, rejected: { ...rejected } }),
    close() {
      closing ??= (async () => {
        const closed = new Promise<void>((resolve) => server.close(() => resolve()));
        // Let answers in progress (commits waiting for fsync) finish, then drop every
        // connection, idle keep-alive ones included.
        if (inProgress > 0) await new Promise<void>((resolve) => (idle = resolve));
        server.closeAllConnections();
        await closed;
      })();
      return closing;
    },
  };
}
