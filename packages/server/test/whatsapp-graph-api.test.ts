import { status as GrpcStatus, type Metadata } from "@grpc/grpc-js";
import type { photon } from "@threadline/protocol";
import { afterAll, beforeAll, beforeEach, describe, expect, it } from "vitest";
import { businessNumberId } from "./fixtures/whatsapp-webhooks.js";
import { type GraphStandIn, graphErrorBody, startGraphStandIn } from "./support/graph-stand-in.js";
import { rejectionOf, trailer } from "./support/grpc-client.js";
import {
  credentials,
  numberMetadata,
  startWhatsAppHarness,
  type WhatsAppHarness,
} from "./support/whatsapp-harness.js";

let graph: GraphStandIn;
let harness: WhatsAppHarness;
const version = "v23.0";
const messagesPath = `/${version}/${businessNumberId}/messages`;
const bearer = `Bearer ${credentials.main.accessToken}`;

beforeAll(async () => {
  graph = await startGraphStandIn();
  harness = await startWhatsAppHarness({ graphApiUrl: graph.url });
});
afterAll(async () => {
  await harness.close();
  await graph.close();
});
beforeEach(() => {
  graph.requests.length = 0;
  graph.answerWith(() => ({
    status: 200,
    json: {
      messaging_product: "whatsapp",
      contacts: [{ input: "4915112345678", wa_id: "4915112345678" }],
      messages: [{ id: "wamid.SENT0001", message_status: "accepted" }],
    },
  }));
});

type SendResponse = photon.whatsapp.v1.SendMessageResponse;

function send(
  request: photon.whatsapp.v1.SendMessageRequest.$Properties,
  metadata = numberMetadata(credentials.main),
) {
  return harness.messages.unary<SendResponse>("sendMessage", request, metadata);
}

const envelope = {
  messaging_product: "whatsapp",
  recipient_type: "individual",
  to: "4915112345678",
};

