import { createHmac, timingSafeEqual } from "node:crypto";

const headerPattern = /^sha256=([0-9a-fA-F]{64})$/;

/**
 * True when `header` (`X-Hub-Signature-256: sha256=<hex>`) is the HMAC-SHA256 of the
 * raw body bytes under `appSecret`. The digests are compared in constant time; a
 * missing or malformed header is simply false.
 */
export function isValidWebhookSignature(
  rawBody: Uint8Array,
  header: string | undefined,
  appSecret: string,
): boolean {
  if (header === undefined) return false;
  const hex = headerPattern.exec(header.trim())?.[1];
  if (hex === undefined) return false;
  const expected = createHmac("sha256", appSecret).update(rawBody).digest();
  return timingSafeEqual(expected, Buffer.from(hex, "hex"));
}

/** The `X-Hub-Signature-256` header value Meta would send for `rawBody` (tests, benchmarks). */
export function signWebhookBody(rawBody: Uint8Array, appSecret: string): string {
  return `sha256=${createHmac("sha256", appSecret).update(rawBody).digest("hex")}`;
}
