// The published @photon-ai/whatsapp-business client, unchanged, against @threadline/server
// over TLS. grpc-js reads GRPC_DEFAULT_SSL_ROOTS_FILE_PATH and the client reads
// WHATSAPP_BUSINESS_ENDPOINT when they are first imported, so both are imported
// dynamically after the environment is set (vitest runs each file in its own process).
import { mkdtempSync, readFileSync, rmSync } from "node:fs";
import { createServer, type IncomingMessage } from "node:http";
import type { AddressInfo } from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { createTestCertificates } from "./test-ca.js";

const directory = mkdtempSync(join(tmpdir(), "threadline-whatsapp-interop-"));
const certificates = createTestCertificates(directory);
process.env.GRPC_DEFAULT_SSL_ROOTS_FILE_PATH = certificates.caPath;

const number = {
  phoneNumberId: "106540352242922",
  accessToken: "EAAinterop-access-token",
  appSecret: "interop-app-secret-3c7e",
  verifyToken: "interop-verify",
};

// ---- a local stand-in for the Graph API ---------------------------------------------
interface GraphRequest {
  readonly method: string;
  readonly url: string;
  readonly authorization: string | undefined;
  readonly json: unknown;
}
const graphRequests: GraphRequest[] = [];
function readBody(request: IncomingMessage): Promise<string> {
  return new Promise((resolve) => {
    let body = "";
    request.on("data", (chunk: Buffer) => {
      body += chunk.toString("utf8");
    });
    request.on("end", () => resolve(body));
  });
}
const graph = createServer((request, response) => {
  readBody(request).then((body) => {
    graphRequests.push({
      method: request.method ?? "",
      url: request.url ?? "",
      authorization: request.headers.authorization,
      json: body === "" ? undefined : JSON.parse(body),
    });
    const answer =
      request.method === "GET"
        ? {
            messaging_product: "whatsapp",
            url: "https://lookaside.fbsbx.com/whatsapp_business/attachments/?mid=770011",
            mime_type: "image/png",
            sha256: "c2hhLW9mLWltYWdl",
            file_size: 2048,
            id: "770011",
          }
        : request.url?.endsWith("/messages") && body.includes('"status":"read"')
          ? { success: true }
          : {
              messaging_product: "whatsapp",
              messages: [{ id: "wamid.INTEROP-SENT", message_status: "accepted" }],
            };
    response.writeHead(200, { "content-type": "application/json" });
    response.end(JSON.stringify(answer));
  });
});
await new Promise<void>((resolve) => graph.listen(0, "127.0.0.1", resolve));
const graphUrl = `http://127.0.0.1:${(graph.address() as AddressInfo).port}`;

// ---- our server, TLS only -------------------------------------------------------------
const { signWebhookBody, startServer } = await import("@threadline/server");
const { whatsappWebhookPayload } = await import("@threadline/server/testing");
const server = await startServer({
  dataPath: join(directory, "threadline.db"),
  port: 0,
  httpPort: 0,
  logger: false,
  graphApiUrl: graphUrl,
  tls: { cert: readFileSync(certificates.certPath), key: readFileSync(certificates.keyPath) },
});
await server.whatsappNumbers.register(number);
process.env.WHATSAPP_BUSINESS_ENDPOINT = `127.0.0.1:${server.port}`;

const { AuthenticationError, createClient, ValidationError } = await import(
  "@photon-ai/whatsapp-business"
);
const client = createClient({
  accessToken: number.accessToken,
  phoneNumberId: number.phoneNumberId,
  appSecret: number.appSecret,
});

afterAll(async () => {
  await client.close();
  await server.close({ graceMs: 1000 });
  await new Promise<void>((resolve) => graph.close(() => resolve()));
  rmSync(directory, { recursive: true, force: true });
});

let posted = 0;
/** Posts one signed webhook with a new text message; returns its wamid. */
async function postMessage(text: string): Promise<string> {
  posted += 1;
  const id = `wamid.INTEROP${posted}`;
  const body = Buffer.from(
    JSON.stringify(
      whatsappWebhookPayload(number.phoneNumberId, {
        contacts: [{ profile: { name: "Kim Customer" }, wa_id: "4915112345678" }],
        messages: [
          {
            from: "4915112345678",
            id,
            timestamp: "1733054000",
            type: "text",
            text: { body: text },
          },
        ],
      }),
    ),
  );
  const response = await fetch(`http://127.0.0.1:${server.httpPort}/webhooks/whatsapp`, {
    method: "POST",
    headers: {
      "content-type": "application/json",
      "x-hub-signature-256": signWebhookBody(body, number.appSecret),
    },
    body,
  });
  expect(response.status).toBe(200);
  await response.text();
  return id;
}