/** Each content kind of SendMessageRequest and the JSON body Meta documents for it. */
const sendCases: readonly {
  readonly kind: string;
  readonly request: photon.whatsapp.v1.SendMessageRequest.$Properties;
  readonly body: Record<string, unknown>;
}[] = [
  {
    kind: "text",
    request: { to: "4915112345678", text: { body: "Your order shipped", previewUrl: true } },
    body: { ...envelope, type: "text", text: { body: "Your order shipped", preview_url: true } },
  },
  {
    kind: "image by id",
    request: { to: "4915112345678", image: { id: "880011", caption: "receipt" } },
    body: { ...envelope, type: "image", image: { id: "880011", caption: "receipt" } },
  },
  {
    kind: "video by link",
    request: {
      to: "4915112345678",
      video: { link: "https://cdn.example.org/demo.mp4", caption: "how to" },
    },
    body: {
      ...envelope,
      type: "video",
      video: { link: "https://cdn.example.org/demo.mp4", caption: "how to" },
    },
  },
  {
    kind: "audio",
    request: { to: "4915112345678", audio: { id: "880012" } },
    body: { ...envelope, type: "audio", audio: { id: "880012" } },
  },
  {
    kind: "document",
    request: {
      to: "4915112345678",
      document: { id: "880013", filename: "invoice.pdf", caption: "invoice" },
    },
    body: {
      ...envelope,
      type: "document",
      document: { id: "880013", filename: "invoice.pdf", caption: "invoice" },
    },
  },
  {
    kind: "sticker",
    request: { to: "4915112345678", sticker: { id: "880014" } },
    body: { ...envelope, type: "sticker", sticker: { id: "880014" } },
  },
  {
    kind: "location",
    request: {
      to: "4915112345678",
      location: { latitude: 52.52, longitude: 13.405, name: "Shop", address: "Main St 1" },
    },
    body: {
      ...envelope,
      type: "location",
      location: { latitude: 52.52, longitude: 13.405, name: "Shop", address: "Main St 1" },
    },
  },
  {
    kind: "reaction",
    request: { to: "4915112345678", reaction: { messageId: "wamid.IN01", emoji: "\u2764\uFE0F" } },
    body: {
      ...envelope,
      type: "reaction",
      reaction: { message_id: "wamid.IN01", emoji: "\u2764\uFE0F" },
    },
  },
  {
    kind: "interactive buttons",
    request: {
      to: "4915112345678",
      interactive: {
        type: "button",
        header: { type: "text", text: "Delivery" },
        body: { text: "Pick a slot" },
        footer: { text: "Reply within 24h" },
        action: {
          buttons: [
            { type: "reply", reply: { id: "am", title: "Morning" } },
            { type: "reply", reply: { id: "pm", title: "Afternoon" } },
          ],
        },
      },
    },
    body: {
      ...envelope,
      type: "interactive",
      interactive: {
        type: "button",
        header: { type: "text", text: "Delivery" },
        body: { text: "Pick a slot" },
        footer: { text: "Reply within 24h" },
        action: {
          buttons: [
            { type: "reply", reply: { id: "am", title: "Morning" } },
            { type: "reply", reply: { id: "pm", title: "Afternoon" } },
          ],
        },
      },
    },
  },
  {
    kind: "interactive list",
    request: {
      to: "4915112345678",
      interactive: {
        type: "list",
        body: { text: "Choose a size" },
        action: {
          button: "Sizes",
          sections: [
            {
              title: "Shirts",
              rows: [
                { id: "m", title: "M", description: "Medium" },
                { id: "l", title: "L" },
              ],
            },
          ],
        },
      },
    },
    body: {
      ...envelope,
      type: "interactive",
      interactive: {
        type: "list",
        body: { text: "Choose a size" },
        action: {
          button: "Sizes",
          sections: [
            {
              title: "Shirts",
              rows: [
                { id: "m", title: "M", description: "Medium" },
                { id: "l", title: "L" },
              ],
            },
          ],
        },
      },
    },
  },
  {
    kind: "interactive flow",
    request: {
      to: "4915112345678",
      interactive: {
        type: "flow",
        body: { text: "Book a visit" },
        action: {
          name: "flow",
          parameters: {
            flowMessageVersion: "3",
            flowToken: "tok-1",
            flowId: "flow-9",
            flowCta: "Book",
            flowAction: "navigate",
            flowActionPayloadJson: '{"screen":"START","data":{"store":"berlin"}}',
          },
        },
      },
    },
    body: {
      ...envelope,
      type: "interactive",
      interactive: {
        type: "flow",
        body: { text: "Book a visit" },
        action: {
          name: "flow",
          parameters: {
            flow_message_version: "3",
            flow_token: "tok-1",
            flow_id: "flow-9",
            flow_cta: "Book",
            flow_action: "navigate",
            flow_action_payload: { screen: "START", data: { store: "berlin" } },
          },
        },
      },
    },
  },
  {
    kind: "template",
    request: {
      to: "4915112345678",
      template: {
        name: "order_shipped",
        languageCode: "en_US",
        components: [
          {
            type: "header",
            parameters: [{ type: "image", image: { link: "https://cdn.example.org/box.png" } }],
          },
          {
            type: "body",
            parameters: [
              { type: "text", text: "Kim" },
              { type: "text", text: "8812" },
            ],
          },
          {
            type: "button",
            subType: "quick_reply",
            index: 0,
            parameters: [{ type: "payload", payload: "track-8812" }],
          },
        ],
      },
    },
    body: {
      ...envelope,
      type: "template",
      template: {
        name: "order_shipped",
        language: { code: "en_US" },
        components: [
          {
            type: "header",
            parameters: [{ type: "image", image: { link: "https://cdn.example.org/box.png" } }],
          },
          {
            type: "body",
            parameters: [
              { type: "text", text: "Kim" },
              { type: "text", text: "8812" },
            ],
          },
          {
            type: "button",
            sub_type: "quick_reply",
            index: "0",
            parameters: [{ type: "payload", payload: "track-8812" }],
          },
        ],
      },
    },
  },
  {
    kind: "contacts",
    request: {
      to: "4915112345678",
      contacts: [
        {
          name: { formattedName: "Support Desk", firstName: "Support" },
          phones: [{ phone: "+4930123456", type: "WORK", waId: "4930123456" }],
          emails: [{ email: "help@example.org" }],
        },
      ],
    },
    body: {
      ...envelope,
      type: "contacts",
      contacts: [
        {
          name: { formatted_name: "Support Desk", first_name: "Support" },
          phones: [{ phone: "+4930123456", type: "WORK", wa_id: "4930123456" }],
          emails: [{ email: "help@example.org" }],
          addresses: [],
          urls: [],
        },
      ],
    },
  },
];

