import type { photon } from "@threadline/protocol";
import { invalidArgument } from "../errors/common-errors.js";

type v1 = typeof photon.whatsapp.v1;
type Json = { [key: string]: unknown };

/** The content kinds of SendMessageRequest, in field order. */
export const sendContentKinds = [
  "text",
  "image",
  "video",
  "audio",
  "document",
  "sticker",
  "location",
  "reaction",
  "interactive",
  "template",
  "contacts",
] as const;

/** A value, or nothing when protobuf decoded it as unset (null) or empty. */
function text(value: string | null | undefined): string | undefined {
  return value === null || value === undefined || value === "" ? undefined : value;
}

/** Copies the entries of `fields` that have a value (Meta rejects explicit nulls in places). */
function json(fields: Json): Json {
  const result: Json = {};
  for (const [key, value] of Object.entries(fields)) {
    if (value !== undefined && value !== null) result[key] = value;
  }
  return result;
}

function media(
  content: InstanceType<v1["MediaContent"]>,
  kind: string,
  allowFilename: boolean,
): Json {
  const id = text(content.id);
  const link = text(content.link);
  if ((id === undefined) === (link === undefined)) {
    throw invalidArgument(
      `${kind} needs exactly one of id (an uploaded media id) or link (an https URL); received ${id === undefined ? "neither" : "both"}`,
      { field: `${kind}.id` },
    );
  }
  return json({
    id,
    link,
    caption: kind === "audio" || kind === "sticker" ? undefined : text(content.caption),
    filename: allowFilename ? text(content.filename) : undefined,
  });
}

function location(content: InstanceType<v1["LocationContent"]>): Json {
  return json({
    latitude: content.latitude,
    longitude: content.longitude,
    name: text(content.name),
    address: text(content.address),
  });
}

function parsedJson(value: string | null | undefined, field: string): unknown {
  const source = text(value);
  if (source === undefined) return undefined;
  try {
    return JSON.parse(source);
  } catch {
    throw invalidArgument(
      `${field} must be JSON text; received ${JSON.stringify(source.slice(0, 60))}`,
      {
        field,
      },
    );
  }
}

function interactive(content: InstanceType<v1["InteractiveContent"]>): Json {
  if (text(content.type) === undefined) {
    throw invalidArgument(
      "interactive.type is required (button, list, product, product_list, flow, cta_url, ...)",
      { field: "interactive.type" },
    );
  }
  const header = content.header;
  const action = content.action;
  const parameters = action?.parameters;
  return json({
    type: content.type,
    header:
      header === null
        ? undefined
        : json({
            type: header.type,
            text: text(header.text),
            image:
              header.image === null
                ? undefined
                : media(header.image, "interactive.header.image", false),
            video:
              header.video === null
                ? undefined
                : media(header.video, "interactive.header.video", false),
            document:
              header.document === null
                ? undefined
                : media(header.document, "interactive.header.document", true),
          }),
    body: content.body === null ? undefined : { text: content.body.text },
    footer: content.footer === null ? undefined : { text: content.footer.text },
    action:
      action === null
        ? undefined
        : json({
            buttons:
              action.buttons.length === 0
                ? undefined
                : action.buttons.map((button) =>
                    json({
                      type: text(button.type) ?? "reply",
                      reply:
                        button.reply === null
                          ? undefined
                          : { id: button.reply.id, title: button.reply.title },
                    }),
                  ),
            button: text(action.button),
            sections:
              action.sections.length === 0
                ? undefined
                : action.sections.map((section) =>
                    json({
                      title: text(section.title),
                      rows:
                        section.rows.length === 0
                          ? undefined
                          : section.rows.map((row) =>
                              json({
                                id: row.id,
                                title: row.title,
                                description: text(row.description),
                              }),
                            ),
                      product_items:
                        section.productItems.length === 0
                          ? undefined
                          : section.productItems.map((item) => ({
                              product_retailer_id: item.productRetailerId,
                            })),
                    }),
                  ),
            catalog_id: text(action.catalogId),
            product_retailer_id: text(action.productRetailerId),
            name: text(action.name),
            parameters:
              parameters === null
                ? undefined
                : json({
                    flow_message_version: parameters.flowMessageVersion,
                    flow_token: text(parameters.flowToken),
                    flow_id: parameters.flowId,
                    flow_cta: parameters.flowCta,
                    flow_action: text(parameters.flowAction),
                    flow_action_payload: parsedJson(
                      parameters.flowActionPayloadJson,
                      "interactive.action.parameters.flow_action_payload_json",
                    ),
                  }),
          }),
  });
}

function templateParameter(parameter: InstanceType<v1["TemplateParameter"]>): Json {
  return json({
    type: parameter.type,
    text: text(parameter.text),
    image:
      parameter.image === null
        ? undefined
        : media(parameter.image, "template.parameter.image", false),
    video:
      parameter.video === null
        ? undefined
        : media(parameter.video, "template.parameter.video", false),
    document:
      parameter.document === null
        ? undefined
        : media(parameter.document, "template.parameter.document", true),
    location: parameter.location === null ? undefined : location(parameter.location),
    payload: text(parameter.payload),
    coupon_code: text(parameter.couponCode),
    action: parsedJson(parameter.actionJson, "template.parameter.action_json"),
  });
}

