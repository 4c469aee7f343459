import { Agent, request as httpRequest } from "node:http";
import { credentials, Metadata, makeGenericClientConstructor } from "@grpc/grpc-js";
import { type photon, WhatsAppMessageServiceDefinition } from "@threadline/protocol";
import { whatsappWebhookPayload } from "../src/testing/whatsapp-webhook-payload.js";
import { registerWhatsAppNumber } from "../src/whatsapp/number-registry.js";
import { signWebhookBody } from "../src/whatsapp/webhook-signature.js";
import { type BenchServer, openBenchStore, percentile } from "./bench-support.js";

/** The business number the WhatsApp benchmarks register. */
export const benchNumber = {
  phoneNumberId: "106540352242922",
  accessToken: "EAAbench-access-token",
  appSecret: "bench-app-secret",
  verifyToken: "bench-verify-token",
};

/** Registers {@link benchNumber} in a new database at `path`. */
export async function prepareWhatsAppDatabase(path: string): Promise<void> {
  const store = openBenchStore(path);
  try {
    await registerWhatsAppNumber(store, benchNumber);
  } finally {
    await store.close();
  }
}

interface SignedBody {
  readonly id: string;
  readonly body: Buffer;
  readonly signature: string;
}

/** A webhook of one inbound text message, as Meta shapes it, signed with the app secret. */
function signedWebhook(run: string, index: number): SignedBody {
  const id = `wamid.BENCH-${run}-${index}`;
  const body = Buffer.from(
    JSON.stringify(
      whatsappWebhookPayload(benchNumber.phoneNumberId, {
        contacts: [{ profile: { name: "Bench Customer" }, wa_id: "4915112345678" }],
        messages: [
          {
            from: "4915112345678",
            id,
            timestamp: "1733055000",
            type: "text",
            text: {
              body: `benchmark message ${index}, long enough to look like a chat line`,
            },
          },
        ],
      }),
    ),
  );
  return { id, body, signature: signWebhookBody(body, benchNumber.appSecret) };
}

// node:http with keep-alive costs the sending side far less CPU per request than fetch,
// so the figure says more about the server.
const agent = new Agent({ keepAlive: true, maxSockets: 256 });

function post(url: string, webhook: SignedBody): Promise<void> {
  return new Promise((resolve, reject) => {
    const request = httpRequest(
      url,
      {
        method: "POST",
        agent,
        headers: {
          "content-type": "application/json",
          "content-length": webhook.body.byteLength,
          "x-hub-signature-256": webhook.signature,
        },
      },
      (response) => {
        response.resume();
        response.once("end", () =>
          response.statusCode === 200
            ? resolve()
            : reject(new Error(`webhook answered ${String(response.statusCode)}`)),
        );
      },
    );
    request.once("error", reject);
    request.end(webhook.body);
  });
}

/**
 * `senders` concurrent loops in this process POST signed webhooks (one message each) to
 * the server process until `total` were acknowledged; every 200 came after the fsync.
 * Bodies are built and signed before the clock starts. Returns acknowledged POSTs/s.
 */
export async function measureWebhookIngest(
  server: BenchServer,
  run: string,
  senders: number,
  total: number,
): Promise<number> {
  const url = server.webhookUrl;
  if (url === undefined) throw new Error("the bench server has no webhook port");
  const webhooks = Array.from({ length: total }, (_, index) => signedWebhook(run, index));
  let next = 0;
  const started = performance.now();
  await Promise.all(
    Array.from({ length: senders }, async () => {
      while (next < webhooks.length) {
        const webhook = webhooks[next++];
        if (webhook !== undefined) await post(url, webhook);
      }
    }),
  );
  return total / ((performance.now() - started) / 1000);
}

/**
 * One POST at a time: the time from sending a signed webhook to its event arriving on
 * a photon.whatsapp.v1 SubscribeEvents stream held by this process. Returns p50 and p99
 * in milliseconds.
 */
export async function measureWebhookToLive(
  server: BenchServer,
  run: string,
  samples: number,
): Promise<{ p50Ms: number; p99Ms: number }> {
  const url = server.webhookUrl;
  if (url === undefined) throw new Error("the bench server has no webhook port");
  const Messages = makeGenericClientConstructor(WhatsAppMessageServiceDefinition, "Messages");
  const client = new Messages(server.address, credentials.createInsecure());
  const metadata = new Metadata();
  metadata.set("phone_number_id", benchNumber.phoneNumberId);
  metadata.set("access_token", benchNumber.accessToken);
  metadata.set("app_secret", benchNumber.appSecret);
  const subscribe: unknown = Reflect.get(client, "subscribeEvents");
  if (typeof subscribe !== "function") throw new Error("no subscribeEvents");
  const stream = Reflect.apply(subscribe, client, [{}, metadata]) as NodeJS.EventEmitter & {
    cancel(): void;
  };
  const waiting = new Map<string, () => void>();
  stream.on("data", (frame: photon.whatsapp.v1.SubscribeEventsResponse) => {
    const id = frame.message?.id;
    if (id !== undefined) waiting.get(id)?.();
  });
  stream.on("error", () => undefined);
  await new Promise<void>((resolve) => stream.once("metadata", () => resolve()));
  const latencies: number[] = [];
  try {
    for (let index = 0; index < samples; index += 1) {
      const webhook = signedWebhook(`${run}-live`, index);
      const arrived = new Promise<void>((resolve) => waiting.set(webhook.id, resolve));
      const started = performance.now();
      await Promise.all([post(url, webhook), arrived]);
      latencies.push(performance.now() - started);
      waiting.delete(webhook.id);
    }
  } finally {
    stream.cancel();
    client.close();
  }
  return { p50Ms: percentile(latencies, 0.5), p99Ms: percentile(latencies, 0.99) };
}