describe("the published @photon-ai/whatsapp-business client against Threadline over TLS", () => {
  it("events.subscribe() yields webhook messages with cursors, and fetchMissed() pages after a cursor", async () => {
    const stream = client.events.subscribe();
    const iterator = stream[Symbol.asyncIterator]();
    const first = iterator.next();
    // The published client gives no signal when its stream is registered; keep posting
    // new messages until the first one arrives.
    const sent: string[] = [];
    let arrived = false;
    first.then(() => {
      arrived = true;
    });
    while (!arrived) {
      sent.push(await postMessage(`hello ${sent.length}`));
      await Promise.race([first, new Promise((resolve) => setTimeout(resolve, 50))]);
    }
    const result = await first;
    if (result.done) throw new Error("the stream ended before any event");
    const event = result.value;
    expect(event.type).toBe("message");
    if (event.type !== "message") return;
    expect(sent).toContain(event.message.id);
    expect(event.message.content).toMatchObject({ type: "text" });
    expect(event.message.contact?.name).toBe("Kim Customer");
    expect(event.cursor).not.toBe("");

    const later = await postMessage("after the cursor");
    const second = await iterator.next();
    expect(second.done).toBe(false);
    if (!second.done && second.value.type === "message")
      expect(second.value.message.id).toBe(later);
    await stream.close();

    const missed = await client.events.fetchMissed({ cursor: event.cursor, limit: 100 });
    const ids = missed.events.map((missedEvent) =>
      missedEvent.type === "message" ? missedEvent.message.id : "",
    );
    expect(ids).toContain(later);
    expect(ids).not.toContain(event.message.id);
    expect(missed.events.every((missedEvent) => missedEvent.cursor !== "")).toBe(true);
  });

  it("messages.send with replyTo and markRead reach the Graph API as Meta documents them", async () => {
    graphRequests.length = 0;
    const sent = await client.messages.send({
      to: "4915112345678",
      replyTo: "wamid.INTEROP1",
      text: "Thanks, on it",
    });
    expect(sent).toEqual({ messageId: "wamid.INTEROP-SENT", messageStatus: "accepted" });
    await client.messages.markRead("wamid.INTEROP1");
    expect(graphRequests).toEqual([
      {
        method: "POST",
        url: `/v23.0/${number.phoneNumberId}/messages`,
        authorization: `Bearer ${number.accessToken}`,
        json: {
          messaging_product: "whatsapp",
          recipient_type: "individual",
          to: "4915112345678",
          type: "text",
          text: { body: "Thanks, on it" },
          context: { message_id: "wamid.INTEROP1" },
        },
      },
      {
        method: "POST",
        url: `/v23.0/${number.phoneNumberId}/messages`,
        authorization: `Bearer ${number.accessToken}`,
        json: { messaging_product: "whatsapp", status: "read", message_id: "wamid.INTEROP1" },
      },
    ]);
  });

  it("media.getUrl resolves a media id through GET /{media_id}", async () => {
    graphRequests.length = 0;
    const media = await client.media.getUrl("770011");
    expect(media).toEqual({
      url: "https://lookaside.fbsbx.com/whatsapp_business/attachments/?mid=770011",
      mimeType: "image/png",
      fileSize: 2048,
      sha256: "c2hhLW9mLWltYWdl",
    });
    expect(
      graphRequests.map((request) => [request.method, request.url, request.authorization]),
    ).toEqual([
      [
        "GET",
        `/v23.0/770011?phone_number_id=${number.phoneNumberId}`,
        `Bearer ${number.accessToken}`,
      ],
    ]);
  });

  it("wrong credentials are the client's AuthenticationError; a malformed cursor its ValidationError", async () => {
    const intruder = createClient({
      accessToken: "EAAwrong",
      phoneNumberId: number.phoneNumberId,
      appSecret: number.appSecret,
    });
    try {
      await expect(intruder.events.fetchMissed({ cursor: "", limit: 1 })).rejects.toBeInstanceOf(
        AuthenticationError,
      );
    } finally {
      await intruder.close();
    }
    await expect(
      client.events.fetchMissed({ cursor: "not-a-cursor", limit: 1 }),
    ).rejects.toBeInstanceOf(ValidationError);
  });
});
