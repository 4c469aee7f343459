import {
  invalidArgument,
  isMessageEffect,
  type MessageEffect,
  messageEffectNames,
} from "@threadline/core";

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
 * `setTyping` takes a real boolean: a truthy string such as "false" would otherwise
 * show the indicator.
 *
 * @internal not covered by semver
 */
export function checkBoolean(field: string, value: unknown): boolean {
  if (typeof value !== "boolean") {
    throw invalidArgument(field, "true (show typing) or false (hide typing)", value);
  }
  return value;
}

/**
 * Background image bytes: a non-empty Uint8Array (a Node Buffer is one).
 *
 * @internal not covered by semver
 */
export function checkImageBytes(field: string, value: unknown): Uint8Array {
  if (!(value instanceof Uint8Array)) {
    throw invalidArgument(
      field,
      "the image bytes as a Uint8Array or Buffer (JPEG, PNG, HEIC or HEIF)",
      value,
    );
  }
  if (value.byteLength === 0) {
    throw invalidArgument(
      field,
      "the bytes of a JPEG, PNG, HEIC or HEIF image",
      value,
      "must not be empty",
    );
  }
  return value;
}

/**
 * The opening message text: non-empty, so an empty bubble is never sent.
 *
 * @internal not covered by semver
 */
export function checkMessageText(field: string, value: unknown): string | undefined {
  if (value === undefined) return undefined;
  if (typeof value !== "string" || value.trim() === "") {
    throw invalidArgument(
      field,
      "non-empty text, or omitted to create the chat without a message",
      value,
    );
  }
  return value;
}

/**
 * An effect is one of {@link MessageEffect} and only allowed with a message.
 *
 * @internal not covered by semver
 */
export function checkEffect(
  field: string,
  value: unknown,
  hasMessage: boolean,
): MessageEffect | undefined {
  if (value === undefined) return undefined;
  if (!isMessageEffect(value)) {
    throw invalidArgument(field, `one of ${messageEffectNames}`, value);
  }
  if (!hasMessage) {
    throw invalidArgument(
      field,
      "an effect only together with options.message",
      value,
      "applies to the opening message, so it is only allowed together with options.message",
    );
  }
  return value;
}

/**
 * An optional boolean flag such as `includeArchived`.
 *
 * @internal not covered by semver
 */
export function checkOptionalBoolean(field: string, value: unknown): boolean | undefined {
  if (value === undefined) return undefined;
  if (typeof value !== "boolean") {
    throw invalidArgument(field, "true, false or omitted", value);
  }
  return value;
}
