import { invalidArgument } from "@threadline/core";

const guidPattern = /^[\x21-\x7e]{1,128}$/;

/** Largest accepted `fileName`, in UTF-16 code units; the server keeps at most 255 UTF-8 bytes. */
export const maxFileNameLength = 1024;

/** Checks an attachment GUID (1 to 128 printable ASCII characters without spaces). */
export function checkAttachmentGuid(field: string, value: unknown): string {
  if (typeof value !== "string" || !guidPattern.test(value)) {
    throw invalidArgument(
      field,
      "an attachment GUID: 1 to 128 printable ASCII characters without spaces, such as attachment.guid from upload()",
      value,
    );
  }
  return value;
}

/** Checks the bytes of a file: a non-empty Uint8Array (a Buffer is one). */
export function checkBytes(field: string, value: unknown): Uint8Array {
  if (!(value instanceof Uint8Array) || value.length === 0) {
    throw invalidArgument(field, "a non-empty Uint8Array (or Buffer) of the file's bytes", value);
  }
  return value;
}

/** Checks a display file name: a non-blank string of at most {@link maxFileNameLength} characters. */
export function checkFileName(field: string, value: unknown): string {
  if (typeof value !== "string" || value.trim() === "" || value.length > maxFileNameLength) {
    throw invalidArgument(
      field,
      `a non-blank file name of at most ${maxFileNameLength} characters, including its extension`,
      value,
    );
  }
  return value;
}

/** Checks an optional positive integer option. */
export function checkOptionalCount(
  field: string,
  value: unknown,
  maximum: number,
): number | undefined {
  if (value === undefined) return undefined;
  if (typeof value !== "number" || !Number.isSafeInteger(value) || value < 1 || value > maximum) {
    throw invalidArgument(field, `an integer from 1 to ${maximum}, or omitted`, value);
  }
  return value;
}
