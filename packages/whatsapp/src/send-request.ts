import { invalidArgument, ValidationError } from "@threadline/core";
import type { photon } from "@threadline/protocol";
import type { ContactCard, Location, Reaction } from "./whatsapp-types.js";

/** Text content: a string, or the body with link-preview control. */
export interface TextInput {
  readonly body: string;
  readonly previewUrl?: boolean;
}

/** Media to send: an uploaded media `id` or a public `link`. */
export interface MediaInput {
  readonly caption?: string;
  readonly filename?: string;
  readonly id?: string;
  readonly link?: string;
  readonly mimeType?: string;
}

/** An interactive message's header. */
export interface InteractiveHeaderInput {
  readonly type: string;
  readonly text?: string;
  readonly image?: MediaInput;
  readonly video?: MediaInput;
  readonly document?: MediaInput;
}

/** An interactive message's action (buttons, list sections, catalog, flow). */
export interface InteractiveActionInput {
  readonly button?: string;
  readonly buttons?: readonly {
    readonly type: string;
    readonly reply: { readonly id: string; readonly title: string };
  }[];
  readonly catalogId?: string;
  readonly name?: string;
  readonly parameters?: {
    readonly flowMessageVersion: string;
    readonly flowToken: string;
    readonly flowId: string;
    readonly flowCta: string;
    readonly flowAction?: string;
    readonly flowActionPayloadJson?: string;
  };
  readonly productRetailerId?: string;
  readonly sections?: readonly {
    readonly title?: string;
    readonly rows?: readonly {
      readonly id: string;
      readonly title: string;
      readonly description?: string;
    }[];
    readonly productItems?: readonly { readonly productRetailerId: string }[];
  }[];
}

/** An interactive message (button, list, product, product_list, flow, cta_url, ...). */
export interface InteractiveInput {
  readonly type: string;
  readonly header?: InteractiveHeaderInput;
  readonly body?: string;
  readonly footer?: string;
  readonly action?: InteractiveActionInput;
}

/** One parameter of a template component. */
export interface TemplateParameterInput {
  readonly type: string;
  readonly text?: string;
  readonly image?: MediaInput;
  readonly video?: MediaInput;
  readonly document?: MediaInput;
  readonly location?: Location;
  readonly payload?: string;
  readonly couponCode?: string;
  readonly actionJson?: string;
}

/** One component of a template. */
export interface TemplateComponentInput {
  readonly type: string;
  readonly parameters?: readonly TemplateParameterInput[];
  readonly subType?: string;
  readonly index?: number;
  readonly cards?: readonly {
    readonly cardIndex: number;
    readonly components: readonly TemplateComponentInput[];
  }[];
}

/** A message template. */
export interface TemplateInput {
  readonly name: string;
  readonly languageCode: string;
  readonly components?: readonly TemplateComponentInput[];
}

/** Every content kind a message can carry, by its key. */
export interface MessageContentKinds {
  readonly text: string | TextInput;
  readonly image: MediaInput;
  readonly video: MediaInput;
  readonly audio: MediaInput;
  readonly document: MediaInput;
  readonly sticker: Pick<MediaInput, "id" | "link">;
  readonly location: Location;
  readonly contacts: readonly ContactCard[];
  readonly reaction: Reaction;
  readonly interactive: InteractiveInput;
  readonly template: TemplateInput;
}

/** The one content kind of a message: exactly one key of {@link MessageContentKinds}. */
export type MessageContent = {
  [Kind in keyof MessageContentKinds]: { readonly [Key in Kind]: MessageContentKinds[Key] } & {
    readonly [Other in Exclude<keyof MessageContentKinds, Kind>]?: never;
  };
}[keyof MessageContentKinds];

/** What `messages.send()` takes: the recipient, threading, and one content kind. */
export type SendMessageParams = {
  /** The recipient's phone number in international format (digits, optional leading +) or WhatsApp id. */
  readonly to: string;
  /** The wamid this message replies to (shown as a quoted reply). */
  readonly replyTo?: string;
  /** Echoed back on every status update of this message (at most 512 characters). */
  readonly bizOpaqueCallbackData?: string;
} & MessageContent;

