import { ProtocolError } from "@threadline/core";
import { type photon, timestampToDate } from "@threadline/protocol";
import { optionalField } from "./optional-field.js";
import type {
  ContactCard,
  InboundContent,
  InboundMedia,
  InboundMessage,
  MessageStatus,
  StatusUpdate,
  WhatsAppApiError,
  WhatsAppEvent,
} from "./whatsapp-types.js";

type Wire = typeof photon.whatsapp.v1;
type WireMessage = InstanceType<Wire["InboundMessage"]>;
type WireStatus = InstanceType<Wire["StatusUpdate"]>;
type WireMedia = InstanceType<Wire["InboundMediaContent"]>;
type WireCard = InstanceType<Wire["ContactCard"]>;
type WireError = InstanceType<Wire["Error"]>;
type WireTimestamp = Parameters<typeof timestampToDate>[0];

const statusNames: Readonly<Record<number, MessageStatus>> = {
  1: "sent",
  2: "delivered",
  3: "read",
  4: "played",
  5: "failed",
};

function dateOf(timestamp: WireTimestamp, field: string): Date {
  try {
    return timestampToDate(timestamp);
  } catch (error) {
    throw new ProtocolError(`the server sent an event whose ${field} is not a valid timestamp`, {
      cause: error,
    });
  }
}

function errorsFromWire(errors: readonly WireError[] | null | undefined): WhatsAppApiError[] {
  return (errors ?? []).map((error) => ({
    code: error.code,
    title: error.title,
    ...optionalField("message", error.message),
    ...optionalField("details", error.details),
    ...optionalField("href", error.href),
  }));
}

function mediaFromWire(media: WireMedia): InboundMedia {
  return {
    id: media.id,
    mimeType: media.mimeType,
    ...optionalField("sha256", media.sha256),
    ...optionalField("caption", media.caption),
    ...optionalField("filename", media.filename),
    ...optionalField("voice", media.voice),
  };
}

/** A contact card from the wire. @internal not covered by semver */
export function contactCardFromWire(card: WireCard): ContactCard {
  const name = card.name;
  return {
    name: {
      formattedName: name?.formattedName ?? "",
      ...optionalField("firstName", name?.firstName),
      ...optionalField("lastName", name?.lastName),
      ...optionalField("middleName", name?.middleName),
      ...optionalField("prefix", name?.prefix),
      ...optionalField("suffix", name?.suffix),
    },
    phones: (card.phones ?? []).map((phone) => ({
      phone: phone.phone,
      ...optionalField("type", phone.type),
      ...optionalField("waId", phone.waId),
    })),
    emails: (card.emails ?? []).map((email) => ({
      email: email.email,
      ...optionalField("type", email.type),
    })),
    addresses: (card.addresses ?? []).map((address) => ({
      ...optionalField("street", address.street),
      ...optionalField("city", address.city),
      ...optionalField("state", address.state),
      ...optionalField("zip", address.zip),
      ...optionalField("country", address.country),
      ...optionalField("countryCode", address.countryCode),
      ...optionalField("type", address.type),
    })),
    ...(card.org === null || card.org === undefined
      ? {}
      : {
          org: {
            ...optionalField("company", card.org.company),
            ...optionalField("department", card.org.department),
            ...optionalField("title", card.org.title),
          },
        }),
    urls: (card.urls ?? []).map((url) => ({ url: url.url, ...optionalField("type", url.type) })),
    ...optionalField("birthday", card.birthday),
  };
}

function contentFromWire(message: WireMessage): InboundContent {
  const { text, image, video, audio, document, sticker, location, reaction } = message;
  const { interactive, button, order, system } = message;
  switch (message.content) {
    case "text":
      if (text) return { type: "text", body: text.body };
      break;
    case "image":
      if (image) return { type: "image", media: mediaFromWire(image) };
      break;
    case "video":
      if (video) return { type: "video", media: mediaFromWire(video) };
      break;
    case "audio":
      if (audio) return { type: "audio", media: mediaFromWire(audio) };
      break;
    case "document":
      if (document) return { type: "document", media: mediaFromWire(document) };
      break;
    case "sticker":
      if (sticker) {
        return {
          type: "sticker",
          sticker: {
            id: sticker.id,
            mimeType: sticker.mimeType,
            ...optionalField("sha256", sticker.sha256),
            ...optionalField("animated", sticker.animated),
          },
        };
      }
      break;
    case "location":
      if (location) {
        return {
          type: "location",
          location: {
            latitude: location.latitude,
            longitude: location.longitude,
            ...optionalField("name", location.name),
            ...optionalField("address", location.address),
          },
        };
      }
      break;
    case "reaction":
      if (reaction) {
        return {
          type: "reaction",
          reaction: { messageId: reaction.messageId, emoji: reaction.emoji },
        };
      }
      break;
    case "interactive":
      if (interactive) {
        const { buttonReply, listReply, nfmReply } = interactive;
        if (interactive.type === "button_reply" && buttonReply) {
          return {
            type: "interactive",
            interactive: {
              type: "button_reply",
              reply: { id: buttonReply.id, title: buttonReply.title },
            },
          };
        }
        if (interactive.type === "list_reply" && listReply) {
          return {
            type: "interactive",
            interactive: {
              type: "list_reply",
              reply: {
                id: listReply.id,
                title: listReply.title,
                ...optionalField("description", listReply.description),
              },
            },
          };
        }
        if (interactive.type === "nfm_reply" && nfmReply) {
          return {
            type: "interactive",
            interactive: {
              type: "nfm_reply",
              reply: {
                responseJson: nfmReply.responseJson,
                ...optionalField("name", nfmReply.name),
                ...optionalField("body", nfmReply.body),
              },
            },
          };
        }
      }
      break;
    case "button":
      if (button) return { type: "button", button: { text: button.text, payload: button.payload } };
      break;
    case "order":
      if (order) {
        return {
          type: "order",
          order: {
            catalogId: order.catalogId,
            productItems: (order.productItems ?? []).map((item) => ({
              productRetailerId: item.productRetailerId,
              quantity: item.quantity,
              itemPrice: item.itemPrice,
              currency: item.currency,
            })),
            ...optionalField("text", order.text),
          },
        };
      }
      break;
    case "system":
      if (system) {
        return {
          type: "system",
          system: {
            body: system.body,
            type: system.type,
            ...optionalField("newWaId", system.newWaId),
            ...optionalField("waId", system.waId),
          },
        };
      }
      break;
    default:
      // `contacts` is a repeated field outside the oneof.
      if (message.type === "contacts" && (message.contacts ?? []).length > 0) {
        return { type: "contacts", contacts: message.contacts.map(contactCardFromWire) };
      }
  }
  return { type: "unknown", rawType: message.type };
}

