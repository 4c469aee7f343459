import { google, timestampFromDate } from "@threadline/protocol";

const lengthDelimited = 2;

// The last field encoded: every event of a group commit shares one clock reading, so
// a batch encodes its timestamp once instead of once per event.
let lastField: { readonly fieldNumber: number; readonly millis: number; bytes: Uint8Array } = {
  fieldNumber: 0,
  millis: Number.NaN,
  bytes: new Uint8Array(0),
};

/**
 * The complete protobuf field (tag, length, `google.protobuf.Timestamp` body) that sets
 * message field `fieldNumber` to `date`. Throws RangeError for a date a Timestamp cannot hold.
 */
export function encodeOccurredAtField(fieldNumber: number, date: Date): Uint8Array {
  const millis = date.getTime();
  if (lastField.fieldNumber === fieldNumber && lastField.millis === millis) return lastField.bytes;
  const body = google.protobuf.Timestamp.encode(timestampFromDate(date)).finish();
  // A Timestamp body is at most 17 bytes, so its length is a one-byte varint; the field
  // numbers used here are below 16, so the tag is one byte too.
  const bytes = new Uint8Array(2 + body.length);
  bytes[0] = (fieldNumber << 3) | lengthDelimited;
  bytes[1] = body.length;
  bytes.set(body, 2);
  lastField = { fieldNumber, millis, bytes };
  return bytes;
}

/** Offset just past the length-delimited field `fieldNumber` at `offset`, or undefined if another field is there. */
function skipLengthDelimited(
  bytes: Uint8Array,
  offset: number,
  fieldNumber: number,
): number | undefined {
  if (bytes[offset] !== ((fieldNumber << 3) | lengthDelimited)) return undefined;
  let position = offset + 1;
  let length = 0;
  for (let shift = 0; shift < 35; shift += 7) {
    const byte = bytes[position];
    if (byte === undefined) return undefined;
    position += 1;
    length += (byte & 0x7f) * 2 ** shift;
    if (byte < 0x80) {
      const end = position + length;
      return end <= bytes.length ? end : undefined;
    }
  }
  return undefined;
}

/**
 * Inserts `field` into an encoded message right after its leading length-delimited
 * fields `1..leadingFields`, which is where an encoder writing fields in number order
 * (as protobufjs does) would have put it. The result is byte for byte what encoding the
 * message with that field set gives. Returns undefined when the message does not start
 * with exactly those fields, so the caller can encode the slow way.
 */
export function insertAfterLeadingFields(
  message: Uint8Array,
  leadingFields: number,
  field: Uint8Array,
): Uint8Array | undefined {
  let offset = 0;
  for (let fieldNumber = 1; fieldNumber <= leadingFields; fieldNumber += 1) {
    const next = skipLengthDelimited(message, offset, fieldNumber);
    if (next === undefined) return undefined;
    offset = next;
  }
  // A Buffer, like the encoder's own output, so the payload type does not depend on the path.
  const combined = Buffer.allocUnsafe(message.length + field.length);
  combined.set(message.subarray(0, offset), 0);
  combined.set(field, offset);
  combined.set(message.subarray(offset), offset + field.length);
  return combined;
}
