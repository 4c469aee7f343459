import {
  type TextFormatRecord,
  type TextFormatType,
  textFormatTypes,
} from "./repositories/message-repository.js";

const knownTypes: ReadonlySet<string> = new Set(textFormatTypes);

function isTextFormatType(value: string): value is TextFormatType {
  return knownTypes.has(value);
}

/** The stored form of a message's formatting (either engine): JSON text, or null for none. */
export function formattingColumn(records: readonly TextFormatRecord[]): string | null {
  return records.length === 0 ? null : JSON.stringify(records);
}

function isRecordShape(value: unknown): value is TextFormatRecord {
  if (typeof value !== "object" || value === null) return false;
  const type: unknown = Reflect.get(value, "type");
  const start: unknown = Reflect.get(value, "start");
  const length: unknown = Reflect.get(value, "length");
  const effectName: unknown = Reflect.get(value, "effectName");
  return (
    typeof type === "string" &&
    isTextFormatType(type) &&
    typeof start === "number" &&
    typeof length === "number" &&
    (effectName === null || typeof effectName === "string")
  );
}

/** Reads {@link formattingColumn} back; throws when the stored value is not ours. */
export function formattingFromColumn(value: string | null): TextFormatRecord[] {
  if (value === null) return [];
  const parsed: unknown = JSON.parse(value);
  if (!Array.isArray(parsed) || !parsed.every(isRecordShape)) {
    throw new Error("a message's stored formatting is not a list of formatting ranges");
  }
  return parsed;
}
