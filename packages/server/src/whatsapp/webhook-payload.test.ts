import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { WebhookShapeError } from "./json-reader.js";
import { parseWebhookPayload, webhookPhoneNumberIds } from "./webhook-payload.js";

/** Webhook-like JSON: Meta's keys with arbitrary values at every level. */
const jsonValue = fc.letrec((tie) => ({
  value: fc.oneof(
    { depthSize: "small" },
    fc.constant(null),
    fc.boolean(),
    fc.double(),
    fc.string({ maxLength: 8 }),
    fc.array(tie("value"), { maxLength: 3 }),
    fc.dictionary(
      fc.constantFrom(
        "entry",
        "changes",
        "value",
        "metadata",
        "phone_number_id",
        "messages",
        "statuses",
        "id",
        "from",
        "type",
        "text",
        "body",
        "status",
        "timestamp",
        "errors",
        "contacts",
        "field",
      ),
      tie("value"),
      { maxKeys: 5 },
    ),
  ),
})).value;

const leaf = fc.oneof(
  fc.constant(null),
  fc.boolean(),
  fc.double(),
  fc.string({ maxLength: 5 }),
  fc.array(fc.string({ maxLength: 3 }), { maxLength: 2 }),
);
/** Mostly the right shape, sometimes a wrong value in its place. */
const maybe = <T>(arbitrary: fc.Arbitrary<T>) =>
  fc.oneof({ arbitrary, weight: 12 }, { arbitrary: leaf, weight: 1 });
const contentKeys = [
  "id",
  "mime_type",
  "body",
  "emoji",
  "message_id",
  "latitude",
  "type",
  "button_reply",
  "list_reply",
  "nfm_reply",
  "product_items",
  "catalog_id",
  "name",
  "phones",
  "voice",
  "animated",
  "quantity",
] as const;
const content = fc.dictionary(
  fc.constantFrom(...contentKeys),
  maybe(
    fc.oneof(
      leaf,
      fc.array(fc.dictionary(fc.constantFrom(...contentKeys), leaf, { maxKeys: 3 }), {
        maxLength: 2,
      }),
      fc.dictionary(fc.constantFrom(...contentKeys), leaf, { maxKeys: 3 }),
    ),
  ),
  { maxKeys: 4 },
);
const types = [
  "text",
  "image",
  "video",
  "audio",
  "document",
  "sticker",
  "location",
  "contacts",
  "reaction",
  "interactive",
  "button",
  "order",
  "system",
  "unsupported",
] as const;
const message = fc.record(
  {
    id: maybe(fc.string({ minLength: 1, maxLength: 6 })),
    from: maybe(fc.string({ minLength: 1, maxLength: 6 })),
    type: maybe(fc.constantFrom(...types)),
    timestamp: maybe(fc.oneof(fc.integer({ min: 0 }).map(String), fc.string({ maxLength: 4 }))),
    context: maybe(content),
    referral: maybe(content),
    errors: maybe(fc.array(content, { maxLength: 2 })),
    ...Object.fromEntries(
      types.map((type) => [
        type,
        type === "contacts" ? maybe(fc.array(content, { maxLength: 2 })) : maybe(content),
      ]),
    ),
  },
  { requiredKeys: [] },
);
const status = fc.record(
  {
    id: maybe(fc.string({ minLength: 1, maxLength: 6 })),
    status: maybe(fc.constantFrom("sent", "delivered", "read", "played", "failed", "deleted")),
    timestamp: maybe(fc.integer({ min: 0 }).map(String)),
    conversation: maybe(content),
    pricing: maybe(content),
    errors: maybe(fc.array(content, { maxLength: 2 })),
  },
  { requiredKeys: [] },
);
/** Meta's skeleton with arbitrary (often wrong) values at every level. */
const webhookLike = fc.record({
  entry: maybe(
    fc.array(
      fc.record({
        changes: maybe(
          fc.array(
            fc.record({
              field: maybe(fc.constantFrom("messages", "account_update")),
              value: maybe(
                fc.record(
                  {
                    metadata: maybe(
                      fc.record({
                        phone_number_id: maybe(fc.string({ minLength: 1, maxLength: 4 })),
                      }),
                    ),
                    contacts: maybe(fc.array(content, { maxLength: 2 })),
                    messages: maybe(fc.array(message, { maxLength: 3 })),
                    statuses: maybe(fc.array(status, { maxLength: 3 })),
                  },
                  { requiredKeys: [] },
                ),
              ),
            }),
            { maxLength: 2 },
          ),
        ),
      }),
      { maxLength: 2 },
    ),
  ),
});

describe("webhook payload parsing", () => {
  it("either parses or throws WebhookShapeError naming a path, for any JSON (property)", () => {
    let parsedWithEvents = 0;
    fc.assert(
      fc.property(fc.oneof(jsonValue, webhookLike), (body) => {
        try {
          if (parseWebhookPayload(body).length > 0) parsedWithEvents += 1;
          webhookPhoneNumberIds(body);
        } catch (error) {
          expect(error).toBeInstanceOf(WebhookShapeError);
          expect(error instanceof Error && error.message).toMatch(/^body/);
        }
      }),
      { numRuns: 2000 },
    );
    // The generator reaches well-formed messages and statuses, not only early refusals.
    expect(parsedWithEvents).toBeGreaterThan(0);
  });

  it("keeps payload order and skips changes of other fields", () => {
    const events = parseWebhookPayload({
      entry: [
        {
          changes: [
            { field: "account_update", value: { event: "VERIFIED_ACCOUNT" } },
            {
              field: "messages",
              value: {
                metadata: { phone_number_id: "1" },
                messages: [{ id: "wamid.A", from: "49", type: "text", text: { body: "a" } }],
                statuses: [{ id: "wamid.B", status: "read" }],
              },
            },
          ],
        },
      ],
    });
    expect(events.map((event) => event.dedupeKey)).toEqual(["m:wamid.A", "s:wamid.B:read"]);
  });

  it("refuses a timestamp that is not Unix seconds", () => {
    expect(() =>
      parseWebhookPayload({
        entry: [
          {
            changes: [
              {
                field: "messages",
                value: {
                  metadata: { phone_number_id: "1" },
                  messages: [
                    {
                      id: "wamid.A",
                      from: "49",
                      type: "text",
                      timestamp: "yesterday",
                      text: { body: "a" },
                    },
                  ],
                },
              },
            ],
          },
        ],
      }),
    ).toThrow(/messages\[0\]\.timestamp must be Unix seconds/);
  });
});
