// The published @photon-ai/whatsapp-business client and @threadline/whatsapp against
// the same @threadline/server over TLS see the same events, field by field. Our events
// also carry `sequence`, and our unknown variant keeps Meta's `rawType` (documented
// additions); everything else must be equal.
import { mkdtempSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { createTestCertificates } from "./test-ca.js";

const directory = mkdtempSync(join(tmpdir(), "threadline-whatsapp-same-events-"));
const certificates = createTestCertificates(directory);
process.env.GRPC_DEFAULT_SSL_ROOTS_FILE_PATH = certificates.caPath;

const number = {
  phoneNumberId: "106540352242922",
  accessToken: "EAAsame-events-token",
  appSecret: "same-events-app-secret",
  verifyToken: "same-events-verify",
};
const customer = "4915112345678";

const { signWebhookBody, startServer } = await import("@threadline/server");
const { whatsappWebhookPayload } = await import("@threadline/server/testing");
const server = await startServer({
  dataPath: join(directory, "threadline.db"),
  port: 0,
  httpPort: 0,
  logger: false,
  tls: { cert: readFileSync(certificates.certPath), key: readFileSync(certificates.keyPath) },
});
await server.whatsappNumbers.register(number);
process.env.WHATSAPP_BUSINESS_ENDPOINT = `127.0.0.1:${server.port}`;

const published = await import("@photon-ai/whatsapp-business");
const ours = await import("@threadline/whatsapp");
const theirClient = published.createClient({
  accessToken: number.accessToken,
  phoneNumberId: number.phoneNumberId,
  appSecret: number.appSecret,
});
const ourClient = ours.createClient({
  address: `127.0.0.1:${server.port}`,
  tls: { rootCerts: readFileSync(certificates.caPath) },
  accessToken: number.accessToken,
  phoneNumberId: number.phoneNumberId,
  appSecret: number.appSecret,
});

afterAll(async () => {
  await theirClient.close();
  await ourClient.close();
  await server.close({ graceMs: 1000 });
  rmSync(directory, { recursive: true, force: true });
});

async function post(value: Record<string, unknown>): Promise<void> {
  const body = Buffer.from(
    JSON.stringify(whatsappWebhookPayload(number.phoneNumberId, { ...value })),
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
}

let posted = 0;
/** One webhook with a message of every variant and a status progression. */
async function postVariants(): Promise<void> {
  posted += 1;
  const at = (offset: number) => String(1733060000 + posted * 100 + offset);
  const id = (name: string) => `wamid.SAME${posted}-${name}`;
  const from = customer;
  await post({
    contacts: [{ profile: { name: "Kim Customer" }, wa_id: customer }],
    messages: [
      {
        from,
        id: id("text"),
        timestamp: at(1),
        type: "text",
        text: { body: "hello" },
        context: { from: "15550100200", id: "wamid.EARLIER" },
      },
      {
        from,
        id: id("image"),
        timestamp: at(2),
        type: "image",
        image: { id: "880011", mime_type: "image/jpeg", sha256: "aGFzaA==", caption: "dent" },
      },
      {
        from,
        id: id("document"),
        timestamp: at(3),
        type: "document",
        document: { id: "880012", mime_type: "application/pdf", filename: "invoice.pdf" },
      },
      {
        from,
        id: id("sticker"),
        timestamp: at(4),
        type: "sticker",
        sticker: { id: "880013", mime_type: "image/webp", animated: true },
      },
      {
        from,
        id: id("location"),
        timestamp: at(5),
        type: "location",
        location: { latitude: 52.52, longitude: 13.405, name: "Shop", address: "Main St 1" },
      },
      {
        from,
        id: id("contacts"),
        timestamp: at(6),
        type: "contacts",
        contacts: [
          {
            name: { formatted_name: "Ada Lovelace", first_name: "Ada" },
            phones: [{ phone: "+44 20 7946 0000", type: "WORK", wa_id: "442079460000" }],
            emails: [{ email: "ada@example.com" }],
          },
        ],
      },
      {
        from,
        id: id("reaction"),
        timestamp: at(7),
        type: "reaction",
        reaction: { message_id: "wamid.EARLIER", emoji: "👍" },
      },
      {
        from,
        id: id("interactive"),
        timestamp: at(8),
        type: "interactive",
        interactive: {
          type: "list_reply",
          list_reply: { id: "row-1", title: "Blue", description: "the blue one" },
        },
      },
      {
        from,
        id: id("button"),
        timestamp: at(9),
        type: "button",
        button: { text: "Stop", payload: "STOP" },
      },
      {
        from,
        id: id("order"),
        timestamp: at(10),
        type: "order",
        order: {
          catalog_id: "cat-1",
          text: "two",
          product_items: [
            { product_retailer_id: "kettle", quantity: 2, item_price: 39.9, currency: "EUR" },
          ],
        },
      },
      {
        from,
        id: id("system"),
        timestamp: at(11),
        type: "system",
        system: { body: "changed number", type: "user_changed_number", new_wa_id: "4915199999999" },
      },
      {
        from,
        id: id("referral"),
        timestamp: at(12),
        type: "text",
        text: { body: "from the ad" },
        referral: {
          source_url: "https://fb.me/ad",
          source_type: "ad",
          source_id: "ad-1",
          headline: "Kettles",
        },
      },
      { from, id: id("unknown"), timestamp: at(13), type: "hologram", hologram: {} },
    ],
  });
  await post({
    statuses: [
      {
        id: id("out"),
        status: "sent",
        timestamp: at(20),
        recipient_id: customer,
        biz_opaque_callback_data: "order-1",
        conversation: { id: "conv-1", origin: { type: "service" }, expiration_timestamp: at(90) },
        pricing: { billable: true, pricing_model: "CBP", category: "service" },
      },
      { id: id("out"), status: "delivered", timestamp: at(21), recipient_id: customer },
      { id: id("out"), status: "read", timestamp: at(22), recipient_id: customer },
      { id: id("voice"), status: "played", timestamp: at(23), recipient_id: customer },
      {
        id: id("fail"),
        status: "failed",
        timestamp: at(24),
        recipient_id: customer,
        errors: [
          {
            code: 131047,
            title: "Re-engagement message",
            message: "24 hours passed",
            error_data: { details: "window closed" },
          },
        ],
      },
    ],
  });
}
const perRound = 18;

/** Our event without our additions, as plain data to compare with theirs. */
function comparable(event: unknown): unknown {
  const plain = JSON.parse(JSON.stringify(event));
  delete plain.sequence;
  if (plain.type === "message" && plain.message?.content?.type === "unknown") {
    delete plain.message.content.rawType;
  }
  return plain;
}

async function take<T>(iterator: AsyncIterator<T>, count: number): Promise<T[]> {
  const values: T[] = [];
  while (values.length < count) {
    const step = await iterator.next();
    if (step.done === true) throw new Error("the stream ended");
    values.push(step.value);
  }
  return values;
}

describe("the published client and ours, same server", () => {
  it("fetchMissed returns the same events field by field", async () => {
    await postVariants();
    const theirs = await theirClient.events.fetchMissed({ cursor: "", limit: 100 });
    const mine = await ourClient.events.fetchMissed({ cursor: "", limit: 100 });
    expect(theirs.events).toHaveLength(perRound);
    expect(mine.events.map(comparable)).toEqual(JSON.parse(JSON.stringify(theirs.events)));
    expect(mine.events.map((event) => event.sequence)).toEqual(
      Array.from({ length: perRound }, (_, index) => index + 1),
    );
  });

  it("their live subscribe and ours deliver the same events field by field", async () => {
    const theirStream = theirClient.events.subscribe();
    const theirIterator = theirStream[Symbol.asyncIterator]();
    const ourStream = ourClient.events.subscribe({
      cursor: (await ourClient.events.fetchMissed({ limit: 1000 })).cursor,
    });
    const ourIterator = ourStream[Symbol.asyncIterator]();
    // The published stream gives no signal when it is registered: post rounds until one
    // of its events arrives, then compare from the next full round on.
    const firstOfTheirs = theirIterator.next();
    let arrived = false;
    firstOfTheirs.then(() => {
      arrived = true;
    });
    let warmups = 0;
    while (!arrived) {
      await postVariants();
      warmups += 1;
      await Promise.race([firstOfTheirs, new Promise((resolve) => setTimeout(resolve, 50))]);
    }
    const theirWarmup = [await firstOfTheirs];
    // Drop what each side received of the warm-up rounds.
    const ourWarmup = await take(ourIterator, warmups * perRound);
    const theirFirst = theirWarmup[0];
    if (theirFirst === undefined || theirFirst.done === true) throw new Error("no first event");
    const firstIndex = ourWarmup.findIndex((event) => event.cursor === theirFirst.value.cursor);
    expect(firstIndex).toBeGreaterThanOrEqual(0);
    await take(theirIterator, warmups * perRound - firstIndex - 1);

    await postVariants();
    const theirs = await take(theirIterator, perRound);
    const mine = await take(ourIterator, perRound);
    await theirStream.close();
    await ourStream.close();
    expect(mine.map(comparable)).toEqual(JSON.parse(JSON.stringify(theirs)));
    // Dates are Dates on both sides.
    const theirText = theirs[0];
    const ourText = mine[0];
    if (theirText?.type !== "message" || ourText?.type !== "message")
      throw new Error("expected messages");
    expect(ourText.message.timestamp).toEqual(theirText.message.timestamp);
    expect(ourText.message.timestamp).toBeInstanceOf(Date);
  });
});