describe("SendMessage through the Graph API", () => {
  for (const { kind, request, body } of sendCases) {
    it(`${kind}: one POST /{phone_number_id}/messages with the Bearer token and Meta's JSON body`, async () => {
      const response = await send(request);
      expect(response.messageId).toBe("wamid.SENT0001");
      expect(response.messageStatus).toBe("accepted");
      expect(graph.requests).toHaveLength(1);
      const [sent] = graph.requests;
      expect(sent?.method).toBe("POST");
      expect(sent?.url).toBe(messagesPath);
      expect(sent?.authorization).toBe(bearer);
      expect(sent?.contentType).toBe("application/json");
      expect(sent?.json).toEqual(body);
    });
  }

  it("reply_to_message_id becomes context.message_id and biz_opaque_callback_data is passed on", async () => {
    await send({
      to: "4915112345678",
      text: { body: "You said hi" },
      replyToMessageId: "wamid.IN77",
      bizOpaqueCallbackData: "ticket-42",
    });
    expect(graph.requests[0]?.json).toEqual({
      ...envelope,
      type: "text",
      text: { body: "You said hi" },
      context: { message_id: "wamid.IN77" },
      biz_opaque_callback_data: "ticket-42",
    });
  });

  it("a request without content, without a recipient, or media with neither id nor link is INVALID_ARGUMENT and calls nothing", async () => {
    const cases: photon.whatsapp.v1.SendMessageRequest.$Properties[] = [
      { to: "4915112345678" },
      { to: "", text: { body: "hi" } },
      { to: "4915112345678", image: { caption: "nothing to show" } },
      { to: "4915112345678", text: { body: "" } },
    ];
    for (const request of cases) {
      const error = await rejectionOf(send(request));
      expect(error.code).toBe(GrpcStatus.INVALID_ARGUMENT);
      expect(trailer(error, "error-code")).toBe("INVALID_ARGUMENT");
    }
    expect(graph.requests).toHaveLength(0);
  });

  it("Graph errors map to typed gRPC errors with Meta's message", async () => {
    const cases = [
      {
        status: 401,
        json: graphErrorBody(190, "Error validating access token: Session has expired"),
        code: GrpcStatus.UNAUTHENTICATED,
        retryable: "false",
      },
      {
        status: 403,
        json: graphErrorBody(10, "Application does not have permission for this action"),
        code: GrpcStatus.PERMISSION_DENIED,
        retryable: "false",
      },
      {
        status: 400,
        json: graphErrorBody(
          130429,
          "Rate limit hit",
          "OAuthException",
          "Cloud API message throughput has been reached.",
        ),
        code: GrpcStatus.RESOURCE_EXHAUSTED,
        retryable: "true",
      },
      {
        status: 400,
        json: graphErrorBody(4, "Application request limit reached"),
        code: GrpcStatus.RESOURCE_EXHAUSTED,
        retryable: "true",
      },
      {
        status: 400,
        json: graphErrorBody(
          100,
          "Invalid parameter",
          "OAuthException",
          "Parameter 'to' is not a valid phone number",
        ),
        code: GrpcStatus.INVALID_ARGUMENT,
        retryable: "false",
      },
      {
        status: 503,
        json: graphErrorBody(2, "Service temporarily unavailable"),
        code: GrpcStatus.UNAVAILABLE,
        retryable: "true",
      },
      { status: 500, json: { unexpected: true }, code: GrpcStatus.UNAVAILABLE, retryable: "true" },
    ];
    for (const entry of cases) {
      graph.answerWith(() => ({ status: entry.status, json: entry.json }));
      const error = await rejectionOf(send({ to: "4915112345678", text: { body: "hi" } }));
      expect(error.code, JSON.stringify(entry.json)).toBe(entry.code);
      expect(trailer(error, "x-retryable")).toBe(entry.retryable);
      const meta = "error" in entry.json ? entry.json.error : undefined;
      if (meta !== undefined) {
        expect(error.details).toContain(meta.message);
        expect(trailer(error, "graph-error-code")).toBe(String(meta.code));
      }
    }
    const invalid = graph.requests.length;
    expect(invalid).toBe(cases.length);
  });

  it("an unreachable Graph API is UNAVAILABLE and retryable", async () => {
    const unreachable = await startWhatsAppHarness({ graphApiUrl: "http://127.0.0.1:9" });
    try {
      const error = await rejectionOf(
        unreachable.messages.unary(
          "sendMessage",
          { to: "4915112345678", text: { body: "hi" } },
          numberMetadata(credentials.main),
        ),
      );
      expect(error.code).toBe(GrpcStatus.UNAVAILABLE);
      expect(trailer(error, "x-retryable")).toBe("true");
    } finally {
      await unreachable.close();
    }
  });
});

