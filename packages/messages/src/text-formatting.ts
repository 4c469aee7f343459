import { invalidArgument } from "@threadline/core";
import type { photon } from "@threadline/protocol";
import { isTextEffect, TextEffect } from "./text-effect.js";

/** Most formatting ranges a Threadline server accepts on one message. */
export const maxFormattingRanges = 256;

const styles = ["bold", "italic", "underline", "strikethrough", "effect"] as const;
type Style = (typeof styles)[number];
const knownStyles: ReadonlySet<string> = new Set(styles);
const effectNames = Object.values(TextEffect).join(", ");

function isStyle(value: unknown): value is Style {
  return typeof value === "string" && knownStyles.has(value);
}

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === "object" && value !== null && !Array.isArray(value);
}

function isHighSurrogate(code: number): boolean {
  return code >= 0xd800 && code <= 0xdbff;
}

function isLowSurrogate(code: number): boolean {
  return code >= 0xdc00 && code <= 0xdfff;
}

// A range edge between the halves of a surrogate pair would cut an emoji in two.
function splitsCharacter(text: string, index: number): boolean {
  return (
    index > 0 &&
    index < text.length &&
    isHighSurrogate(text.charCodeAt(index - 1)) &&
    isLowSurrogate(text.charCodeAt(index))
  );
}

interface CheckedRange {
  readonly style: Style;
  readonly start: number;
  readonly length: number;
  readonly effect: string | undefined;
}

function checkRange(field: string, value: unknown, text: string): CheckedRange {
  if (!isRecord(value)) {
    throw invalidArgument(
      field,
      "a range { type, start, length } (and effect for type effect)",
      value,
    );
  }
  const style = value.type;
  if (!isStyle(style)) {
    throw invalidArgument(`${field}.type`, `one of ${styles.join(", ")}`, style);
  }
  const start = value.start;
  if (typeof start !== "number" || !Number.isSafeInteger(start) || start < 0) {
    throw invalidArgument(`${field}.start`, "a non-negative integer (UTF-16 units)", start);
  }
  const length = value.length;
  if (typeof length !== "number" || !Number.isSafeInteger(length) || length < 1) {
    throw invalidArgument(`${field}.length`, "a positive integer (UTF-16 units)", length);
  }
  if (start + length > text.length) {
    throw invalidArgument(
      field,
      `a range inside the ${text.length}-unit text`,
      value,
      `ends at ${start + length}, past the end of the text`,
    );
  }
  if (splitsCharacter(text, start) || splitsCharacter(text, start + length)) {
    throw invalidArgument(
      field,
      "a range that starts and ends between whole characters",
      value,
      "cuts a surrogate pair (an emoji, say) in two",
    );
  }
  const effect = value.effect;
  if (style === "effect") {
    if (!isTextEffect(effect)) {
      throw invalidArgument(`${field}.effect`, `one of ${effectNames} (TextEffect.*)`, effect);
    }
    return { style, start, length, effect };
  }
  if (effect !== undefined) {
    throw invalidArgument(
      `${field}.effect`,
      "omitted: only a range of type effect carries an effect",
      effect,
    );
  }
  return { style, start, length, effect: undefined };
}

/**
 * Checks `options.formatting` against the text and returns the wire ranges: an array
 * of at most {@link maxFormattingRanges} ranges, each of a known style, inside the text,
 * not cutting a character in two, with an effect exactly for type `effect`, and no two
 * ranges of one style overlapping.
 *
 * @throws ValidationError naming the range.
 * @internal not covered by semver
 */
export function checkFormatting(
  field: string,
  value: unknown,
  text: string,
): photon.imessage.v1.TextFormat.$Properties[] {
  if (value === undefined) return [];
  if (!Array.isArray(value)) {
    throw invalidArgument(field, "an array of formatting ranges, or omitted", value);
  }
  if (value.length > maxFormattingRanges) {
    throw invalidArgument(field, `at most ${maxFormattingRanges} ranges`, value);
  }
  const ranges = value.map((range: unknown, index) =>
    checkRange(`${field}[${index}]`, range, text),
  );
  const ends = new Map<Style, { end: number; index: number }[]>();
  ranges.forEach((range, index) => {
    const list = ends.get(range.style) ?? [];
    for (const other of list) {
      const otherRange = ranges[other.index];
      if (otherRange === undefined) continue;
      if (range.start < other.end && otherRange.start < range.start + range.length) {
        throw invalidArgument(
          `${field}[${index}]`,
          "ranges of one style that do not overlap (merge them into one)",
          value[index],
          `overlaps ${field}[${other.index}], also ${range.style}`,
        );
      }
    }
    list.push({ end: range.start + range.length, index });
    ends.set(range.style, list);
  });
  return ranges.map((range) => ({
    type: range.style,
    start: range.start,
    length: range.length,
    ...(range.effect !== undefined ? { effectName: range.effect } : {}),
  }));
}
