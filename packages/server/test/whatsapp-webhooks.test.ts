import { status as GrpcStatus } from "@grpc/grpc-js";
import { photon } from "@threadline/protocol";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { signWebhookBody } from "../src/whatsapp/webhook-signature.js";
import {
  businessNumberId,
  messageFixtures,
  statusFixtures,
  webhookBody,
} from "./fixtures/whatsapp-webhooks.js";
import { rejectionOf, trailer } from "./support/grpc-client.js";
import {
  credentials,
  numberMetadata,
  startWhatsAppHarness,
  type WhatsAppHarness,
} from "./support/whatsapp-harness.js";

type Event = photon.whatsapp.v1.Event;
type FetchResponse = photon.whatsapp.v1.FetchMissedEventsResponse;

const toObject = { longs: Number, enums: Number, defaults: false } as const;

let harness: WhatsAppHarness;
beforeAll(async () => {
  harness = await startWhatsAppHarness();
});
afterAll(async () => {
  await harness.close();
});

function fetchMissed(
  cursor?: string,
  limit?: number,
  number = credentials.main,
): Promise<FetchResponse> {
  return harness.messages.unary<FetchResponse>(
    "fetchMissedEvents",
    {
      ...(cursor === undefined ? {} : { cursor: { value: cursor } }),
      ...(limit === undefined ? {} : { limit }),
    },
    numberMetadata(number),
  );
}

async function allEvents(number = credentials.main): Promise<Event[]> {
  const events: Event[] = [];
  let cursor: string | undefined;
  for (;;) {
    const page = await fetchMissed(cursor, 1000, number);
    events.push(...page.events);
    if (page.events.length === 0) return events;
    cursor = page.events.at(-1)?.cursor?.value;
  }
}

function rejectedCount(): number {
  const stats = harness.server.webhooks?.stats();
  return Object.values(stats?.rejected ?? {}).reduce((total, count) => total + count, 0);
}

describe("webhook verification handshake", () => {
  it("answers the challenge when the verify token is a registered number's", async () => {
    const url = `${harness.webhookUrl}?hub.mode=subscribe&hub.verify_token=${credentials.main.verifyToken}&hub.challenge=1158201444`;
    const response = await fetch(url);
    expect(response.status).toBe(200);
    expect(await response.text()).toBe("1158201444");
  });

  it("answers 403 for an unknown verify token or another mode", async () => {
    const wrongToken = await fetch(
      `${harness.webhookUrl}?hub.mode=subscribe&hub.verify_token=nope&hub.challenge=1`,
    );
    expect(wrongToken.status).toBe(403);
    expect(await wrongToken.text()).not.toContain("1\n");
    const wrongMode = await fetch(
      `${harness.webhookUrl}?hub.mode=unsubscribe&hub.verify_token=${credentials.main.verifyToken}&hub.challenge=1`,
    );
    expect(wrongMode.status).toBe(403);
  });
});

