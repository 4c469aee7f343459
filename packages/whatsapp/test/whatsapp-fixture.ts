// A real @threadline/server with the WhatsApp channel on (SQLite in a temporary
// directory, the webhook HTTP port, two registered numbers) and a local stand-in for
// Meta's Graph API that records what it was asked. Webhook bodies follow the shapes
// Meta documents for the Cloud API; every id and text is made up.
import { mkdtemp, rm } from "node:fs/promises";
import { createServer, type IncomingMessage } from "node:http";
import type { AddressInfo } from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { signWebhookBody, startServer, type ThreadlineServer } from "@threadline/server";
import { whatsappWebhookPayload } from "@threadline/server/testing";
import { type ClientOptions, createClient, type WhatsAppClient } from "../src/index.js";

/** The business numbers every fixture registers. */
export const numbers = {
  main: {
    phoneNumberId: "106540352242922",
    accessToken: "EAAtest-access-token-main",
    appSecret: "app-secret-main-5f1c",
    verifyToken: "verify-main-77",
  },
  other: {
    phoneNumberId: "209876543210987",
    accessToken: "EAAtest-access-token-other",
    appSecret: "app-secret-other-9a2d",
    verifyToken: "verify-other-88",
  },
} as const;

/** The WhatsApp user who writes in. */
export const customer = "4915112345678";

/** One request the Graph API stand-in received. */
export interface GraphRequest {
  readonly method: string;
  readonly url: string;
  readonly authorization: string | undefined;
  readonly json: unknown;
}

/** A running server, its Graph API stand-in and helpers. */
export interface WhatsAppFixture {
  readonly server: ThreadlineServer;
  readonly address: string;
  readonly graphRequests: GraphRequest[];
  /** The Graph API stand-in answers the next `count` message sends with a 503. */
  failNextSends(count: number): void;
  /** A client of the main number (or other credentials), closed at teardown. */
  client(options?: Partial<ClientOptions>): WhatsAppClient;
  /** Posts one signed webhook with these messages (Meta's JSON); resolves after the 200. */
  postMessages(messages: readonly Record<string, unknown>[], phoneNumberId?: string): Promise<void>;
  /** Posts `count` new text messages; returns their wamids. */
  postTexts(count: number, phoneNumberId?: string): Promise<string[]>;
  /** Posts one signed webhook with these statuses (Meta's JSON). */
  postStatuses(statuses: readonly Record<string, unknown>[]): Promise<void>;
  /** Closes the server and starts it again on the same file and ports. */
  restart(): Promise<void>;
  close(): Promise<void>;
  [Symbol.asyncDispose](): Promise<void>;
}

function readBody(request: IncomingMessage): Promise<string> {
  return new Promise((resolve, reject) => {
    let body = "";
    request.on("data", (chunk: Buffer) => {
      body += chunk.toString("utf8");
    });
    request.on("end", () => resolve(body));
    request.on("error", reject);
  });
}

let sent = 0;
function graphAnswer(method: string, url: string, body: string): unknown {
  if (method === "GET") {
    const id = url.split("?")[0]?.split("/").at(-1) ?? "";
    return {
      messaging_product: "whatsapp",
      url: `https://lookaside.fbsbx.com/whatsapp_business/attachments/?mid=${id}`,
      mime_type: "image/jpeg",
      sha256: "c2hhLW9mLWltYWdl",
      file_size: 4096,
      id,
    };
  }
  if (method === "DELETE") return { success: true };
  if (url.endsWith("/media")) return { id: "990011223344" };
  if (body.includes('"status":"read"')) return { success: true };
  sent += 1;
  return {
    messaging_product: "whatsapp",
    contacts: [{ input: customer, wa_id: customer }],
    messages: [{ id: `wamid.SENT${sent}`, message_status: "accepted" }],
  };
}

/** Webhook JSON carrying `value` for `phoneNumberId` (the server's testing helper). */
export const webhook = whatsappWebhookPayload;

