/** A webhook body that parsed as JSON but does not have Meta's documented shape. */
export class WebhookShapeError extends Error {
  override readonly name = "WebhookShapeError";
}

/** A JSON object from a webhook, read field by field with the path kept for errors. */
export interface JsonObject {
  readonly path: string;
  /** The raw value of `key` (undefined when absent or null). */
  raw(key: string): unknown;
  /** A string field; numbers are accepted and turned into text (Meta mixes both). */
  string(key: string): string | undefined;
  /** A string field that must be present. */
  requiredString(key: string): string;
  number(key: string): number | undefined;
  boolean(key: string): boolean | undefined;
  object(key: string): JsonObject | undefined;
  /** An array of objects; absent means empty. */
  objects(key: string): JsonObject[];
}

function describe(value: unknown): string {
  if (Array.isArray(value)) return "an array";
  if (value === null) return "null";
  return `a ${typeof value}`;
}

/** Wraps a parsed JSON value that must be an object. Throws {@link WebhookShapeError}. */
export function jsonObject(value: unknown, path: string): JsonObject {
  if (typeof value !== "object" || value === null || Array.isArray(value)) {
    throw new WebhookShapeError(`${path} must be an object; received ${describe(value)}`);
  }
  const record = value as Readonly<Record<string, unknown>>;
  const raw = (key: string): unknown => {
    const field = Object.hasOwn(record, key) ? record[key] : undefined;
    return field === null ? undefined : field;
  };
  const reader: JsonObject = {
    path,
    raw,
    string(key) {
      const field = raw(key);
      if (field === undefined) return undefined;
      if (typeof field === "string") return field;
      if (typeof field === "number" && Number.isFinite(field)) return String(field);
      throw new WebhookShapeError(`${path}.${key} must be a string; received ${describe(field)}`);
    },
    requiredString(key) {
      const field = reader.string(key);
      if (field === undefined || field.length === 0) {
        throw new WebhookShapeError(`${path}.${key} is required and must be a non-empty string`);
      }
      return field;
    },
    number(key) {
      const field = raw(key);
      if (field === undefined) return undefined;
      const number = typeof field === "string" && field.trim() !== "" ? Number(field) : field;
      if (typeof number === "number" && Number.isFinite(number)) return number;
      throw new WebhookShapeError(`${path}.${key} must be a number; received ${describe(field)}`);
    },
    boolean(key) {
      const field = raw(key);
      if (field === undefined) return undefined;
      if (typeof field === "boolean") return field;
      throw new WebhookShapeError(
        `${path}.${key} must be true or false; received ${describe(field)}`,
      );
    },
    object(key) {
      const field = raw(key);
      return field === undefined ? undefined : jsonObject(field, `${path}.${key}`);
    },
    objects(key) {
      const field = raw(key);
      if (field === undefined) return [];
      if (!Array.isArray(field)) {
        throw new WebhookShapeError(`${path}.${key} must be an array; received ${describe(field)}`);
      }
      return field.map((item, index) => jsonObject(item, `${path}.${key}[${index}]`));
    },
  };
  return reader;
}
