import { invalidArgument } from "../errors/common-errors.js";
import { ServerError } from "../errors/server-error.js";

/** The image types a chat background or group icon may have. */
export type ImageType = "image/jpeg" | "image/png" | "image/heic" | "image/heif";

/** Largest accepted background or icon, in bytes (10 MiB). */
export const maxImageBytes = 10 * 1024 * 1024;

const allowedTypes = "JPEG, PNG, HEIC or HEIF";
const heicBrands = new Set(["heic", "heix", "hevc", "hevx", "heim", "heis"]);
const heifBrands = new Set(["mif1", "msf1", "heif"]);
const pngSignature = [0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a];

function ascii(bytes: Uint8Array, start: number, end: number): string {
  return String.fromCharCode(...bytes.subarray(start, end));
}

// HEIC and HEIF are ISO base media files: a leading `ftyp` box names a major brand and
// compatible brands; a HEVC-coded brand anywhere among them makes it HEIC.
function heifFamily(bytes: Uint8Array): ImageType | undefined {
  if (bytes.length < 12 || ascii(bytes, 4, 8) !== "ftyp") return undefined;
  const boxSize =
    ((bytes[0] ?? 0) << 24) | ((bytes[1] ?? 0) << 16) | ((bytes[2] ?? 0) << 8) | (bytes[3] ?? 0);
  const end = Math.min(bytes.length, boxSize >= 16 ? boxSize : 12);
  const brands = [ascii(bytes, 8, 12)];
  for (let offset = 16; offset + 4 <= end; offset += 4)
    brands.push(ascii(bytes, offset, offset + 4));
  if (brands.some((brand) => heicBrands.has(brand))) return "image/heic";
  if (brands.some((brand) => heifBrands.has(brand))) return "image/heif";
  return undefined;
}

/** The image type the leading bytes announce, or undefined for anything else. */
export function detectImageType(bytes: Uint8Array): ImageType | undefined {
  if (bytes.length >= 3 && bytes[0] === 0xff && bytes[1] === 0xd8 && bytes[2] === 0xff)
    return "image/jpeg";
  if (
    bytes.length >= pngSignature.length &&
    pngSignature.every((value, index) => bytes[index] === value)
  ) {
    return "image/png";
  }
  return heifFamily(bytes);
}

/**
 * Checks image bytes for a background or icon: non-empty, at most {@link maxImageBytes},
 * and JPEG, PNG, HEIC or HEIF by their magic bytes. Returns the detected MIME type;
 * throws INVALID_ARGUMENT saying what is allowed otherwise (error-code PAYLOAD_TOO_LARGE
 * for an oversized image).
 */
export function validateImage(bytes: Uint8Array, field: string): ImageType {
  if (bytes.length === 0) {
    throw invalidArgument(`${field} is empty; send the raw bytes of a ${allowedTypes} image`, {
      field,
    });
  }
  if (bytes.length > maxImageBytes) {
    throw new ServerError(
      "PAYLOAD_TOO_LARGE",
      `${field} is ${bytes.length} bytes, over the limit of ${maxImageBytes} bytes (10 MiB); send a smaller ${allowedTypes} image`,
      { field },
    );
  }
  const type = detectImageType(bytes);
  if (type === undefined) {
    throw invalidArgument(
      `${field} is not a supported image (its leading bytes match none of the allowed types); allowed types are ${allowedTypes}`,
      { field },
    );
  }
  return type;
}
