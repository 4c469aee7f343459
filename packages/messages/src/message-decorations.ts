import {
  type ClientContext,
  checkMessageGuid,
  invalidArgument,
  type Message,
  messageFromWire,
  ProtocolError,
  type ResourceWriteOptions,
  resourceWriteSettings,
  type StickerPlacement,
} from "@threadline/core";
import { MessageServiceDefinition } from "@threadline/protocol";
import { checkOptionsObject, checkPartIndex } from "./argument-checks.js";
import type { MessagePartOptions } from "./message-types.js";

/** The largest sticker `scale` a Threadline server accepts. */
export const maxStickerScale = 10;

/** Sticker placement and "notify anyway" of `im.messages`. */
export interface MessageDecorationMethods {
  /**
   * Places an uploaded image (its attachment GUID) as a sticker on a message, at
   * `placement` (normalised: `x` and `y` from 0 to 1, optional `scale` above 0 up to
   * 10, `width` above 0 up to 1, `rotation` in radians from -2π to 2π). Everyone in the
   * chat gets `message.stickerPlaced`; returns the message with its `placedStickers`.
   *
   * @throws ValidationError for malformed GUIDs or a placement outside those ranges;
   * NotFoundError for a message or sticker you cannot see.
   */
  placeSticker(
    chat: string,
    message: string,
    sticker: string,
    placement: StickerPlacement,
    options?: MessagePartOptions,
  ): Promise<Message>;
  /**
   * "Notify anyway" for one of your messages that reached recipients with notifications
   * silenced: the message then reads `didNotifyRecipient: true` for everyone. Safe to
   * repeat.
   *
   * @throws ValidationError for malformed GUIDs; from the server for someone else's or an
   * unsent message.
   */
  notifySilenced(chat: string, message: string, options?: ResourceWriteOptions): Promise<void>;
}

function coordinate(field: string, value: unknown): number {
  if (typeof value !== "number" || !Number.isFinite(value) || value < 0 || value > 1) {
    throw invalidArgument(field, "a number from 0 to 1 (normalised across the bubble)", value);
  }
  return value;
}

function optionalPositive(field: string, value: unknown, max: number): number | undefined {
  if (value === undefined) return undefined;
  if (typeof value !== "number" || !Number.isFinite(value) || value <= 0 || value > max) {
    throw invalidArgument(field, `a number above 0 and at most ${max}, or omitted`, value);
  }
  return value;
}

/**
 * Checks a sticker placement before any network call; the wire `StickerPlacement`.
 *
 * @internal not covered by semver
 */
export function checkStickerPlacement(field: string, value: unknown): StickerPlacement {
  if (typeof value !== "object" || value === null || Array.isArray(value)) {
    throw invalidArgument(field, "an object { x, y, scale?, rotation?, width? }", value);
  }
  const x = coordinate(`${field}.x`, Reflect.get(value, "x"));
  const y = coordinate(`${field}.y`, Reflect.get(value, "y"));
  const scale = optionalPositive(`${field}.scale`, Reflect.get(value, "scale"), maxStickerScale);
  const width = optionalPositive(`${field}.width`, Reflect.get(value, "width"), 1);
  const rotation: unknown = Reflect.get(value, "rotation");
  if (
    rotation !== undefined &&
    (typeof rotation !== "number" || !Number.isFinite(rotation) || Math.abs(rotation) > 2 * Math.PI)
  ) {
    throw invalidArgument(
      `${field}.rotation`,
      "an angle in radians from -2π to 2π, or omitted",
      rotation,
    );
  }
  return {
    x,
    y,
    ...(scale !== undefined ? { scale } : {}),
    ...(typeof rotation === "number" ? { rotation } : {}),
    ...(width !== undefined ? { width } : {}),
  };
}

/**
 * Sticker placement and "notify anyway", for {@link createMessagesResource}.
 *
 * @internal not covered by semver
 */
export function createMessageDecorations(
  context: ClientContext,
  chatGuid: (field: string, value: unknown) => string,
): MessageDecorationMethods {
  return {
    async placeSticker(chat, message, sticker, placement, options) {
      checkOptionsObject("options", options);
      const partIndex = checkPartIndex("options.partIndex", options?.partIndex);
      const target = {
        chatGuid: chatGuid("chat", chat),
        messageGuid: checkMessageGuid("message", message),
        ...(partIndex !== undefined ? { targetPartIndex: partIndex } : {}),
      };
      const attachmentGuid = checkMessageGuid(
        "sticker",
        sticker,
        "an attachment GUID",
        "attachment.guid from im.attachments.upload()",
      );
      const wirePlacement = checkStickerPlacement("placement", placement);
      const { clientMessageId, settings } = resourceWriteSettings("options", options);
      const response = await context.unary(
        MessageServiceDefinition.placeSticker,
        {
          target,
          sticker: { attachmentGuid },
          placement: wirePlacement,
          ...(clientMessageId !== undefined ? { clientMessageId } : {}),
        },
        { ...settings, operation: "messages.placeSticker()" },
      );
      if (response.message === null || response.message === undefined) {
        throw new ProtocolError(
          "the server's PlaceSticker response has no message, which a conforming server always sends",
          { context: { field: "message" } },
        );
      }
      return messageFromWire(response.message);
    },

    async notifySilenced(chat, message, options) {
      const guid = chatGuid("chat", chat);
      const messageGuid = checkMessageGuid("message", message);
      const { clientMessageId, settings } = resourceWriteSettings("options", options);
      await context.unary(
        MessageServiceDefinition.notifySilencedMessage,
        {
          chatGuid: guid,
          messageGuid,
          ...(clientMessageId !== undefined ? { clientMessageId } : {}),
        },
        { ...settings, operation: "messages.notifySilenced()" },
      );
    },
  };
}
