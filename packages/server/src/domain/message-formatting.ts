import type { photon } from "@threadline/protocol";
import { invalidArgument } from "../errors/common-errors.js";
import {
  type TextFormatRecord,
  type TextFormatType,
  textFormatTypes,
} from "../storage/repositories/message-repository.js";

export {
  type TextFormatRecord,
  type TextFormatType,
  textFormatTypes,
} from "../storage/repositories/message-repository.js";

/** The per-range animations (iOS 18 text effects) a range of type `effect` may name. */
export const textEffectNames = [
  "big",
  "small",
  "shake",
  "nod",
  "explode",
  "ripple",
  "bloom",
  "jitter",
] as const;

/** Most formatting ranges one message may carry. */
export const maxFormattingRanges = 256;

const knownTypes: ReadonlySet<string> = new Set(textFormatTypes);
const knownEffects: ReadonlySet<string> = new Set(textEffectNames);

function isTextFormatType(value: string): value is TextFormatType {
  return knownTypes.has(value);
}

// A range edge between the two halves of a surrogate pair would cut an emoji in two.
function splitsSurrogatePair(text: string, index: number): boolean {
  if (index <= 0 || index >= text.length) return false;
  const before = text.charCodeAt(index - 1);
  const after = text.charCodeAt(index);
  return before >= 0xd800 && before <= 0xdbff && after >= 0xdc00 && after <= 0xdfff;
}

function checkRange(
  range: photon.imessage.v1.TextFormat.$Properties,
  text: string,
  field: string,
): TextFormatRecord {
  const type = range.type ?? "";
  if (!isTextFormatType(type)) {
    throw invalidArgument(
      `${field}.type ${JSON.stringify(type.slice(0, 40))} is not a formatting style; allowed: ${textFormatTypes.join(", ")}`,
      { field: `${field}.type` },
    );
  }
  const start = range.start ?? 0;
  const length = range.length ?? 0;
  if (start < 0 || length < 1) {
    throw invalidArgument(
      `${field} must have start >= 0 and length >= 1 (UTF-16 code units); received start ${start}, length ${length}`,
      { field },
    );
  }
  if (start + length > text.length) {
    throw invalidArgument(
      `${field} (start ${start}, length ${length}) ends at ${start + length}, past the end of the ${text.length}-unit text; ranges must lie inside the text`,
      { field },
    );
  }
  if (splitsSurrogatePair(text, start) || splitsSurrogatePair(text, start + length)) {
    throw invalidArgument(
      `${field} (start ${start}, length ${length}) cuts a surrogate pair in two; a range must start and end between whole characters`,
      { field },
    );
  }
  const effectName = range.effectName ?? "";
  if (type === "effect") {
    if (!knownEffects.has(effectName)) {
      throw invalidArgument(
        `${field}.effect_name ${JSON.stringify(effectName.slice(0, 40))} is not a text effect; a range of type effect needs one of ${textEffectNames.join(", ")}`,
        { field: `${field}.effect_name` },
      );
    }
    return { type, start, length, effectName };
  }
  if (effectName !== "") {
    throw invalidArgument(
      `${field}.effect_name is only allowed with type effect; a ${type} range carries no effect`,
      { field: `${field}.effect_name` },
    );
  }
  return { type, start, length, effectName: null };
}

/**
 * Checks the formatting ranges of a text: each of a known style, inside the text, not
 * cutting a character in two, an effect name exactly for `effect`, and no two ranges of
 * the same style overlapping (one span cannot be bold twice or run two animations).
 * Returns them in the order given. Throws INVALID_ARGUMENT naming the range.
 */
export function validateFormatting(
  ranges: readonly photon.imessage.v1.TextFormat.$Properties[] | null | undefined,
  text: string,
  field = "formatting",
): TextFormatRecord[] {
  if (ranges === null || ranges === undefined || ranges.length === 0) return [];
  if (ranges.length > maxFormattingRanges) {
    throw invalidArgument(
      `${field} has ${ranges.length} ranges; at most ${maxFormattingRanges} are allowed`,
      { field },
    );
  }
  const records = ranges.map((range, index) => checkRange(range, text, `${field}[${index}]`));
  const byType = new Map<TextFormatType, { record: TextFormatRecord; index: number }[]>();
  records.forEach((record, index) => {
    const list = byType.get(record.type) ?? [];
    list.push({ record, index });
    byType.set(record.type, list);
  });
  for (const [type, list] of byType) {
    const sorted = [...list].sort((left, right) => left.record.start - right.record.start);
    for (let position = 1; position < sorted.length; position += 1) {
      const previous = sorted[position - 1];
      const current = sorted[position];
      if (previous === undefined || current === undefined) continue;
      if (current.record.start < previous.record.start + previous.record.length) {
        throw invalidArgument(
          `${field}[${previous.index}] and ${field}[${current.index}] are both ${type} and overlap; merge them into one range`,
          { field },
        );
      }
    }
  }
  return records;
}

/** The wire form of stored ranges. */
export function formattingView(
  records: readonly TextFormatRecord[],
): photon.imessage.v1.TextFormat.$Properties[] {
  return records.map((record) => ({
    type: record.type,
    start: record.start,
    length: record.length,
    ...(record.effectName === null ? {} : { effectName: record.effectName }),
  }));
}
