import { invalidArgument } from "@threadline/core";

/** Largest group icon, in bytes (10 MiB, the server's limit). */
export const maxIconBytes = 10 * 1024 * 1024;

const allowedIcons = `the bytes of a JPEG, PNG, HEIC or HEIF image as a Uint8Array or Buffer, 1 byte to ${maxIconBytes} bytes (10 MiB)`;
const pngSignature = [0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a];
// ISO base media brands of HEIC (HEVC-coded) and HEIF images.
const imageBrands = new Set([
  "heic",
  "heix",
  "hevc",
  "hevx",
  "heim",
  "heis",
  "mif1",
  "msf1",
  "heif",
]);

function ascii(bytes: Uint8Array, start: number, end: number): string {
  return String.fromCharCode(...bytes.subarray(start, end));
}

// A HEIC or HEIF file opens with an `ftyp` box listing a major brand and compatible
// brands; one of the image brands among them marks the image.
function isHeifFamily(bytes: Uint8Array): boolean {
  if (bytes.length < 12 || ascii(bytes, 4, 8) !== "ftyp") return false;
  const boxSize =
    ((bytes[0] ?? 0) << 24) | ((bytes[1] ?? 0) << 16) | ((bytes[2] ?? 0) << 8) | (bytes[3] ?? 0);
  const end = Math.min(bytes.length, boxSize >= 16 ? boxSize : 12);
  if (imageBrands.has(ascii(bytes, 8, 12))) return true;
  for (let offset = 16; offset + 4 <= end; offset += 4) {
    if (imageBrands.has(ascii(bytes, offset, offset + 4))) return true;
  }
  return false;
}

/** Whether the leading bytes announce a JPEG, PNG, HEIC or HEIF image. */
function isSupportedImage(bytes: Uint8Array): boolean {
  if (bytes.length >= 3 && bytes[0] === 0xff && bytes[1] === 0xd8 && bytes[2] === 0xff) return true;
  if (
    bytes.length >= pngSignature.length &&
    pngSignature.every((value, index) => bytes[index] === value)
  ) {
    return true;
  }
  return isHeifFamily(bytes);
}

/**
 * Checks group icon bytes the way the server does: a non-empty Uint8Array of at most
 * {@link maxIconBytes} whose leading bytes are a JPEG, PNG, HEIC or HEIF signature.
 *
 * @throws ValidationError naming `field`.
 * @internal not covered by semver
 */
export function checkIconBytes(field: string, value: unknown): Uint8Array {
  if (!(value instanceof Uint8Array)) throw invalidArgument(field, allowedIcons, value);
  if (value.byteLength === 0) throw invalidArgument(field, allowedIcons, value, "is empty");
  if (value.byteLength > maxIconBytes) {
    throw invalidArgument(field, allowedIcons, value, `is ${value.byteLength} bytes`);
  }
  if (!isSupportedImage(value)) {
    throw invalidArgument(
      field,
      allowedIcons,
      value,
      "is not a supported image (its leading bytes match no JPEG, PNG, HEIC or HEIF signature)",
    );
  }
  return value;
}