describe("signed webhook ingest", () => {
  it("a bad, a missing and a wrongly-prefixed signature get 401 and store nothing", async () => {
    const before = (await allEvents()).length;
    const rejectedBefore = harness.server.webhooks?.stats().rejected.bad_signature ?? 0;
    const body = Buffer.from(
      JSON.stringify(webhookBody(businessNumberId, { messages: [messageFixtures[0]?.message] })),
    );
    const tampered = Buffer.from(body.toString().replace("kettle", "kettlf"));
    const answers = await Promise.all([
      harness.post(tampered, {
        "x-hub-signature-256": signWebhookBody(body, credentials.main.appSecret),
      }),
      harness.post(body),
      harness.post(body, { "x-hub-signature-256": signWebhookBody(body, "not-the-secret") }),
      harness.post(body, {
        "x-hub-signature-256": signWebhookBody(body, credentials.main.appSecret).replace(
          "sha256=",
          "sha1=",
        ),
      }),
    ]);
    expect(answers.map((answer) => answer.status)).toEqual([401, 401, 401, 401]);
    expect(answers[1]?.body).toContain("missing");
    expect(harness.server.webhooks?.stats().rejected.bad_signature).toBe(rejectedBefore + 4);
    expect((await allEvents()).length).toBe(before);
  });

  it("the signature is checked over the raw bytes, not re-serialised JSON", async () => {
    // Same JSON value, different bytes: whitespace and key order as Meta might send them.
    const raw = `{ "entry" : [ { "changes": [ { "value": { "metadata": { "phone_number_id": "${businessNumberId}" }, "messages": [ { "id": "wamid.RAWBYTES01", "type": "text", "text": {"body":"raw"}, "timestamp": "1733050900", "from": "4915112345678" } ] }, "field": "messages" } ], "id": "1" } ], "object": "whatsapp_business_account" }`;
    const bytes = Buffer.from(raw);
    const answer = await harness.post(bytes, {
      "x-hub-signature-256": signWebhookBody(bytes, credentials.main.appSecret),
    });
    expect(answer.status).toBe(200);
    const reserialised = Buffer.from(JSON.stringify(JSON.parse(raw)));
    const mismatch = await harness.post(reserialised, {
      "x-hub-signature-256": signWebhookBody(bytes, credentials.main.appSecret),
    });
    expect(mismatch.status).toBe(401);
    const events = await allEvents();
    expect(events.filter((event) => event.message?.id === "wamid.RAWBYTES01")).toHaveLength(1);
  });

  it("the same signed body posted twice adds its events once", async () => {
    const payload = webhookBody(businessNumberId, {
      messages: [
        {
          from: "4915112345678",
          id: "wamid.TWICE01",
          timestamp: "1733050901",
          type: "text",
          text: { body: "once" },
        },
      ],
      statuses: [
        {
          id: "wamid.TWICE02",
          status: "delivered",
          timestamp: "1733050902",
          recipient_id: "4915112345678",
        },
      ],
    });
    const first = await harness.postSigned(payload);
    const second = await harness.postSigned(payload);
    expect([first.status, second.status]).toEqual([200, 200]);
    const events = await allEvents();
    expect(events.filter((event) => event.message?.id === "wamid.TWICE01")).toHaveLength(1);
    expect(events.filter((event) => event.status?.id === "wamid.TWICE02")).toHaveLength(1);
  });

  it("a status is deduplicated by wamid + status: a new status of the same message is a new event", async () => {
    const status = (value: string) =>
      webhookBody(businessNumberId, {
        statuses: [
          {
            id: "wamid.PROGRESS01",
            status: value,
            timestamp: "1733050903",
            recipient_id: "4915112345678",
          },
        ],
      });
    for (const value of ["sent", "delivered", "delivered", "read", "sent"]) {
      expect((await harness.postSigned(status(value))).status).toBe(200);
    }
    const statuses = (await allEvents())
      .filter((event) => event.status?.id === "wamid.PROGRESS01")
      .map((event) => event.status?.status);
    expect(statuses).toEqual([1, 2, 3]);
  });

  it("a body over the limit gets 413 and stores nothing", async () => {
    const before = (await allEvents()).length;
    const limit = harness.server.config.webhookMaxBodyBytes;
    expect(limit).toBe(1024 * 1024);
    const padding = "x".repeat(limit);
    const body = Buffer.from(
      JSON.stringify(
        webhookBody(businessNumberId, {
          messages: [
            {
              from: "4915112345678",
              id: "wamid.HUGE01",
              timestamp: "1",
              type: "text",
              text: { body: padding },
            },
          ],
        }),
      ),
    );
    const answer = await harness.post(body, {
      "x-hub-signature-256": signWebhookBody(body, credentials.main.appSecret),
    });
    expect(answer.status).toBe(413);
    expect(answer.body).toContain(String(limit));
    expect((await allEvents()).length).toBe(before);
  });

  it("malformed JSON and a body of the wrong shape get 400", async () => {
    const before = (await allEvents()).length;
    const broken = Buffer.from('{"entry": [');
    const notJson = await harness.post(broken, {
      "x-hub-signature-256": signWebhookBody(broken, credentials.main.appSecret),
    });
    expect(notJson.status).toBe(400);
    const noId = webhookBody(businessNumberId, {
      messages: [{ from: "4915112345678", type: "text", text: { body: "?" } }],
    });
    const shape = await harness.postSigned(noId);
    expect(shape.status).toBe(400);
    expect(shape.body).toContain(".id is required");
    expect((await allEvents()).length).toBe(before);
  });

  it("an unknown phone_number_id gets 404, even when correctly signed", async () => {
    const before = rejectedCount();
    const answer = await harness.postSigned(
      webhookBody("999000111222333", { messages: [messageFixtures[0]?.message] }),
    );
    expect(answer.status).toBe(404);
    expect(answer.body).toContain("999000111222333");
    expect(rejectedCount()).toBe(before + 1);
  });

  it("a body signed with one number's secret cannot write into another number's log", async () => {
    const answer = await harness.postSigned(
      webhookBody(credentials.other.phoneNumberId, { messages: [messageFixtures[0]?.message] }),
      credentials.main.appSecret,
    );
    expect(answer.status).toBe(401);
    expect(await allEvents(credentials.other)).toHaveLength(0);
  });
});

