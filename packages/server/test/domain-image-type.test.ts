import { status } from "@grpc/grpc-js";
import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { detectImageType, maxImageBytes, validateImage } from "../src/domain/image-type.js";
import { ServerError } from "../src/errors/server-error.js";
import { grpcStatusOf } from "../src/rpc/error-status.js";

const jpeg = [0xff, 0xd8, 0xff];
const png = [0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a];

function ftyp(major: string, compatible: readonly string[]): number[] {
  const body = [major, "\0\0\0\0", ...compatible].join("");
  return [0, 0, 0, 8 + body.length, ...Buffer.from(`ftyp${body}`, "latin1")];
}

describe("detectImageType", () => {
  it("recognises each allowed type whatever follows its signature", () => {
    fc.assert(
      fc.property(fc.uint8Array({ maxLength: 64 }), (tail) => {
        expect(detectImageType(Uint8Array.from([...jpeg, ...tail]))).toBe("image/jpeg");
        expect(detectImageType(Uint8Array.from([...png, ...tail]))).toBe("image/png");
        expect(detectImageType(Uint8Array.from([...ftyp("heic", ["mif1"]), ...tail]))).toBe(
          "image/heic",
        );
        expect(detectImageType(Uint8Array.from([...ftyp("mif1", ["heic"]), ...tail]))).toBe(
          "image/heic",
        );
        expect(detectImageType(Uint8Array.from([...ftyp("mif1", ["miaf"]), ...tail]))).toBe(
          "image/heif",
        );
      }),
    );
  });

  it("recognises nothing else: other ISO media brands and bytes without a known signature", () => {
    const brand = fc
      .stringMatching(/^[a-z0-9]{4}$/)
      .filter(
        (value) =>
          !["heic", "heix", "hevc", "hevx", "heim", "heis", "mif1", "msf1", "heif"].includes(value),
      );
    fc.assert(
      fc.property(brand, fc.array(brand, { maxLength: 3 }), (major, compatible) => {
        expect(detectImageType(Uint8Array.from(ftyp(major, compatible)))).toBeUndefined();
      }),
    );
    fc.assert(
      fc.property(fc.uint8Array({ maxLength: 64 }), (bytes) => {
        const startsLikeImage =
          (bytes[0] === 0xff && bytes[1] === 0xd8) ||
          bytes[0] === 0x89 ||
          Buffer.from(bytes).includes("ftyp");
        fc.pre(!startsLikeImage);
        expect(detectImageType(bytes)).toBeUndefined();
      }),
    );
  });
});

describe("validateImage", () => {
  it("refuses empty, oversized and unknown bytes with messages that say what is allowed", () => {
    const failure = (bytes: Uint8Array) => {
      try {
        validateImage(bytes, "data");
      } catch (error) {
        if (error instanceof ServerError) return error;
      }
      throw new Error("expected a rejection");
    };
    expect(failure(new Uint8Array(0)).message).toContain("data is empty");
    const oversized = new Uint8Array(maxImageBytes + 1);
    oversized.set(png);
    expect(failure(oversized).errorCode).toBe("PAYLOAD_TOO_LARGE");
    expect(grpcStatusOf(failure(oversized))).toBe(status.INVALID_ARGUMENT);
    expect(failure(Uint8Array.from([0x47, 0x49, 0x46])).message).toContain(
      "JPEG, PNG, HEIC or HEIF",
    );
    const largest = new Uint8Array(maxImageBytes);
    largest.set(jpeg);
    expect(validateImage(largest, "data")).toBe("image/jpeg");
  });
});
