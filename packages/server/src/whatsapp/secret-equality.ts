import { createHash, timingSafeEqual } from "node:crypto";

/** SHA-256 of a secret: what is stored for secrets that are only ever compared. */
export function hashSecret(secret: string): Buffer {
  return createHash("sha256").update(secret, "utf8").digest();
}

/**
 * Compares two secrets in time that depends on neither value nor length: both sides
 * are hashed to 32 bytes first, then compared with `timingSafeEqual`.
 */
export function secretsEqual(given: string, expected: string): boolean {
  return timingSafeEqual(hashSecret(given), hashSecret(expected));
}

/** Compares a secret with a stored {@link hashSecret} digest in constant time. */
export function secretMatchesHash(given: string, expectedHash: Uint8Array): boolean {
  const digest = hashSecret(given);
  return expectedHash.byteLength === digest.byteLength && timingSafeEqual(digest, expectedHash);
}