describe("every content variant and status becomes the right event", () => {
  it("through FetchMissedEvents and SubscribeEvents alike", async () => {
    const live = harness.messages.stream<photon.whatsapp.v1.SubscribeEventsResponse>(
      "subscribeEvents",
      {},
      numberMetadata(credentials.main),
    );
    const liveEvents: photon.whatsapp.v1.SubscribeEventsResponse[] = [];
    const expectedCount = messageFixtures.length + statusFixtures.length;
    const allArrived = new Promise<void>((resolve, reject) => {
      live.on("data", (frame: photon.whatsapp.v1.SubscribeEventsResponse) => {
        if (frame.heartbeat) return;
        liveEvents.push(frame);
        if (liveEvents.length === expectedCount) resolve();
      });
      live.on("error", reject);
    });
    await new Promise<void>((resolve) => live.once("metadata", () => resolve()));
    const start = (await allEvents()).at(-1)?.cursor?.value;

    const answer = await harness.postSigned(
      webhookBody(businessNumberId, {
        messages: messageFixtures.map((fixture) => fixture.message),
        statuses: statusFixtures.map((fixture) => fixture.json),
      }),
    );
    expect(answer.status).toBe(200);
    await allArrived;
    live.cancel();

    const fetched = (await fetchMissed(start, 1000)).events;
    expect(fetched).toHaveLength(expectedCount);
    for (const [index, fixture] of messageFixtures.entries()) {
      for (const event of [fetched[index], liveEvents[index]]) {
        expect(event?.message, fixture.variant).toBeTruthy();
        expect(event?.status ?? null).toBeNull();
        const message = photon.whatsapp.v1.InboundMessage.toObject(
          photon.whatsapp.v1.InboundMessage.decode(
            photon.whatsapp.v1.InboundMessage.encode(event?.message ?? {}).finish(),
          ),
          toObject,
        );
        expect(message, fixture.variant).toMatchObject({
          id: fixture.message.id,
          from: "4915112345678",
          timestamp: { seconds: 1733050800 },
          contact: { waId: "4915112345678", name: "Kim Customer" },
          ...fixture.expected,
        });
      }
    }
    for (const [offset, fixture] of statusFixtures.entries()) {
      const index = messageFixtures.length + offset;
      for (const event of [fetched[index], liveEvents[index]]) {
        expect(event?.message ?? null).toBeNull();
        const status = photon.whatsapp.v1.StatusUpdate.toObject(
          photon.whatsapp.v1.StatusUpdate.decode(
            photon.whatsapp.v1.StatusUpdate.encode(event?.status ?? {}).finish(),
          ),
          toObject,
        );
        expect(status, fixture.status).toMatchObject(fixture.expected);
      }
    }
    // Live frames and fetched events carry the same cursors, in log order.
    expect(liveEvents.map((event) => event.cursor?.value)).toEqual(
      fetched.map((event) => event.cursor?.value),
    );
  });

  it("context (reply-to), referral, errors and the sender's profile name are kept per message", async () => {
    const answer = await harness.postSigned(
      webhookBody(businessNumberId, {
        messages: [
          {
            from: "4915112345678",
            id: "wamid.CONTEXT01",
            timestamp: "1733050950",
            type: "text",
            text: { body: "replying" },
            context: {
              forwarded: true,
              frequently_forwarded: false,
              from: businessNumberId,
              id: "wamid.EARLIER1",
              referred_product: { catalog_id: "cat-771", product_retailer_id: "kettle-blue" },
            },
            referral: {
              source_url: "https://fb.me/ad-1",
              source_type: "ad",
              source_id: "ad-1",
              headline: "Kettles",
              body: "Half price",
            },
            errors: [
              { code: 131060, title: "Partial", message: "Part of the message was dropped" },
            ],
          },
        ],
      }),
    );
    expect(answer.status).toBe(200);
    const event = (await allEvents()).find(
      (candidate) => candidate.message?.id === "wamid.CONTEXT01",
    );
    const message = photon.whatsapp.v1.InboundMessage.toObject(
      photon.whatsapp.v1.InboundMessage.decode(
        photon.whatsapp.v1.InboundMessage.encode(event?.message ?? {}).finish(),
      ),
      toObject,
    );
    expect(message).toMatchObject({
      contact: { name: "Kim Customer" },
      context: {
        forwarded: true,
        frequentlyForwarded: false,
        from: businessNumberId,
        id: "wamid.EARLIER1",
        referredProduct: { catalogId: "cat-771", productRetailerId: "kettle-blue" },
      },
      referral: {
        sourceUrl: "https://fb.me/ad-1",
        sourceType: "ad",
        sourceId: "ad-1",
        headline: "Kettles",
        body: "Half price",
      },
      errors: [{ code: 131060, title: "Partial", message: "Part of the message was dropped" }],
    });
  });
});

