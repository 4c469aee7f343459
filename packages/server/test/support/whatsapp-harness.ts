import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { Metadata } from "@grpc/grpc-js";
import {
  WhatsAppLogServiceDefinition,
  WhatsAppMediaServiceDefinition,
  WhatsAppMessageServiceDefinition,
} from "@threadline/protocol";
import { type ServerOptions, startServer, type ThreadlineServer } from "../../src/index.js";
import { registerWhatsAppNumber } from "../../src/whatsapp/number-registry.js";
import { signWebhookBody } from "../../src/whatsapp/webhook-signature.js";
import { businessNumberId, otherNumberId } from "../fixtures/whatsapp-webhooks.js";
import { createRawClient, type RawClient } from "./grpc-client.js";

/** The credentials of one business number. */
export interface NumberCredentials {
  readonly phoneNumberId: string;
  readonly accessToken: string;
  readonly appSecret: string;
  readonly verifyToken: string;
}

/** Credentials of the numbers every harness registers. */
export const credentials: { readonly main: NumberCredentials; readonly other: NumberCredentials } =
  {
    main: {
      phoneNumberId: businessNumberId,
      accessToken: "EAAtest-access-token-main",
      appSecret: "app-secret-main-5f1c",
      verifyToken: "verify-main-77",
    },
    other: {
      phoneNumberId: otherNumberId,
      accessToken: "EAAtest-access-token-other",
      appSecret: "app-secret-other-9a2d",
      verifyToken: "verify-other-88",
    },
  };

/** The photon.whatsapp.v1 call metadata of a number. */
export function numberMetadata(number: {
  readonly phoneNumberId: string;
  readonly accessToken: string;
  readonly appSecret: string;
}): Metadata {
  const metadata = new Metadata();
  metadata.set("phone_number_id", number.phoneNumberId);
  metadata.set("access_token", number.accessToken);
  metadata.set("app_secret", number.appSecret);
  return metadata;
}

/** An HTTP answer of the webhook server. */
export interface WebhookAnswer {
  readonly status: number;
  readonly body: string;
}

/** A server with the WhatsApp channel on, two registered numbers, and clients. */
export interface WhatsAppHarness {
  readonly server: ThreadlineServer;
  readonly webhookUrl: string;
  readonly messages: RawClient;
  readonly media: RawClient;
  readonly log: RawClient;
  /** POSTs raw bytes with the given headers. */
  post(body: string | Uint8Array, headers?: Record<string, string>): Promise<WebhookAnswer>;
  /** POSTs `payload` as JSON, signed with `appSecret` (the main number's by default). */
  postSigned(payload: unknown, appSecret?: string): Promise<WebhookAnswer>;
  close(): Promise<void>;
  [Symbol.asyncDispose](): Promise<void>;
}

/** Starts a server on free ports with the webhook server on and both numbers registered. */
export async function startWhatsAppHarness(
  options: Partial<ServerOptions> = {},
): Promise<WhatsAppHarness> {
  const directory = await mkdtemp(join(tmpdir(), "threadline-whatsapp-"));
  const server = await startServer({
    dataPath: join(directory, "threadline.db"),
    port: 0,
    httpPort: 0,
    logger: false,
    ...options,
  });
  await registerWhatsAppNumber(server.store, credentials.main);
  await registerWhatsAppNumber(server.store, credentials.other);
  const webhookUrl = `http://127.0.0.1:${server.httpPort}/webhooks/whatsapp`;
  const messages = createRawClient(server.address, WhatsAppMessageServiceDefinition, undefined);
  const media = createRawClient(server.address, WhatsAppMediaServiceDefinition, undefined);
  const log = createRawClient(server.address, WhatsAppLogServiceDefinition, undefined);
  const post = async (body: string | Uint8Array, headers: Record<string, string> = {}) => {
    const response = await fetch(webhookUrl, {
      method: "POST",
      headers: { "content-type": "application/json", ...headers },
      body,
    });
    return { status: response.status, body: await response.text() };
  };
  let closed: Promise<void> | undefined;
  const close = () => {
    closed ??= (async () => {
      messages.close();
      media.close();
      log.close();
      await server.close({ graceMs: 1000 });
      await rm(directory, { recursive: true, force: true });
    })();
    return closed;
  };
  return {
    server,
    webhookUrl,
    messages,
    media,
    log,
    post,
    postSigned(payload, appSecret = credentials.main.appSecret) {
      const body = Buffer.from(JSON.stringify(payload));
      return post(body, { "x-hub-signature-256": signWebhookBody(body, appSecret) });
    },
    close,
    [Symbol.asyncDispose]: close,
  };
}