/** Starts a fixture; `heartbeatIntervalMs` is the server's (and the clients'). */
export async function startWhatsAppFixture(
  options: { readonly heartbeatIntervalMs?: number } = {},
): Promise<WhatsAppFixture> {
  const directory = await mkdtemp(join(tmpdir(), "threadline-whatsapp-client-"));
  const graphRequests: GraphRequest[] = [];
  let failingSends = 0;
  const graph = createServer((request, response) => {
    readBody(request).then((body) => {
      const method = request.method ?? "";
      const url = request.url ?? "";
      let json: unknown;
      try {
        json = body === "" ? undefined : JSON.parse(body);
      } catch {
        json = undefined;
      }
      graphRequests.push({ method, url, authorization: request.headers.authorization, json });
      if (method === "POST" && url.endsWith("/messages") && failingSends > 0) {
        failingSends -= 1;
        response.writeHead(503, { "content-type": "application/json" });
        response.end(
          JSON.stringify({
            error: { message: "Service temporarily unavailable", type: "OAuthException", code: 2 },
          }),
        );
        return;
      }
      response.writeHead(200, { "content-type": "application/json" });
      response.end(JSON.stringify(graphAnswer(method, url, body)));
    });
  });
  await new Promise<void>((resolve) => graph.listen(0, "127.0.0.1", resolve));
  const graphApiUrl = `http://127.0.0.1:${(graph.address() as AddressInfo).port}`;
  const serverOptions = (port: number, httpPort: number) => ({
    dataPath: join(directory, "threadline.db"),
    port,
    httpPort,
    host: "127.0.0.1",
    logger: false as const,
    graphApiUrl,
    ...(options.heartbeatIntervalMs === undefined
      ? {}
      : { heartbeatIntervalMs: options.heartbeatIntervalMs }),
  });
  let server = await startServer(serverOptions(0, 0));
  const port = server.port;
  const httpPort = server.httpPort ?? 0;
  await server.whatsappNumbers.register(numbers.main);
  await server.whatsappNumbers.register(numbers.other);
  const clients: WhatsAppClient[] = [];
  let nextId = 0;

  async function post(payload: unknown, appSecret: string): Promise<void> {
    const body = Buffer.from(JSON.stringify(payload));
    const response = await fetch(`http://127.0.0.1:${httpPort}/webhooks/whatsapp`, {
      method: "POST",
      headers: {
        "content-type": "application/json",
        "x-hub-signature-256": signWebhookBody(body, appSecret),
      },
      body,
    });
    if (response.status !== 200) {
      throw new Error(`webhook answered ${response.status}: ${await response.text()}`);
    }
  }
  const secretOf = (phoneNumberId: string) =>
    phoneNumberId === numbers.other.phoneNumberId
      ? numbers.other.appSecret
      : numbers.main.appSecret;

  const fixture: WhatsAppFixture = {
    get server() {
      return server;
    },
    address: `127.0.0.1:${port}`,
    graphRequests,
    failNextSends(count) {
      failingSends = count;
    },
    client(overrides = {}) {
      const client = createClient({
        address: `127.0.0.1:${port}`,
        accessToken: numbers.main.accessToken,
        phoneNumberId: numbers.main.phoneNumberId,
        appSecret: numbers.main.appSecret,
        ...(options.heartbeatIntervalMs === undefined
          ? {}
          : { heartbeatIntervalMs: options.heartbeatIntervalMs }),
        ...overrides,
      });
      clients.push(client);
      return client;
    },
    async postMessages(messages, phoneNumberId = numbers.main.phoneNumberId) {
      await post(
        webhook(phoneNumberId, {
          contacts: [{ profile: { name: "Kim Customer" }, wa_id: customer }],
          messages,
        }),
        secretOf(phoneNumberId),
      );
    },
    async postTexts(count, phoneNumberId = numbers.main.phoneNumberId) {
      const ids: string[] = [];
      const messages = Array.from({ length: count }, () => {
        nextId += 1;
        const id = `wamid.TEXT${phoneNumberId.slice(-3)}${nextId}`;
        ids.push(id);
        return {
          from: customer,
          id,
          timestamp: String(1733050800 + nextId),
          type: "text",
          text: { body: `message ${nextId}` },
        };
      });
      await fixture.postMessages(messages, phoneNumberId);
      return ids;
    },
    async postStatuses(statuses) {
      await post(webhook(numbers.main.phoneNumberId, { statuses }), numbers.main.appSecret);
    },
    async restart() {
      await server.close({ graceMs: 200 });
      server = await startServer(serverOptions(port, httpPort));
    },
    async close() {
      await Promise.all(clients.map((client) => client.close()));
      await server.close({ graceMs: 1000 });
      await new Promise<void>((resolve) => graph.close(() => resolve()));
      await rm(directory, { recursive: true, force: true });
    },
    [Symbol.asyncDispose]: () => fixture.close(),
  };
  return fixture;
}
