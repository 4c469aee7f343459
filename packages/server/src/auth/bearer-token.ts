import { createHash, randomBytes, timingSafeEqual } from "node:crypto";

/** A freshly issued token: the secret shown once, and what is stored. */
export interface IssuedToken {
  /** The bearer token; never stored. */
  readonly token: string;
  /** First 8 bytes of the hash, hex: an index key that says nothing useful about the rest. */
  readonly lookupKey: string;
  /** SHA-256 of the token. */
  readonly hash: Buffer;
}

/** SHA-256 of a token's text. */
export function hashToken(token: string): Buffer {
  return createHash("sha256").update(token, "utf8").digest();
}

/** The index key derived from a token hash. */
export function tokenLookupKey(hash: Buffer): string {
  return hash.subarray(0, 8).toString("hex");
}

/** Creates a random 32-byte token, base64url encoded, with its hash and lookup key. */
export function issueBearerToken(): IssuedToken {
  const token = randomBytes(32).toString("base64url");
  const hash = hashToken(token);
  return { token, hash, lookupKey: tokenLookupKey(hash) };
}

/** Constant-time comparison of two token hashes. */
export function tokenHashesEqual(left: Uint8Array, right: Uint8Array): boolean {
  return left.length === right.length && timingSafeEqual(left, right);
}
