import {
  type ClientContext,
  invalidArgument,
  type Message,
  messageFromWire,
  ProtocolError,
  type ResourceWriteOptions,
  resourceWriteSettings,
} from "@threadline/core";
import { MessageServiceDefinition, type photon } from "@threadline/protocol";
import { checkOptionalFlag, checkOptionsObject } from "./argument-checks.js";

/**
 * What a mini-app card shows (Apple's `MSMessageTemplateLayout`): `caption` and
 * `subcaption` on the left, `trailingCaption` and `trailingSubcaption` on the right,
 * `imageTitle` and `imageSubtitle` over `image`. At least one of the captions or
 * `image` must be set; `image` and `imageTitle` go together; `imageSubtitle` needs
 * `image`.
 */
export interface MiniAppLayout {
  readonly caption?: string;
  /** A JPEG picture, at most 10 MiB. */
  readonly image?: Uint8Array;
  readonly imageSubtitle?: string;
  readonly imageTitle?: string;
  readonly subcaption?: string;
  /** Fallback text where the card cannot be shown. */
  readonly summary?: string;
  readonly trailingCaption?: string;
  readonly trailingSubcaption?: string;
}

/** A card backed by your own iMessage extension. */
export interface CustomizedMiniAppMessage {
  /** The app's display name. */
  readonly appName: string;
  /** The app's App Store id, a positive integer. */
  readonly appStoreId?: number;
  /** The bundle id of the iMessage extension (dot-separated, no `:`). */
  readonly extensionBundleId: string;
  readonly layout: MiniAppLayout;
  /** Show the extension's live UI where installed; default false. */
  readonly live?: boolean;
  /** The Apple Team ID: 10 upper-case letters or digits. */
  readonly teamId: string;
  /** Absolute http(s) URL the recipient's extension receives when the card is opened. */
  readonly url: string;
}

/** The handle of a card; pass the latest one unchanged to `updateCustomizedMiniApp`. */
export interface MiniAppCardSession {
  readonly chatGuid: string;
  readonly messageGuid: string;
  readonly sessionId: string;
  readonly targetMessageGuid: string;
}

/** A card message together with the session that updates it. */
export type MiniAppMessageResult = Message & { readonly miniAppCardSession: MiniAppCardSession };

/** Longest text of one layout slot. */
export const maxMiniAppSlotLength = 1_000;
/** Largest card image, in bytes (10 MiB). */
export const maxMiniAppImageBytes = 10 * 1024 * 1024;

/** The mini-app card sends of `im.messages`. */
export interface MiniAppCardMethods {
  /**
   * Sends a card of your iMessage extension to a chat; everyone gets `message.received`
   * with `content.miniApp`. Keep `miniAppCardSession` to update the card later.
   *
   * @throws ValidationError for a malformed chat GUID, Team ID, bundle id, URL, App Store
   * id or layout (see {@link MiniAppLayout}).
   */
  sendCustomizedMiniApp(
    chat: string,
    message: CustomizedMiniAppMessage,
    options?: ResourceWriteOptions,
  ): Promise<MiniAppMessageResult>;
  /**
   * Replaces what a card you sent shows, in place (same message and session); everyone
   * gets `message.edited` with the new content. The card keeps its Team ID and bundle id.
   *
   * @throws ValidationError as `sendCustomizedMiniApp` does and for a malformed session;
   * NotFoundError for an unknown session.
   */
  updateCustomizedMiniApp(
    session: MiniAppCardSession,
    message: CustomizedMiniAppMessage,
    options?: ResourceWriteOptions,
  ): Promise<MiniAppMessageResult>;
}

function requireString(field: string, value: unknown, allowed: string): string {
  if (typeof value !== "string" || value.trim() === "")
    throw invalidArgument(field, allowed, value);
  return value;
}

function optionalSlot(field: string, value: unknown): string | undefined {
  if (value === undefined) return undefined;
  if (typeof value !== "string" || value.length > maxMiniAppSlotLength) {
    throw invalidArgument(
      field,
      `a string of at most ${maxMiniAppSlotLength} characters, or omitted`,
      value,
    );
  }
  return value === "" ? undefined : value;
}

