import { invalidArgument } from "../errors/common-errors.js";

// A cursor is base64url("wa1.<number id>.<sequence>"): versioned, scoped to one
// number's log (its internal id, which a removed and re-added number does not reuse),
// and opaque to clients.
const version = "wa1";
const textPattern = /^wa1\.([1-9][0-9]{0,15})\.(0|[1-9][0-9]{0,15})$/;
const base64UrlPattern = /^[A-Za-z0-9_-]{1,128}$/;

/** The cursor string of `sequence` in the log of number `numberId`. */
export function encodeWhatsAppCursor(numberId: number, sequence: number): string {
  return Buffer.from(`${version}.${numberId}.${sequence}`, "utf8").toString("base64url");
}

/**
 * The sequence a cursor points at in the log of `numberId`. Throws INVALID_ARGUMENT
 * naming the field when the cursor is malformed or belongs to another number's log.
 */
export function decodeWhatsAppCursor(cursor: string, numberId: number, field = "cursor"): number {
  const shown = JSON.stringify(cursor.slice(0, 80));
  const text = base64UrlPattern.test(cursor)
    ? Buffer.from(cursor, "base64url").toString("utf8")
    : "";
  const match = textPattern.exec(text);
  const owner = match?.[1];
  const position = match?.[2];
  if (owner === undefined || position === undefined) {
    throw invalidArgument(
      `${field} ${shown} is not a cursor this server issued; pass the cursor of an event you received, or none to start at the oldest event`,
      { field },
    );
  }
  const sequence = Number(position);
  if (Number(owner) !== numberId || !Number.isSafeInteger(sequence)) {
    throw invalidArgument(
      `${field} ${shown} belongs to another business number's log; a cursor is only valid for the number whose events carried it`,
      { field },
    );
  }
  return sequence;
}
