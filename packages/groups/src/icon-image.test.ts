import { ValidationError } from "@threadline/core";
import { describe, expect, it } from "vitest";
import { checkIconBytes } from "./icon-image.js";

/** An ISO base media `ftyp` box with a major brand and compatible brands. */
function ftyp(major: string, compatible: readonly string[] = []): Uint8Array {
  const size = 16 + 4 * compatible.length;
  const bytes = Buffer.alloc(size);
  bytes.writeUInt32BE(size, 0);
  bytes.write("ftyp", 4, "latin1");
  bytes.write(major, 8, "latin1");
  compatible.forEach((brand, index) => {
    bytes.write(brand, 16 + 4 * index, "latin1");
  });
  return Uint8Array.from(bytes);
}

describe("checkIconBytes", () => {
  it.each([
    ["JPEG", Uint8Array.from([0xff, 0xd8, 0xff, 0xdb])],
    ["PNG", Uint8Array.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a])],
    ["HEIC by major brand", ftyp("heic")],
    ["HEIF by major brand", ftyp("mif1")],
    ["HEIC by a compatible brand", ftyp("isom", ["mp41", "hevc"])],
  ])("accepts %s", (_name, bytes) => {
    expect(checkIconBytes("data", bytes)).toBe(bytes);
  });

  it.each([
    ["an MP4 video", ftyp("isom", ["mp41"])],
    ["a GIF", Uint8Array.from(Buffer.from("GIF89a"))],
    ["a truncated PNG signature", Uint8Array.from([0x89, 0x50, 0x4e])],
  ])("refuses %s, naming the allowed types", (_name, bytes) => {
    expect(() => checkIconBytes("data", bytes)).toThrow(ValidationError);
    expect(() => checkIconBytes("data", bytes)).toThrow(
      /data is not a supported image .*expected the bytes of a JPEG, PNG, HEIC or HEIF image/,
    );
  });
});