function checkImage(value: unknown): Uint8Array | undefined {
  if (value === undefined) return undefined;
  if (!(value instanceof Uint8Array)) {
    throw invalidArgument(
      "message.layout.image",
      "the bytes of a JPEG (a Uint8Array), or omitted",
      value,
    );
  }
  if (value.length === 0) return undefined;
  if (value.length > maxMiniAppImageBytes) {
    throw invalidArgument(
      "message.layout.image",
      `a JPEG of at most ${maxMiniAppImageBytes} bytes (10 MiB)`,
      `${value.length} bytes`,
    );
  }
  if (value[0] !== 0xff || value[1] !== 0xd8 || value[2] !== 0xff) {
    throw invalidArgument(
      "message.layout.image",
      "the bytes of a JPEG (they start with FF D8 FF)",
      "bytes of another type",
    );
  }
  return value;
}

function checkLayout(value: unknown): photon.imessage.v1.MiniAppLayout.$Properties {
  if (typeof value !== "object" || value === null || Array.isArray(value)) {
    throw invalidArgument("message.layout", "an object with at least a caption or an image", value);
  }
  const slot = (name: string) => optionalSlot(`message.layout.${name}`, Reflect.get(value, name));
  const layout = {
    caption: slot("caption"),
    subcaption: slot("subcaption"),
    trailingCaption: slot("trailingCaption"),
    trailingSubcaption: slot("trailingSubcaption"),
    imageTitle: slot("imageTitle"),
    imageSubtitle: slot("imageSubtitle"),
    summary: slot("summary"),
    image: checkImage(Reflect.get(value, "image")),
  };
  if (
    layout.caption === undefined &&
    layout.subcaption === undefined &&
    layout.trailingCaption === undefined &&
    layout.trailingSubcaption === undefined &&
    layout.image === undefined
  ) {
    throw invalidArgument(
      "message.layout",
      "at least one of caption, subcaption, trailingCaption, trailingSubcaption or image (an empty card is a blank bubble)",
      value,
    );
  }
  if ((layout.image === undefined) !== (layout.imageTitle === undefined)) {
    const field = layout.image === undefined ? "message.layout.imageTitle" : "message.layout.image";
    throw invalidArgument(
      layout.image === undefined ? "message.layout.image" : "message.layout.imageTitle",
      "image and imageTitle together, or neither",
      undefined,
      `is missing while ${field} is set`,
    );
  }
  if (layout.imageSubtitle !== undefined && layout.image === undefined) {
    throw invalidArgument(
      "message.layout.imageSubtitle",
      "an imageSubtitle only together with an image",
      layout.imageSubtitle,
      "is set without message.layout.image",
    );
  }
  return Object.fromEntries(Object.entries(layout).filter(([, each]) => each !== undefined));
}

/** The wire fields of a card send or update, checked before any network call. */
function cardFields(message: unknown) {
  if (typeof message !== "object" || message === null || Array.isArray(message)) {
    throw invalidArgument(
      "message",
      "an object { teamId, extensionBundleId, appName, url, layout, appStoreId?, live? }",
      message,
    );
  }
  const teamId: unknown = Reflect.get(message, "teamId");
  if (typeof teamId !== "string" || !/^[A-Z0-9]{10}$/.test(teamId)) {
    throw invalidArgument(
      "message.teamId",
      "an Apple Team ID: 10 upper-case letters or digits",
      teamId,
    );
  }
  const bundleId: unknown = Reflect.get(message, "extensionBundleId");
  if (
    typeof bundleId !== "string" ||
    bundleId.length > 255 ||
    !/^[A-Za-z0-9-]+(\.[A-Za-z0-9-]+)+$/.test(bundleId)
  ) {
    throw invalidArgument(
      "message.extensionBundleId",
      "a bundle identifier such as com.example.app.extension (dot-separated, no ':')",
      bundleId,
    );
  }
  const appName = requireString(
    "message.appName",
    Reflect.get(message, "appName"),
    "the app's display name",
  );
  const url = requireString(
    "message.url",
    Reflect.get(message, "url"),
    "an absolute http or https URL",
  );
  let parsed: URL | undefined;
  try {
    parsed = new URL(url);
  } catch {
    parsed = undefined;
  }
  if (parsed === undefined || (parsed.protocol !== "http:" && parsed.protocol !== "https:")) {
    throw invalidArgument("message.url", "an absolute http or https URL", url);
  }
  const appStoreId: unknown = Reflect.get(message, "appStoreId");
  if (
    appStoreId !== undefined &&
    (typeof appStoreId !== "number" || !Number.isSafeInteger(appStoreId) || appStoreId <= 0)
  ) {
    throw invalidArgument("message.appStoreId", "a positive integer, or omitted", appStoreId);
  }
  const live = checkOptionalFlag("message.live", Reflect.get(message, "live"));
  return {
    teamId,
    extensionBundleId: bundleId,
    appName,
    url,
    layout: checkLayout(Reflect.get(message, "layout")),
    ...(typeof appStoreId === "number" ? { appStoreId } : {}),
    live: live ?? false,
  };
}

