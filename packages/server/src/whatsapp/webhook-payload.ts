import type { photon } from "@threadline/protocol";
import { definedFields } from "./defined-fields.js";
import { type JsonObject, jsonObject, WebhookShapeError } from "./json-reader.js";

type Event = photon.whatsapp.v1.Event.$Properties;
type InboundMessage = photon.whatsapp.v1.InboundMessage.$Properties;
type StatusUpdate = photon.whatsapp.v1.StatusUpdate.$Properties;
type ApiError = photon.whatsapp.v1.Error.$Properties;
type ContactCard = photon.whatsapp.v1.ContactCard.$Properties;
type Timestamp = { seconds: number; nanos: number };

/** One event a webhook carried, ready to be logged for its number. */
export interface WebhookEvent {
  /** Meta's phone number id of the business number (from `value.metadata`). */
  readonly phoneNumberId: string;
  /** 1 inbound message, 2 status update. */
  readonly kind: 1 | 2;
  /** `m:<wamid>` or `s:<wamid>:<status>`: what a redelivery repeats. */
  readonly dedupeKey: string;
  /** The event without its cursor (the log assigns that). */
  readonly event: Event;
}

/** photon.whatsapp.v1.MessageStatus numbers of Meta's status strings. */
const statusNumbers: Readonly<Record<string, photon.whatsapp.v1.MessageStatus>> = {
  sent: 1,
  delivered: 2,
  read: 3,
  played: 4,
  failed: 5,
};

function timestamp(value: string | undefined, path: string): Timestamp | undefined {
  if (value === undefined) return undefined;
  if (!/^\d{1,12}$/.test(value)) {
    throw new WebhookShapeError(
      `${path} must be Unix seconds as digits; received ${JSON.stringify(value.slice(0, 40))}`,
    );
  }
  return { seconds: Number(value), nanos: 0 };
}

function apiErrors(owner: JsonObject): ApiError[] {
  return owner.objects("errors").map((error) =>
    definedFields<ApiError>({
      code: error.number("code") ?? 0,
      title: error.string("title") ?? "",
      message: error.string("message"),
      details: error.object("error_data")?.string("details"),
      href: error.string("href"),
    }),
  );
}

function inboundMedia(media: JsonObject): photon.whatsapp.v1.InboundMediaContent.$Properties {
  return definedFields<photon.whatsapp.v1.InboundMediaContent.$Properties>({
    id: media.requiredString("id"),
    mimeType: media.string("mime_type") ?? "",
    sha256: media.string("sha256"),
    caption: media.string("caption"),
    filename: media.string("filename"),
    voice: media.boolean("voice"),
  });
}

function contactCard(card: JsonObject): ContactCard {
  const name = card.object("name");
  const org = card.object("org");
  return definedFields<ContactCard>({
    name:
      name === undefined
        ? undefined
        : definedFields<photon.whatsapp.v1.ContactName.$Properties>({
            formattedName: name.string("formatted_name") ?? "",
            firstName: name.string("first_name"),
            lastName: name.string("last_name"),
            middleName: name.string("middle_name"),
            prefix: name.string("prefix"),
            suffix: name.string("suffix"),
          }),
    phones: card.objects("phones").map((phone) =>
      definedFields<photon.whatsapp.v1.ContactPhone.$Properties>({
        phone: phone.string("phone") ?? "",
        type: phone.string("type"),
        waId: phone.string("wa_id"),
      }),
    ),
    emails: card.objects("emails").map((email) =>
      definedFields<photon.whatsapp.v1.ContactEmail.$Properties>({
        email: email.string("email") ?? "",
        type: email.string("type"),
      }),
    ),
    addresses: card.objects("addresses").map((address) =>
      definedFields<photon.whatsapp.v1.ContactAddress.$Properties>({
        street: address.string("street"),
        city: address.string("city"),
        state: address.string("state"),
        zip: address.string("zip"),
        country: address.string("country"),
        countryCode: address.string("country_code"),
        type: address.string("type"),
      }),
    ),
    org:
      org === undefined
        ? undefined
        : definedFields<photon.whatsapp.v1.ContactOrg.$Properties>({
            company: org.string("company"),
            department: org.string("department"),
            title: org.string("title"),
          }),
    urls: card.objects("urls").map((url) =>
      definedFields<photon.whatsapp.v1.ContactUrl.$Properties>({
        url: url.string("url") ?? "",
        type: url.string("type"),
      }),
    ),
    birthday: card.string("birthday"),
  });
}