describe("idempotent sends", () => {
  function keyed(key: string): Metadata {
    const metadata = numberMetadata(credentials.main);
    metadata.set("x-idempotency-key", key);
    return metadata;
  }

  it("a key reused across retries makes one Graph call and returns the first answer", async () => {
    const request = { to: "4915112345678", text: { body: "exactly once" } };
    const answers = await Promise.all([
      send(request, keyed("send-1")),
      send(request, keyed("send-1")),
    ]);
    const again = await send(request, keyed("send-1"));
    expect(graph.requests).toHaveLength(1);
    expect([...answers, again].map((answer) => answer.messageId)).toEqual([
      "wamid.SENT0001",
      "wamid.SENT0001",
      "wamid.SENT0001",
    ]);
  });

  it("the same key with another request is IDEMPOTENCY_KEY_REUSED; a failed call stores nothing", async () => {
    await send({ to: "4915112345678", text: { body: "first" } }, keyed("send-2"));
    const reused = await rejectionOf(
      send({ to: "4915112345678", text: { body: "second" } }, keyed("send-2")),
    );
    expect(trailer(reused, "error-code")).toBe("IDEMPOTENCY_KEY_REUSED");
    graph.answerWith(() => ({ status: 503, json: graphErrorBody(2, "down") }));
    await rejectionOf(send({ to: "4915112345678", text: { body: "retry me" } }, keyed("send-3")));
    graph.answerWith(() => ({
      status: 200,
      json: { messages: [{ id: "wamid.SENT0002", message_status: "accepted" }] },
    }));
    const retried = await send(
      { to: "4915112345678", text: { body: "retry me" } },
      keyed("send-3"),
    );
    expect(retried.messageId).toBe("wamid.SENT0002");
    expect(graph.requests.map((request) => request.url)).toEqual([
      messagesPath,
      messagesPath,
      messagesPath,
    ]);
  });
});