function checkSession(value: unknown): MiniAppCardSession {
  if (typeof value !== "object" || value === null || Array.isArray(value)) {
    throw invalidArgument(
      "session",
      "the miniAppCardSession of the send or the latest update, unchanged",
      value,
    );
  }
  const part = (name: keyof MiniAppCardSession) =>
    requireString(
      `session.${name}`,
      Reflect.get(value, name),
      "the miniAppCardSession of the send or the latest update, unchanged",
    );
  return {
    chatGuid: part("chatGuid"),
    messageGuid: part("messageGuid"),
    sessionId: part("sessionId"),
    targetMessageGuid: part("targetMessageGuid"),
  };
}

function resultFrom(
  response: photon.imessage.v1.MessageResponse,
  call: string,
): MiniAppMessageResult {
  const session = response.miniAppCardSession;
  if (
    response.message === null ||
    response.message === undefined ||
    session === null ||
    session === undefined
  ) {
    throw new ProtocolError(
      `the server's ${call} response has no message or card session, which a conforming server always sends`,
      { context: { field: response.message ? "mini_app_card_session" : "message" } },
    );
  }
  return {
    ...messageFromWire(response.message),
    miniAppCardSession: {
      chatGuid: session.chatGuid ?? "",
      messageGuid: session.messageGuid ?? "",
      sessionId: session.sessionId ?? "",
      targetMessageGuid: session.targetMessageGuid ?? "",
    },
  };
}

/**
 * The mini-app card sends, for {@link createMessagesResource}.
 *
 * @internal not covered by semver
 */
export function createMiniAppCards(
  context: ClientContext,
  chatGuid: (field: string, value: unknown) => string,
): MiniAppCardMethods {
  return {
    async sendCustomizedMiniApp(chat, message, options) {
      const guid = chatGuid("chat", chat);
      const fields = cardFields(message);
      checkOptionsObject("options", options);
      const { clientMessageId, settings } = resourceWriteSettings("options", options);
      const response = await context.unary(
        MessageServiceDefinition.sendCustomizedMiniAppMessage,
        {
          chatGuid: guid,
          ...fields,
          ...(clientMessageId !== undefined ? { clientMessageId } : {}),
        },
        { ...settings, operation: "messages.sendCustomizedMiniApp()" },
      );
      return resultFrom(response, "SendCustomizedMiniAppMessage");
    },

    async updateCustomizedMiniApp(session, message, options) {
      const wireSession = checkSession(session);
      chatGuid("session.chatGuid", wireSession.chatGuid);
      const fields = cardFields(message);
      checkOptionsObject("options", options);
      const { clientMessageId, settings } = resourceWriteSettings("options", options);
      const response = await context.unary(
        MessageServiceDefinition.updateCustomizedMiniAppMessage,
        {
          session: wireSession,
          ...fields,
          ...(clientMessageId !== undefined ? { clientMessageId } : {}),
        },
        { ...settings, operation: "messages.updateCustomizedMiniApp()" },
      );
      return resultFrom(response, "UpdateCustomizedMiniAppMessage");
    },
  };
}
