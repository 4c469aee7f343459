import { randomUUID } from "node:crypto";

/**
 * A fresh upper-case UUID in the version 7 layout (RFC 9562): the first 48 bits are
 * `nowMs`, the Unix time in milliseconds, and 74 of the remaining bits are random.
 *
 * Rows keyed by it land at the end of their unique index, not on a random leaf. With
 * random (version 4) GUIDs, a group commit of 64 messages dirtied about 64 leaf pages of
 * the GUID index, each written to the WAL and fsync'd; with these it dirties one or
 * two. GUIDs stay unique and unguessable; they reveal when the row was created to whoever
 * can see them, which the row's own timestamps already do.
 */
export function timeOrderedGuid(nowMs: number): string {
  if (!Number.isSafeInteger(nowMs) || nowMs < 0 || nowMs >= 2 ** 48) {
    throw new RangeError(`nowMs must be a Unix time in milliseconds below 2^48; received ${nowMs}`);
  }
  const time = nowMs.toString(16).padStart(12, "0");
  // randomUUID() is xxxxxxxx-xxxx-4xxx-Vxxx-xxxxxxxxxxxx with the RFC variant in V already.
  const random = randomUUID();
  return `${time.slice(0, 8)}-${time.slice(8, 12)}-7${random.slice(15)}`.toUpperCase();
}