describe("FetchMissedEvents paging and cursors", () => {
  it("pages through the log in order, the default page being 100", async () => {
    const messages = Array.from({ length: 130 }, (_, index) => ({
      from: "4915112345678",
      id: `wamid.PAGE${index}`,
      timestamp: "1733051000",
      type: "text",
      text: { body: `page ${index}` },
    }));
    expect(
      (
        await harness.postSigned(
          webhookBody(credentials.other.phoneNumberId, { messages }),
          credentials.other.appSecret,
        )
      ).status,
    ).toBe(200);
    const first = await fetchMissed(undefined, undefined, credentials.other);
    expect(first.events).toHaveLength(100);
    const second = await fetchMissed(first.events.at(-1)?.cursor?.value, 50, credentials.other);
    expect(second.events).toHaveLength(30);
    expect([...first.events, ...second.events].map((event) => event.message?.id)).toEqual(
      messages.map((message) => message.id),
    );
    const tail = await fetchMissed(
      second.events.at(-1)?.cursor?.value,
      undefined,
      credentials.other,
    );
    expect(tail.events).toHaveLength(0);
  });

  it("a limit above the maximum is INVALID_ARGUMENT naming the allowed range", async () => {
    const error = await rejectionOf(fetchMissed(undefined, 1001));
    expect(error.code).toBe(GrpcStatus.INVALID_ARGUMENT);
    expect(error.details).toContain("0 to 1000");
  });

  it("a malformed cursor is INVALID_ARGUMENT naming it", async () => {
    for (const cursor of [
      "not a cursor",
      Buffer.from("wa9.1.1").toString("base64url"),
      Buffer.from("wa1.x.1").toString("base64url"),
      Buffer.from("wa1.1.-1").toString("base64url"),
    ]) {
      const error = await rejectionOf(fetchMissed(cursor));
      expect(error.code).toBe(GrpcStatus.INVALID_ARGUMENT);
      expect(error.details).toContain("cursor");
      expect(trailer(error, "error-code")).toBe("INVALID_ARGUMENT");
    }
  });

  it("another number's cursor is INVALID_ARGUMENT", async () => {
    const otherCursor = (await allEvents(credentials.other))[0]?.cursor?.value;
    expect(otherCursor).toBeTruthy();
    const error = await rejectionOf(fetchMissed(otherCursor));
    expect(error.code).toBe(GrpcStatus.INVALID_ARGUMENT);
    expect(error.details).toContain("another business number");
  });

  it("a cursor ahead of the head is FAILED_PRECONDITION / CURSOR_AHEAD_OF_HEAD", async () => {
    const last = (await allEvents()).at(-1)?.cursor?.value ?? "";
    const [version, numberId, sequence] = Buffer.from(last, "base64url").toString().split(".");
    const ahead = Buffer.from(`${version}.${numberId}.${Number(sequence) + 5}`).toString(
      "base64url",
    );
    const error = await rejectionOf(fetchMissed(ahead));
    expect(error.code).toBe(GrpcStatus.FAILED_PRECONDITION);
    expect(trailer(error, "error-code")).toBe("CURSOR_AHEAD_OF_HEAD");
    expect(trailer(error, "head-sequence")).toBe(sequence);
    expect(trailer(error, "x-retryable")).toBe("false");
  });
});

