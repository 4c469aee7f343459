import {
  checkMessageGuid,
  invalidArgument,
  isMessageEffect,
  type MessageEffect,
  messageEffectNames,
} from "@threadline/core";
import { photon } from "@threadline/protocol";

import { checkOptionalText } from "./message-text.js";

const Kind = photon.imessage.v1.MessageReactionKind;

/**
 * Checks that an options argument is absent or a plain object.
 *
 * @internal not covered by semver
 */
export function checkOptionsObject(field: string, value: unknown): void {
  if (value === undefined) return;
  if (typeof value !== "object" || value === null || Array.isArray(value)) {
    throw invalidArgument(field, "an object or omitted", value);
  }
}

/**
 * An optional effect: one of the MessageEffect identifiers.
 *
 * @internal not covered by semver
 */
export function checkEffect(field: string, value: unknown): MessageEffect | undefined {
  if (value === undefined) return undefined;
  if (!isMessageEffect(value)) throw invalidArgument(field, `one of ${messageEffectNames}`, value);
  return value;
}

/**
 * An optional flag such as `enableLinkPreview`.
 *
 * @internal not covered by semver
 */
export function checkOptionalFlag(field: string, value: unknown): boolean | undefined {
  if (value === undefined) return undefined;
  if (typeof value !== "boolean") throw invalidArgument(field, "true, false or omitted", value);
  return value;
}

/**
 * A required boolean such as `setReaction`'s `isSet`: a truthy string would otherwise
 * add a tapback meant to be removed.
 *
 * @internal not covered by semver
 */
export function checkFlag(field: string, value: unknown, meaning: string): boolean {
  if (typeof value !== "boolean") throw invalidArgument(field, meaning, value);
  return value;
}

/**
 * An optional bubble index: a non-negative 32-bit integer.
 *
 * @internal not covered by semver
 */
export function checkPartIndex(field: string, value: unknown): number | undefined {
  if (value === undefined) return undefined;
  if (typeof value !== "number" || !Number.isInteger(value) || value < 0 || value > 0x7fffffff) {
    throw invalidArgument(
      field,
      "a bubble index: an integer from 0 (the first bubble), or omitted",
      value,
    );
  }
  return value;
}

/**
 * `replyTo`: a message GUID, or `{ guid, partIndex? }`; the wire `ReplyTarget`.
 *
 * @internal not covered by semver
 */
export function checkReplyTo(
  field: string,
  value: unknown,
): photon.imessage.v1.ReplyTarget.$Properties | undefined {
  if (value === undefined) return undefined;
  if (typeof value === "string") return { messageGuid: checkMessageGuid(field, value) };
  if (typeof value !== "object" || value === null || Array.isArray(value)) {
    throw invalidArgument(
      field,
      "a message GUID, or { guid, partIndex? } naming the message (and bubble) answered",
      value,
    );
  }
  const guid = checkMessageGuid(`${field}.guid`, Reflect.get(value, "guid"));
  const partIndex = checkPartIndex(`${field}.partIndex`, Reflect.get(value, "partIndex"));
  return { messageGuid: guid, ...(partIndex !== undefined ? { targetPartIndex: partIndex } : {}) };
}

const reactionKinds = {
  love: Kind.MESSAGE_REACTION_KIND_LOVE,
  like: Kind.MESSAGE_REACTION_KIND_LIKE,
  dislike: Kind.MESSAGE_REACTION_KIND_DISLIKE,
  laugh: Kind.MESSAGE_REACTION_KIND_LAUGH,
  emphasize: Kind.MESSAGE_REACTION_KIND_EMPHASIZE,
  question: Kind.MESSAGE_REACTION_KIND_QUESTION,
  emoji: Kind.MESSAGE_REACTION_KIND_EMOJI,
} as const;
type SettableKind = keyof typeof reactionKinds;
const settableKinds = Object.keys(reactionKinds).join(", ");

function isSettableKind(value: unknown): value is SettableKind {
  return typeof value === "string" && Object.hasOwn(reactionKinds, value);
}

/** Longest emoji a Threadline server takes for an `emoji` tapback (UTF-16 units). */
const maxEmojiLength = 16;

/**
 * A tapback `{ kind, emoji? }`: a settable kind (stickers are placed, not set); an emoji
 * exactly for kind `emoji`. Returns the wire reaction.
 *
 * @internal not covered by semver
 */
export function checkReaction(
  field: string,
  value: unknown,
): photon.imessage.v1.MessageReaction.$Properties {
  if (typeof value !== "object" || value === null || Array.isArray(value)) {
    throw invalidArgument(
      field,
      `a tapback { kind, emoji? } with kind one of ${settableKinds}`,
      value,
    );
  }
  const kind: unknown = Reflect.get(value, "kind");
  if (!isSettableKind(kind)) {
    throw invalidArgument(
      `${field}.kind`,
      `one of ${settableKinds} (stickers are placed with placeSticker, not set)`,
      kind,
    );
  }
  const emoji: unknown = Reflect.get(value, "emoji");
  if (kind === "emoji") {
    if (typeof emoji !== "string" || emoji.trim() === "" || emoji.length > maxEmojiLength) {
      throw invalidArgument(
        `${field}.emoji`,
        `one emoji (at most ${maxEmojiLength} UTF-16 units), required for kind "emoji"`,
        emoji,
      );
    }
    return { kind: reactionKinds.emoji, emoji };
  }
  if (emoji !== undefined) {
    throw invalidArgument(`${field}.emoji`, `omitted: kind "${kind}" carries no emoji`, emoji);
  }
  return { kind: reactionKinds[kind] };
}

/**
 * `backwardCompatText` of an edit: absent, or non-empty text.
 *
 * @internal not covered by semver
 */
export const checkBackwardCompatText = checkOptionalText;