describe("MarkRead and media", () => {
  it("MarkRead posts Meta's read receipt (with the typing indicator when asked)", async () => {
    graph.answerWith(() => ({ status: 200, json: { success: true } }));
    await harness.messages.unary(
      "markRead",
      { messageId: "wamid.IN01" },
      numberMetadata(credentials.main),
    );
    await harness.messages.unary(
      "markRead",
      { messageId: "wamid.IN02", typingIndicator: true },
      numberMetadata(credentials.main),
    );
    expect(
      graph.requests.map((request) => [
        request.method,
        request.url,
        request.authorization,
        request.json,
      ]),
    ).toEqual([
      [
        "POST",
        messagesPath,
        bearer,
        { messaging_product: "whatsapp", status: "read", message_id: "wamid.IN01" },
      ],
      [
        "POST",
        messagesPath,
        bearer,
        {
          messaging_product: "whatsapp",
          status: "read",
          message_id: "wamid.IN02",
          typing_indicator: { type: "text" },
        },
      ],
    ]);
  });

  it("Upload is one multipart POST /{phone_number_id}/media with the file, its type and messaging_product", async () => {
    graph.answerWith(() => ({ status: 200, json: { id: "1037543291543636" } }));
    const file = Buffer.from("%PDF-1.7 fake pdf bytes");
    const response = await harness.media.unary<photon.whatsapp.v1.MediaServiceUploadResponse>(
      "upload",
      { file, mimeType: "application/pdf", filename: "terms.pdf" },
      numberMetadata(credentials.main),
    );
    expect(response.mediaId).toBe("1037543291543636");
    const [request] = graph.requests;
    expect(request?.method).toBe("POST");
    expect(request?.url).toBe(`/${version}/${businessNumberId}/media`);
    expect(request?.authorization).toBe(bearer);
    const boundary = /^multipart\/form-data; boundary=(.+)$/.exec(request?.contentType ?? "")?.[1];
    expect(boundary).toBeTruthy();
    const text = request?.body.toString("latin1") ?? "";
    expect(text).toContain('name="messaging_product"\r\n\r\nwhatsapp\r\n');
    expect(text).toContain('name="type"\r\n\r\napplication/pdf\r\n');
    expect(text).toContain(
      'name="file"; filename="terms.pdf"\r\nContent-Type: application/pdf\r\n\r\n%PDF-1.7 fake pdf bytes\r\n',
    );
  });

  it("GetUrl is GET /{media_id} and Delete is DELETE /{media_id}", async () => {
    graph.answerWith((request) =>
      request.method === "GET"
        ? {
            status: 200,
            json: {
              messaging_product: "whatsapp",
              url: "https://lookaside.fbsbx.com/whatsapp_business/attachments/?mid=880011",
              mime_type: "image/jpeg",
              sha256: "aGFzaC1pbWFnZQ==",
              file_size: "48213",
              id: "880011",
            },
          }
        : { status: 200, json: { success: true } },
    );
    const url = await harness.media.unary<photon.whatsapp.v1.MediaServiceGetUrlResponse>(
      "getUrl",
      { mediaId: "880011" },
      numberMetadata(credentials.main),
    );
    expect(url).toMatchObject({
      url: "https://lookaside.fbsbx.com/whatsapp_business/attachments/?mid=880011",
      mimeType: "image/jpeg",
      sha256: "aGFzaC1pbWFnZQ==",
      fileSize: 48213,
    });
    await harness.media.unary("delete", { mediaId: "880011" }, numberMetadata(credentials.main));
    expect(
      graph.requests.map((request) => [request.method, request.url, request.authorization]),
    ).toEqual([
      ["GET", `/${version}/880011?phone_number_id=${businessNumberId}`, bearer],
      ["DELETE", `/${version}/880011?phone_number_id=${businessNumberId}`, bearer],
    ]);
  });

  it("an unknown media id is the Graph API's INVALID_ARGUMENT, an empty one is refused before any call", async () => {
    graph.answerWith(() => ({
      status: 400,
      json: graphErrorBody(
        100,
        "Unsupported get request. Object with ID '999' does not exist",
        "GraphMethodException",
      ),
    }));
    const unknown = await rejectionOf(
      harness.media.unary("getUrl", { mediaId: "999" }, numberMetadata(credentials.main)),
    );
    expect(unknown.code).toBe(GrpcStatus.INVALID_ARGUMENT);
    expect(unknown.details).toContain("does not exist");
    const empty = await rejectionOf(
      harness.media.unary("getUrl", { mediaId: "" }, numberMetadata(credentials.main)),
    );
    expect(empty.code).toBe(GrpcStatus.INVALID_ARGUMENT);
    expect(graph.requests).toHaveLength(1);
  });
});