describe("authentication of photon.whatsapp.v1 calls", () => {
  it("a wrong access token, a wrong app secret or missing metadata is UNAUTHENTICATED", async () => {
    const cases = [
      { ...credentials.main, accessToken: "EAAwrong" },
      { ...credentials.main, appSecret: "wrong" },
      { ...credentials.main, phoneNumberId: "123" },
    ];
    for (const number of cases) {
      const error = await rejectionOf(fetchMissed(undefined, undefined, number));
      expect(error.code).toBe(GrpcStatus.UNAUTHENTICATED);
      expect(error.details).not.toContain(number.accessToken);
    }
    const bare = await rejectionOf(harness.messages.unary("fetchMissedEvents", {}));
    expect(bare.code).toBe(GrpcStatus.UNAUTHENTICATED);
    expect(bare.details).toContain("phone_number_id");
  });
});

describe("the webhook HTTP server's other routes and limits", () => {
  it("answers /healthz, 404 for other paths and 405 for other methods", async () => {
    const origin = new URL(harness.webhookUrl).origin;
    expect((await fetch(`${origin}/healthz`)).status).toBe(200);
    const metrics = await (await fetch(`${origin}/metrics`)).text();
    const stats = harness.server.webhooks?.stats();
    expect(metrics).toContain(`threadline_whatsapp_webhooks_accepted_total ${stats?.accepted}`);
    expect(metrics).toContain(
      `threadline_whatsapp_webhooks_rejected_total{reason="bad_signature"} ${stats?.rejected.bad_signature}`,
    );
    expect(stats?.rejected.bad_signature).toBeGreaterThan(0);
    const elsewhere = await fetch(`${origin}/webhooks/telegram`, { method: "POST", body: "{}" });
    expect(elsewhere.status).toBe(404);
    const put = await fetch(harness.webhookUrl, { method: "PUT", body: "{}" });
    expect(put.status).toBe(405);
    expect(put.headers.get("allow")).toBe("GET, POST");
  });

  it("a configured limit also stops a chunked body without Content-Length", async () => {
    const small = await startWhatsAppHarness({ webhookMaxBodyBytes: 2048 });
    try {
      const payload = Buffer.from(
        JSON.stringify(
          webhookBody(businessNumberId, {
            messages: [
              {
                from: "4915112345678",
                id: "wamid.CHUNKED01",
                timestamp: "1",
                type: "text",
                text: { body: "y".repeat(4096) },
              },
            ],
          }),
        ),
      );
      const chunks = new ReadableStream<Uint8Array>({
        start(controller) {
          for (let offset = 0; offset < payload.byteLength; offset += 512) {
            controller.enqueue(payload.subarray(offset, offset + 512));
          }
          controller.close();
        },
      });
      const response = await fetch(small.webhookUrl, {
        method: "POST",
        headers: { "x-hub-signature-256": signWebhookBody(payload, credentials.main.appSecret) },
        body: chunks,
        duplex: "half",
      } as RequestInit);
      expect(response.status).toBe(413);
      expect(small.server.webhooks?.stats().rejected.body_too_large).toBe(1);
      const fitting = await small.postSigned(
        webhookBody(businessNumberId, { messages: [messageFixtures[0]?.message] }),
      );
      expect(fitting.status).toBe(200);
    } finally {
      await small.close();
    }
  });
});
