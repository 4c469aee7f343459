import fc from "fast-check";
import protobuf from "protobufjs";

// 64-bit values the wire must carry exactly: small, around 2^32 and right up to 2^53-1.
const edgeUnsigned = [0, 1, 2 ** 31, 2 ** 32 - 1, 2 ** 32, 2 ** 53 - 2, 2 ** 53 - 1];
const uint64 = fc.oneof(fc.constantFrom(...edgeUnsigned), fc.maxSafeNat());
const int64 = fc.oneof(
  fc.constantFrom(...edgeUnsigned, ...edgeUnsigned.map((value) => -value)),
  fc.maxSafeInteger(),
);
const text = fc.string({ unit: "grapheme", maxLength: 12 });

function scalar(field: protobuf.Field): fc.Arbitrary<unknown> {
  if (field.resolvedType instanceof protobuf.Enum) {
    return fc.constantFrom(...Object.values(field.resolvedType.values));
  }
  switch (field.type) {
    case "string":
      return text;
    case "bool":
      return fc.boolean();
    case "bytes":
      return fc.uint8Array({ maxLength: 12 });
    case "int32":
    case "sint32":
    case "sfixed32":
      return fc.integer();
    case "uint32":
    case "fixed32":
      return fc.nat({ max: 0xffffffff });
    case "int64":
    case "sint64":
    case "sfixed64":
      return int64;
    case "uint64":
    case "fixed64":
      return uint64;
    case "double":
      // -0 and NaN have no single JSON-ish representation to compare; everything else must survive.
      return fc.double({ noNaN: true }).map((value) => (Object.is(value, -0) ? 0 : value));
    case "float":
      return fc
        .float({ noNaN: true })
        .map((value) => Math.fround(Object.is(value, -0) ? 0 : value));
    default:
      throw new Error(`no arbitrary for field type ${field.type}`);
  }
}

function fieldValue(field: protobuf.Field, depth: number): fc.Arbitrary<unknown> {
  const single =
    field.resolvedType instanceof protobuf.Type
      ? messageArbitrary(field.resolvedType, depth + 1)
      : scalar(field);
  return field.repeated ? fc.array(single, { maxLength: 3 }) : single;
}

/**
 * An arbitrary plain object for a message type, driven by its reflection: every field
 * kind, oneof cases chosen at random (or none), proto3 `optional` fields present or
 * absent, repeated fields of 0-3 elements. Nesting stops after a few levels.
 */
export function messageArbitrary(
  type: protobuf.Type,
  depth = 0,
): fc.Arbitrary<Record<string, unknown>> {
  if (depth > 3) return fc.constant({});
  const parts: fc.Arbitrary<Record<string, unknown>>[] = [];
  for (const field of type.fieldsArray) {
    if (field.partOf && !isSyntheticOneof(field.partOf)) continue;
    const value = fieldValue(field, depth);
    parts.push(
      field.partOf || field.resolvedType instanceof protobuf.Type
        ? fc
            .option(value, { nil: undefined })
            .map((v) => (v === undefined ? {} : { [field.name]: v }))
        : value.map((v) => ({ [field.name]: v })),
    );
  }
  for (const oneof of type.oneofsArray) {
    if (isSyntheticOneof(oneof)) continue;
    const choices = oneof.fieldsArray.map((field) =>
      fieldValue(field, depth).map((v) => ({ [field.name]: v })),
    );
    parts.push(fc.oneof(fc.constant({}), ...choices));
  }
  if (parts.length === 0) return fc.constant({});
  return fc.tuple(...parts).map((objects) => Object.assign({}, ...objects));
}

/** proto3 `optional` fields live in a synthetic oneof named `_<field>` with one member. */
export function isSyntheticOneof(oneof: protobuf.OneOf): boolean {
  return oneof.fieldsArray.length === 1 && oneof.name === `_${oneof.fieldsArray[0]?.name}`;
}
