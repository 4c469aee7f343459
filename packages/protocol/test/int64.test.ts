import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { photon } from "../src/index.js";

const { CatchUpEventsResponse, GetChatCountResponse } = photon.imessage.v1;

/** Encodes field 1 as a varint holding `value` (an unsigned 64-bit integer). */
function varintField1(value: bigint): Uint8Array {
  const bytes = [0x08];
  let rest = value;
  do {
    let byte = Number(rest & 0x7fn);
    rest >>= 7n;
    if (rest > 0n) byte |= 0x80;
    bytes.push(byte);
  } while (rest > 0n);
  return Uint8Array.from(bytes);
}

describe("64-bit integers", () => {
  it("uint64 sequences decode to exact numbers up to 2^53-1", () => {
    fc.assert(
      fc.property(fc.maxSafeNat(), (sequence) => {
        const decoded = CatchUpEventsResponse.decode(varintField1(BigInt(sequence)));
        expect(decoded.sequence).toBe(sequence);
        expect(typeof decoded.sequence).toBe("number");
      }),
    );
  });

  it("a uint64 above 2^53-1 is a decode error, never a rounded number", () => {
    fc.assert(
      fc.property(fc.bigInt({ min: 2n ** 53n, max: 2n ** 64n - 1n }), (sequence) => {
        expect(() => CatchUpEventsResponse.decode(varintField1(sequence))).toThrow(
          /outside the safe integer range/,
        );
      }),
    );
  });

  it("a padded (non-minimal) varint of any length up to 10 bytes decodes to the same value", () => {
    fc.assert(
      fc.property(fc.maxSafeNat(), fc.nat({ max: 9 }), (sequence, padding) => {
        const minimal = varintField1(BigInt(sequence));
        const length = Math.min(minimal.length - 1 + padding, 10);
        const digits = Array.from(minimal.subarray(1)).map((byte) => byte | 0x80);
        while (digits.length < length) digits.push(0x80);
        digits[length - 1] = (digits[length - 1] ?? 0) & 0x7f;
        const decoded = CatchUpEventsResponse.decode(Uint8Array.from([0x08, ...digits]));
        expect(decoded.sequence).toBe(sequence);
      }),
    );
  });

  it("a varint cut off at the end of the buffer is a decode error", () => {
    fc.assert(
      fc.property(fc.integer({ min: 128, max: Number.MAX_SAFE_INTEGER }), (sequence) => {
        const whole = varintField1(BigInt(sequence));
        const cut = whole.subarray(0, whole.length - 1);
        expect(() => CatchUpEventsResponse.decode(cut)).toThrow(RangeError);
      }),
    );
  });

  it("int64 values decode exactly in the safe range, and negative values survive", () => {
    fc.assert(
      fc.property(fc.maxSafeInteger(), (count) => {
        const bytes = GetChatCountResponse.encode({ count }).finish();
        expect(GetChatCountResponse.decode(bytes).count).toBe(count);
      }),
    );
  });

  it("encoding a 64-bit field with an unsafe or negative unsigned number throws", () => {
    expect(() => CatchUpEventsResponse.encode({ sequence: 2 ** 53 })).toThrow(
      /non-negative safe integer/,
    );
    expect(() => CatchUpEventsResponse.encode({ sequence: -1 })).toThrow(
      /non-negative safe integer/,
    );
    expect(() => CatchUpEventsResponse.encode({ sequence: 1.5 })).toThrow(
      /non-negative safe integer/,
    );
    expect(() => GetChatCountResponse.encode({ count: -(2 ** 53) })).toThrow(/safe integer/);
  });

  it("an absent optional sequence stays absent, and zero is present when set", () => {
    expect(CatchUpEventsResponse.decode(new Uint8Array()).sequence ?? null).toBeNull();
    const zero = CatchUpEventsResponse.decode(
      CatchUpEventsResponse.encode({ sequence: 0 }).finish(),
    );
    expect(zero.sequence).toBe(0);
  });
});