/** Meta's limit on a text message body. */
export const maxTextLength = 4096;
/** Meta's limit on `biz_opaque_callback_data`. */
export const maxCallbackDataLength = 512;

const contentKinds = [
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
  "template",
] as const;

const recipientPattern = /^\+?[1-9][0-9]{6,14}$/;

/**
 * Checks a recipient: a phone number in international format (7 to 15 digits, no
 * leading 0, an optional leading +) or a WhatsApp id, which has the same shape.
 *
 * @internal not covered by semver
 */
export function checkRecipient(value: unknown): string {
  if (typeof value !== "string" || !recipientPattern.test(value)) {
    throw invalidArgument(
      "to",
      'a phone number in international format or a WhatsApp id: 7 to 15 digits with an optional leading "+", no spaces or dashes, e.g. "4915112345678"',
      value,
    );
  }
  return value;
}

/** @internal not covered by semver */
export function checkWamid(field: string, value: unknown): string {
  if (typeof value !== "string" || value.trim() === "" || value.length > 512) {
    throw invalidArgument(field, 'a message id (wamid) such as "wamid.HBgM..."', value);
  }
  return value;
}

function checkText(value: unknown): photon.whatsapp.v1.TextContent.$Properties {
  const body: unknown = typeof value === "string" ? value : Reflect.get(Object(value), "body");
  if (typeof body !== "string" || body.trim() === "") {
    throw invalidArgument("text", "a non-empty string or { body, previewUrl? }", value);
  }
  if (body.length > maxTextLength) {
    throw new ValidationError(
      `text is ${body.length} characters long; WhatsApp allows at most ${maxTextLength}`,
      { field: "text", allowed: `at most ${maxTextLength} characters`, received: body.length },
    );
  }
  const previewUrl: unknown =
    typeof value === "string" ? undefined : Reflect.get(Object(value), "previewUrl");
  if (previewUrl !== undefined && typeof previewUrl !== "boolean") {
    throw invalidArgument("text.previewUrl", "a boolean when given", previewUrl);
  }
  return previewUrl === undefined ? { body } : { body, previewUrl };
}

function checkMedia(kind: string, value: unknown): photon.whatsapp.v1.MediaContent.$Properties {
  if (typeof value !== "object" || value === null) {
    throw invalidArgument(kind, "an object like { id } or { link }", value);
  }
  const id: unknown = Reflect.get(value, "id");
  const link: unknown = Reflect.get(value, "link");
  const hasId = typeof id === "string" && id !== "";
  const hasLink = typeof link === "string" && link !== "";
  if (hasId === hasLink) {
    throw invalidArgument(
      kind,
      "an object with exactly one of id (an uploaded media id) or link (an https URL)",
      value,
    );
  }
  // Checked keys; the codec ignores anything else.
  return value as photon.whatsapp.v1.MediaContent.$Properties;
}

function checkObject(kind: string, value: unknown, allowed: string): object {
  if (typeof value !== "object" || value === null || Array.isArray(value)) {
    throw invalidArgument(kind, allowed, value);
  }
  return value;
}

/**
 * Checks a `messages.send()` argument before the network and builds the wire request:
 * the recipient, exactly one content kind, Meta's text limit, the reply and callback
 * fields. Throws ValidationError naming the field.
 *
 * @internal not covered by semver
 */