function interactive(
  content: JsonObject,
): photon.whatsapp.v1.InboundInteractiveContent.$Properties {
  const type = content.string("type") ?? "";
  const button = content.object("button_reply");
  const list = content.object("list_reply");
  const flow = content.object("nfm_reply");
  return definedFields<photon.whatsapp.v1.InboundInteractiveContent.$Properties>({
    type,
    buttonReply:
      button === undefined
        ? undefined
        : { id: button.string("id") ?? "", title: button.string("title") ?? "" },
    listReply:
      list === undefined
        ? undefined
        : definedFields<photon.whatsapp.v1.InboundListReply.$Properties>({
            id: list.string("id") ?? "",
            title: list.string("title") ?? "",
            description: list.string("description"),
          }),
    nfmReply:
      flow === undefined
        ? undefined
        : definedFields<photon.whatsapp.v1.InboundNfmReply.$Properties>({
            name: flow.string("name"),
            body: flow.string("body"),
            responseJson: flow.string("response_json") ?? "",
          }),
  });
}

/** The content fields of one inbound message, by Meta's `type`; unknown types get none. */
function messageContent(message: JsonObject, type: string): Partial<InboundMessage> {
  const part = (key: string): JsonObject => {
    const value = message.object(key);
    if (value === undefined) {
      throw new WebhookShapeError(
        `${message.path}.${key} is required for a message of type ${type}`,
      );
    }
    return value;
  };
  switch (type) {
    case "text":
      return { text: { body: part("text").string("body") ?? "" } };
    case "image":
    case "video":
    case "audio":
    case "document":
      return { [type]: inboundMedia(part(type)) };
    case "sticker": {
      const sticker = part("sticker");
      return {
        sticker: definedFields<photon.whatsapp.v1.InboundStickerContent.$Properties>({
          id: sticker.requiredString("id"),
          mimeType: sticker.string("mime_type") ?? "",
          sha256: sticker.string("sha256"),
          animated: sticker.boolean("animated"),
        }),
      };
    }
    case "location": {
      const location = part("location");
      return {
        location: definedFields<photon.whatsapp.v1.LocationContent.$Properties>({
          latitude: location.number("latitude") ?? 0,
          longitude: location.number("longitude") ?? 0,
          name: location.string("name"),
          address: location.string("address"),
        }),
      };
    }
    case "contacts":
      return { contacts: message.objects("contacts").map(contactCard) };
    case "reaction": {
      const reaction = part("reaction");
      return {
        reaction: {
          messageId: reaction.string("message_id") ?? "",
          emoji: reaction.string("emoji") ?? "",
        },
      };
    }
    case "interactive":
      return { interactive: interactive(part("interactive")) };
    case "button": {
      const button = part("button");
      return {
        button: { text: button.string("text") ?? "", payload: button.string("payload") ?? "" },
      };
    }
    case "order": {
      const order = part("order");
      return {
        order: definedFields<photon.whatsapp.v1.OrderContent.$Properties>({
          catalogId: order.string("catalog_id") ?? "",
          productItems: order.objects("product_items").map((item) => ({
            productRetailerId: item.string("product_retailer_id") ?? "",
            quantity: Math.trunc(item.number("quantity") ?? 0),
            itemPrice: item.number("item_price") ?? 0,
            currency: item.string("currency") ?? "",
          })),
          text: order.string("text"),
        }),
      };
    }
    case "system": {
      const system = part("system");
      return {
        system: definedFields<photon.whatsapp.v1.SystemContent.$Properties>({
          body: system.string("body") ?? "",
          type: system.string("type") ?? "",
          newWaId: system.string("new_wa_id"),
          waId: system.string("wa_id"),
        }),
      };
    }
    default:
      // "unsupported" and any type Meta adds later: logged with its raw type, no content.
      return {};
  }
}