function templateComponent(component: InstanceType<v1["TemplateComponent"]>): Json {
  return json({
    type: component.type,
    sub_type: text(component.subType),
    index:
      component.index === null || component.index === undefined
        ? undefined
        : String(component.index),
    parameters:
      component.parameters.length === 0 ? undefined : component.parameters.map(templateParameter),
    cards:
      component.cards.length === 0
        ? undefined
        : component.cards.map((card) => ({
            card_index: card.cardIndex,
            components: card.components.map(templateComponent),
          })),
  });
}

function contactCard(card: InstanceType<v1["ContactCard"]>): Json {
  const name = card.name;
  return json({
    name:
      name === null
        ? undefined
        : json({
            formatted_name: name.formattedName,
            first_name: text(name.firstName),
            last_name: text(name.lastName),
            middle_name: text(name.middleName),
            prefix: text(name.prefix),
            suffix: text(name.suffix),
          }),
    phones: card.phones.map((phone) =>
      json({ phone: phone.phone, type: text(phone.type), wa_id: text(phone.waId) }),
    ),
    emails: card.emails.map((email) => json({ email: email.email, type: text(email.type) })),
    addresses: card.addresses.map((address) =>
      json({
        street: text(address.street),
        city: text(address.city),
        state: text(address.state),
        zip: text(address.zip),
        country: text(address.country),
        country_code: text(address.countryCode),
        type: text(address.type),
      }),
    ),
    org:
      card.org === null
        ? undefined
        : json({
            company: text(card.org.company),
            department: text(card.org.department),
            title: text(card.org.title),
          }),
    urls: card.urls.map((url) => json({ url: url.url, type: text(url.type) })),
    birthday: text(card.birthday),
  });
}

/** The `type` and content object of the one content kind the request carries. */
function content(request: InstanceType<v1["SendMessageRequest"]>): { type: string; body: unknown } {
  const present = sendContentKinds.filter((kind) =>
    kind === "contacts"
      ? request.contacts.length > 0
      : request[kind] !== null && request[kind] !== undefined,
  );
  const kind = present[0];
  if (present.length !== 1 || kind === undefined) {
    throw invalidArgument(
      `a message needs exactly one content (${sendContentKinds.join(", ")}); received ${present.length === 0 ? "none" : present.join(" and ")}`,
      { field: "content" },
    );
  }
  switch (kind) {
    case "text": {
      const value = request.text;
      if (value === null || value.body === "") {
        throw invalidArgument("text.body must be non-empty text", { field: "text.body" });
      }
      return {
        type: kind,
        body: json({ body: value.body, preview_url: value.previewUrl ?? undefined }),
      };
    }
    case "image":
    case "video":
    case "audio":
    case "document":
    case "sticker": {
      const value = request[kind];
      if (value === null) throw invalidArgument(`${kind} is empty`, { field: kind });
      return { type: kind, body: media(value, kind, kind === "document") };
    }
    case "location": {
      const value = request.location;
      if (value === null) throw invalidArgument("location is empty", { field: kind });
      return { type: kind, body: location(value) };
    }
    case "reaction": {
      const value = request.reaction;
      if (value === null || value.messageId === "") {
        throw invalidArgument("reaction.message_id must be the wamid reacted to", {
          field: "reaction.message_id",
        });
      }
      // An empty emoji removes the reaction, as Meta documents.
      return { type: kind, body: { message_id: value.messageId, emoji: value.emoji } };
    }
    case "interactive": {
      const value = request.interactive;
      if (value === null) throw invalidArgument("interactive is empty", { field: kind });
      return { type: kind, body: interactive(value) };
    }
    case "template": {
      const value = request.template;
      if (value === null || value.name === "" || value.languageCode === "") {
        throw invalidArgument("template.name and template.language_code are required", {
          field: "template",
        });
      }
      return {
        type: kind,
        body: json({
          name: value.name,
          language: { code: value.languageCode },
          components:
            value.components.length === 0 ? undefined : value.components.map(templateComponent),
        }),
      };
    }
    case "contacts":
      return { type: kind, body: request.contacts.map(contactCard) };
  }
}

/**
 * The Graph API JSON body of `POST /{phone_number_id}/messages` for a SendMessage
 * request, in Meta's documented shape. Throws INVALID_ARGUMENT when the request has no
 * recipient or not exactly one content.
 */
export function graphMessageBody(request: InstanceType<v1["SendMessageRequest"]>): Json {
  if (text(request.to) === undefined) {
    throw invalidArgument("to must be the recipient's phone number or WhatsApp id", {
      field: "to",
    });
  }
  const { type, body } = content(request);
  const replyTo = text(request.replyToMessageId);
  return json({
    messaging_product: "whatsapp",
    recipient_type: "individual",
    to: request.to,
    type,
    [type]: body,
    context: replyTo === undefined ? undefined : { message_id: replyTo },
    biz_opaque_callback_data: text(request.bizOpaqueCallbackData),
  });
}