/** An inbound message from the wire. @internal not covered by semver */
export function inboundMessageFromWire(message: WireMessage): InboundMessage {
  const { contact, context, referral } = message;
  return {
    id: message.id,
    from: message.from,
    timestamp: dateOf(message.timestamp, "message timestamp"),
    messageType: message.type,
    content: contentFromWire(message),
    errors: errorsFromWire(message.errors),
    ...(contact === null || contact === undefined
      ? {}
      : { contact: { waId: contact.waId, ...optionalField("name", contact.name) } }),
    ...(context === null || context === undefined
      ? {}
      : {
          context: {
            ...optionalField("forwarded", context.forwarded),
            ...optionalField("frequentlyForwarded", context.frequentlyForwarded),
            ...optionalField("from", context.from),
            ...optionalField("id", context.id),
            ...(context.referredProduct === null || context.referredProduct === undefined
              ? {}
              : {
                  referredProduct: {
                    catalogId: context.referredProduct.catalogId,
                    productRetailerId: context.referredProduct.productRetailerId,
                  },
                }),
          },
        }),
    ...(referral === null || referral === undefined
      ? {}
      : {
          referral: {
            sourceUrl: referral.sourceUrl,
            sourceType: referral.sourceType,
            ...optionalField("sourceId", referral.sourceId),
            ...optionalField("headline", referral.headline),
            ...optionalField("body", referral.body),
          },
        }),
  };
}

/** A status update from the wire. @internal not covered by semver */
export function statusUpdateFromWire(status: WireStatus): StatusUpdate {
  const name = statusNames[status.status];
  if (name === undefined) {
    throw new ProtocolError(
      `the server sent status update ${status.id} with status ${status.status}; this client knows sent, delivered, read, played and failed`,
    );
  }
  const { conversation, pricing } = status;
  return {
    id: status.id,
    status: name,
    timestamp: dateOf(status.timestamp, "status timestamp"),
    recipientId: status.recipientId,
    errors: errorsFromWire(status.errors),
    ...optionalField("bizOpaqueCallbackData", status.bizOpaqueCallbackData),
    ...(conversation === null || conversation === undefined
      ? {}
      : {
          conversation: {
            id: conversation.id,
            originType: conversation.originType,
            ...(conversation.expiration === null || conversation.expiration === undefined
              ? {}
              : { expiration: dateOf(conversation.expiration, "conversation expiration") }),
          },
        }),
    ...(pricing === null || pricing === undefined
      ? {}
      : {
          pricing: {
            billable: pricing.billable,
            pricingModel: pricing.pricingModel,
            type: pricing.type,
            category: pricing.category,
          },
        }),
  };
}

/** What a wire event carries, from the log (Event) or the live stream. */
export interface WireEventPayload {
  readonly message?: WireMessage | null;
  readonly status?: WireStatus | null;
}

/**
 * A WhatsApp event from a wire payload at `cursor` and `sequence`; undefined for a frame
 * with neither a message nor a status (a heartbeat).
 *
 * @internal not covered by semver
 */
export function eventFromWire(
  payload: WireEventPayload,
  cursor: string,
  sequence: number,
): WhatsAppEvent | undefined {
  if (payload.message !== null && payload.message !== undefined) {
    return { type: "message", cursor, sequence, message: inboundMessageFromWire(payload.message) };
  }
  if (payload.status !== null && payload.status !== undefined) {
    return { type: "status", cursor, sequence, status: statusUpdateFromWire(payload.status) };
  }
  return undefined;
}