function inboundMessage(message: JsonObject, contacts: readonly JsonObject[]): InboundMessage {
  const id = message.requiredString("id");
  const from = message.requiredString("from");
  const type = message.string("type") ?? "unknown";
  const sender = contacts.find((contact) => contact.string("wa_id") === from) ?? contacts[0];
  const context = message.object("context");
  const referredProduct = context?.object("referred_product");
  const referral = message.object("referral");
  return {
    ...definedFields<InboundMessage>({
      id,
      from,
      timestamp: timestamp(message.string("timestamp"), `${message.path}.timestamp`),
      type,
      contact:
        sender === undefined
          ? undefined
          : definedFields<photon.whatsapp.v1.Contact.$Properties>({
              waId: sender.string("wa_id") ?? from,
              name: sender.object("profile")?.string("name"),
            }),
      context:
        context === undefined
          ? undefined
          : definedFields<photon.whatsapp.v1.MessageContext.$Properties>({
              forwarded: context.boolean("forwarded"),
              frequentlyForwarded: context.boolean("frequently_forwarded"),
              from: context.string("from"),
              id: context.string("id"),
              referredProduct:
                referredProduct === undefined
                  ? undefined
                  : {
                      catalogId: referredProduct.string("catalog_id") ?? "",
                      productRetailerId: referredProduct.string("product_retailer_id") ?? "",
                    },
            }),
      referral:
        referral === undefined
          ? undefined
          : definedFields<photon.whatsapp.v1.Referral.$Properties>({
              sourceUrl: referral.string("source_url") ?? "",
              sourceType: referral.string("source_type") ?? "",
              sourceId: referral.string("source_id"),
              headline: referral.string("headline"),
              body: referral.string("body"),
            }),
      errors: apiErrors(message),
    }),
    ...messageContent(message, type),
  };
}

function statusUpdate(status: JsonObject): { update: StatusUpdate; raw: string } {
  const raw = status.requiredString("status");
  const conversation = status.object("conversation");
  const pricing = status.object("pricing");
  return {
    raw,
    update: definedFields<StatusUpdate>({
      id: status.requiredString("id"),
      status: statusNumbers[raw] ?? 0,
      timestamp: timestamp(status.string("timestamp"), `${status.path}.timestamp`),
      recipientId: status.string("recipient_id") ?? "",
      conversation:
        conversation === undefined
          ? undefined
          : definedFields<photon.whatsapp.v1.Conversation.$Properties>({
              id: conversation.string("id") ?? "",
              originType: conversation.object("origin")?.string("type") ?? "",
              expiration: timestamp(
                conversation.string("expiration_timestamp"),
                `${conversation.path}.expiration_timestamp`,
              ),
            }),
      pricing:
        pricing === undefined
          ? undefined
          : {
              billable: pricing.boolean("billable") ?? false,
              pricingModel: pricing.string("pricing_model") ?? "",
              type: pricing.string("type") ?? "",
              category: pricing.string("category") ?? "",
            },
      errors: apiErrors(status),
      bizOpaqueCallbackData: status.string("biz_opaque_callback_data"),
    }),
  };
}

/**
 * Turns a webhook body (already JSON-parsed) into one event per inbound message and per
 * status update, in payload order, across every `entry[].changes[].value` whose field
 * is `messages`. Other fields (account updates, templates) carry no events and are
 * skipped. Throws {@link WebhookShapeError} naming the path when the body does not have
 * Meta's documented shape.
 */
export function parseWebhookPayload(body: unknown): WebhookEvent[] {
  const root = jsonObject(body, "body");
  const events: WebhookEvent[] = [];
  for (const entry of root.objects("entry")) {
    for (const change of entry.objects("changes")) {
      const field = change.string("field");
      if (field !== undefined && field !== "messages") continue;
      const value = change.object("value");
      if (value === undefined) continue;
      const metadata = value.object("metadata");
      if (metadata === undefined) {
        throw new WebhookShapeError(
          `${value.path}.metadata is required (it names the phone_number_id)`,
        );
      }
      const phoneNumberId = metadata.requiredString("phone_number_id");
      const contacts = value.objects("contacts");
      for (const message of value.objects("messages")) {
        const parsed = inboundMessage(message, contacts);
        events.push({
          phoneNumberId,
          kind: 1,
          dedupeKey: `m:${parsed.id ?? ""}`,
          event: { message: parsed },
        });
      }
      for (const status of value.objects("statuses")) {
        const { update, raw } = statusUpdate(status);
        events.push({
          phoneNumberId,
          kind: 2,
          dedupeKey: `s:${update.id ?? ""}:${raw}`,
          event: { status: update },
        });
      }
    }
  }
  return events;
}

/** Every phone number id a webhook body names, whether or not it carries events. */
export function webhookPhoneNumberIds(body: unknown): Set<string> {
  const ids = new Set<string>();
  const root = jsonObject(body, "body");
  for (const entry of root.objects("entry")) {
    for (const change of entry.objects("changes")) {
      const id = change.object("value")?.object("metadata")?.string("phone_number_id");
      if (id !== undefined) ids.add(id);
    }
  }
  return ids;
}