export function sendRequestFrom(
  params: unknown,
): photon.whatsapp.v1.SendMessageRequest.$Properties {
  if (typeof params !== "object" || params === null) {
    throw invalidArgument("send params", "an object like { to, text }", params);
  }
  const to = checkRecipient(Reflect.get(params, "to"));
  const present = contentKinds.filter((kind) => Reflect.get(params, kind) !== undefined);
  const [kind] = present;
  if (present.length !== 1 || kind === undefined) {
    throw new ValidationError(
      present.length === 0
        ? `a message needs one content kind: one of ${contentKinds.join(", ")}`
        : `a message has exactly one content kind; received ${present.join(" and ")}`,
      { field: "content", allowed: `exactly one of ${contentKinds.join(", ")}` },
    );
  }
  const replyTo: unknown = Reflect.get(params, "replyTo");
  const callbackData: unknown = Reflect.get(params, "bizOpaqueCallbackData");
  if (
    callbackData !== undefined &&
    (typeof callbackData !== "string" || callbackData.length > maxCallbackDataLength)
  ) {
    throw invalidArgument(
      "bizOpaqueCallbackData",
      `a string of at most ${maxCallbackDataLength} characters`,
      callbackData,
    );
  }
  const request: photon.whatsapp.v1.SendMessageRequest.$Properties = {
    to,
    ...(replyTo === undefined ? {} : { replyToMessageId: checkWamid("replyTo", replyTo) }),
    ...(callbackData === undefined ? {} : { bizOpaqueCallbackData: callbackData }),
  };
  const value: unknown = Reflect.get(params, kind);
  switch (kind) {
    case "text":
      return { ...request, text: checkText(value) };
    case "image":
    case "video":
    case "audio":
    case "document":
    case "sticker":
      return { ...request, [kind]: checkMedia(kind, value) };
    case "location": {
      const location = checkObject(kind, value, "an object like { latitude, longitude }");
      const latitude: unknown = Reflect.get(location, "latitude");
      const longitude: unknown = Reflect.get(location, "longitude");
      if (typeof latitude !== "number" || !(latitude >= -90 && latitude <= 90)) {
        throw invalidArgument("location.latitude", "a number from -90 to 90", latitude);
      }
      if (typeof longitude !== "number" || !(longitude >= -180 && longitude <= 180)) {
        throw invalidArgument("location.longitude", "a number from -180 to 180", longitude);
      }
      return { ...request, location: location as photon.whatsapp.v1.LocationContent.$Properties };
    }
    case "reaction": {
      const reaction = checkObject(kind, value, "an object like { messageId, emoji }");
      const messageId = checkWamid("reaction.messageId", Reflect.get(reaction, "messageId"));
      const emoji: unknown = Reflect.get(reaction, "emoji");
      if (typeof emoji !== "string") {
        throw invalidArgument("reaction.emoji", 'an emoji, or "" to remove the reaction', emoji);
      }
      return { ...request, reaction: { messageId, emoji } };
    }
    case "contacts": {
      if (!Array.isArray(value) || value.length === 0) {
        throw invalidArgument("contacts", "a non-empty array of contact cards", value);
      }
      return { ...request, contacts: value as photon.whatsapp.v1.ContactCard.$Properties[] };
    }
    case "interactive": {
      const interactive = checkObject(kind, value, "an object like { type, body, action }");
      const type: unknown = Reflect.get(interactive, "type");
      if (typeof type !== "string" || type === "") {
        throw invalidArgument("interactive.type", 'a type such as "button" or "list"', type);
      }
      const body: unknown = Reflect.get(interactive, "body");
      const footer: unknown = Reflect.get(interactive, "footer");
      const header: unknown = Reflect.get(interactive, "header");
      const action: unknown = Reflect.get(interactive, "action");
      return {
        ...request,
        interactive: {
          type,
          ...(typeof body === "string" ? { body: { text: body } } : {}),
          ...(typeof footer === "string" ? { footer: { text: footer } } : {}),
          ...(header === undefined
            ? {}
            : { header: header as photon.whatsapp.v1.InteractiveHeader.$Properties }),
          ...(action === undefined
            ? {}
            : { action: action as photon.whatsapp.v1.InteractiveAction.$Properties }),
        },
      };
    }
    case "template": {
      const template = checkObject(kind, value, "an object like { name, languageCode }");
      const name: unknown = Reflect.get(template, "name");
      const languageCode: unknown = Reflect.get(template, "languageCode");
      if (typeof name !== "string" || name === "") {
        throw invalidArgument("template.name", "the approved template's name", name);
      }
      if (typeof languageCode !== "string" || languageCode === "") {
        throw invalidArgument(
          "template.languageCode",
          'a language code such as "en_US"',
          languageCode,
        );
      }
      return { ...request, template: template as photon.whatsapp.v1.TemplateContent.$Properties };
    }
  }
}
